package dev.airlock.store.embedded;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.store.Retention;
import dev.airlock.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Wall-clock steps never revive a revoked token or a used assertion id (issue 13, finding 6): {@link Retention}'s
 * three conditions, one test each, plus restarts and compactions on the same data directory. {@code step} moves
 * only the wall clock, {@code advance} is time passing (see MutableClock).
 */
class ClockStepRetentionTest {

    static final Duration DAY = Duration.ofDays(1);
    /** Past the start-up period in which nothing is forgotten. */
    static final Duration PAST_START = Retention.LONGEST_LIFETIME.plus(Retention.TOLERATED_STEP).plusMinutes(1);
    /** Past the store's purge interval, so that the next refresh purges. */
    static final Duration PURGE_DUE = Duration.ofMinutes(2);

    @TempDir
    Path dir;

    final MutableClock clock = MutableClock.at("2030-01-01T00:00:00Z");
    private final List<FileStateStore> opened = new ArrayList<>();

    @AfterEach
    void closeStores() {
        opened.forEach(FileStateStore::close);
    }

    /** Compacts at open and at every refresh, so that what a purge dropped is gone from disk too. */
    private FileStateStore open() throws Exception {
        FileStateStore s = FileStateStore.open(dir, clock, 0);
        opened.add(s);
        return s;
    }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    private Instant in(Duration d) {
        return clock.instant().plus(d);
    }

    @Test
    void aRevocationAndAnAssertionIdOutliveAForwardStepPastTheirExpiryAndTheStepBack() throws Exception {
        FileStateStore store = open();
        clock.advance(PAST_START);
        await(store.revoke("revoked-jti", in(Duration.ofMinutes(10))));
        Instant assertionExp = in(Duration.ofMinutes(5));
        assertTrue(await(store.recordAssertion("deploy-bot", "used-once", assertionExp)));

        // 1. The clock jumps a day ahead and runs there for a while: both expired, by the wall clock, long ago.
        clock.step(DAY).advance(PURGE_DUE);
        store.refresh();
        // 2. Corrected: the token and the assertion are within their lifetime again, and must still be refused.
        clock.step(DAY.negated());
        assertTrue(store.isRevoked("revoked-jti"));
        assertFalse(await(store.recordAssertion("deploy-bot", "used-once", assertionExp)), "a replay");
    }

    @Test
    void anEntryLearnedWhileTheClockIsAheadIsHeldForThatStepToo() throws Exception {
        FileStateStore store = open();
        clock.advance(PAST_START);
        Instant exp = in(Duration.ofMinutes(10)); // a token minted before the step, on the right time
        Duration ahead = Duration.ofMinutes(8);
        clock.step(ahead);
        await(store.revoke("revoked-while-ahead", exp));

        // Long enough that its exp + the tolerated step has passed on the (ahead) wall clock, and the time its exp was
        // ahead of that clock + the tolerated step has passed in real time; not yet the real time to its exp + step.
        clock.advance(Duration.ofMinutes(7).plusSeconds(2));
        store.refresh();
        clock.step(ahead.negated());
        assertTrue(clock.instant().isBefore(exp), "the token is valid again by the corrected clock");
        assertTrue(store.isRevoked("revoked-while-ahead"));
    }

    @Test
    void aStoreOpenedWithItsClockAlreadyAheadForgetsNothingIssuedBeforeUntilItExpiredInRealTime() throws Exception {
        FileStateStore first = open();
        clock.advance(PAST_START);
        Instant exp = in(Duration.ofMinutes(10));
        await(first.revoke("revoked-before-restart", exp));
        first.close();

        // Restarted with the clock 14 minutes ahead: the new process cannot see that step.
        Duration ahead = Duration.ofMinutes(14);
        clock.step(ahead);
        FileStateStore restarted = open();
        clock.advance(Retention.TOLERATED_STEP.plusSeconds(2));
        restarted.refresh();
        clock.step(ahead.negated());
        assertTrue(clock.instant().isBefore(exp));
        assertTrue(restarted.isRevoked("revoked-before-restart"));
    }

    @Test
    void aRestartAndCompactionsWhileTheClockIsAheadForgetNothingEither() throws Exception {
        FileStateStore first = open();
        clock.advance(PAST_START);
        await(first.revoke("revoked-jti", in(Duration.ofMinutes(10))));
        Instant assertionExp = in(Duration.ofMinutes(5));
        assertTrue(await(first.recordAssertion("deploy-bot", "used-once", assertionExp)));

        clock.step(DAY).advance(PURGE_DUE);
        first.refresh(); // purges, then compacts: the snapshot is all that is left on disk
        first.close();
        FileStateStore ahead = open(); // opened a day ahead: purges and compacts again
        clock.advance(PURGE_DUE);
        ahead.refresh();
        ahead.close();

        clock.step(DAY.negated());
        FileStateStore corrected = open();
        assertTrue(corrected.isRevoked("revoked-jti"));
        assertFalse(await(corrected.recordAssertion("deploy-bot", "used-once", assertionExp)), "a replay");
    }

    @Test
    void anEntryIsKeptWhileTheWallClockSteppedBackStillReadsBeforeItsExpiryHoweverLongItWasHeld() throws Exception {
        FileStateStore store = open();
        clock.advance(PAST_START);
        Instant exp = in(Duration.ofMinutes(10));
        await(store.revoke("revoked-jti", exp));

        // An hour back, then longer than the entry would otherwise be held (its 10 minutes + the tolerated step).
        clock.step(Duration.ofHours(-1)).advance(Duration.ofMinutes(16));
        store.refresh();
        assertTrue(clock.instant().isBefore(exp));
        assertTrue(store.isRevoked("revoked-jti"));
    }

    @Test
    void entriesAreForgottenOnceBothClocksAgreeTheyAreLongExpired() throws Exception {
        FileStateStore store = open();
        Instant exp = in(Duration.ofMinutes(1));
        await(store.revoke("short-lived", exp));
        assertTrue(await(store.recordAssertion("deploy-bot", "used-once", exp)));

        clock.advance(PAST_START);
        store.refresh();
        assertFalse(store.isRevoked("short-lived"));
        assertTrue(await(store.recordAssertion("deploy-bot", "used-once", in(Duration.ofMinutes(1)))),
                "forgotten, so recorded anew");
    }

    @Test
    void purgingGoesOnAfterTheClockIsSteppedBack() throws Exception {
        FileStateStore store = open();
        await(store.revoke("short-lived", in(Duration.ofMinutes(1))));
        store.refresh();
        // A day back, then time passes: the entry is long dead by both clocks, and the purge must not wait a day.
        clock.step(DAY.negated());
        await(store.revoke("short-lived-2", in(Duration.ofMinutes(1))));
        clock.advance(PAST_START);
        store.refresh();
        assertFalse(store.isRevoked("short-lived-2"));
    }
}
