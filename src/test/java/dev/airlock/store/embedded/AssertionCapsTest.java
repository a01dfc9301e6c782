package dev.airlock.store.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.store.AssertionLimits;
import dev.airlock.core.store.Retention;
import dev.airlock.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The caps on remembered client-assertion ids (AssertionLimits), on the embedded store, with small caps. */
class AssertionCapsTest {

    @TempDir
    Path dir;

    /** Past the start-up period in which a store forgets nothing ({@link Retention}). */
    static final Duration PAST_START = Retention.LONGEST_LIFETIME.plus(Retention.TOLERATED_STEP).plusMinutes(1);
    static final Duration STEP = Retention.TOLERATED_STEP;

    final MutableClock clock = MutableClock.at("2030-01-01T00:00:00Z");
    Instant inFiveMinutes = clock.instant().plus(Duration.ofMinutes(5));
    private final List<FileStateStore> opened = new ArrayList<>();

    @AfterEach
    void closeStores() {
        opened.forEach(FileStateStore::close);
    }

    private FileStateStore open(int perClient, int total) throws Exception {
        FileStateStore s = FileStateStore.open(dir, clock, new AssertionLimits(perClient, total));
        opened.add(s);
        return s;
    }

    /** Opened, and then running past its start-up period, so that ids are forgotten by the rule itself. */
    private FileStateStore openRunning(int perClient, int total) throws Exception {
        FileStateStore s = open(perClient, total);
        clock.advance(PAST_START);
        inFiveMinutes = clock.instant().plus(Duration.ofMinutes(5));
        return s;
    }

    private static boolean record(FileStateStore s, String client, String jti, Instant exp) throws Exception {
        return s.recordAssertion(client, jti, exp).get(10, TimeUnit.SECONDS);
    }

    /** The refusal a store gives when a cap is reached; fails the test if the id was recorded or called a replay. */
    private static AssertionLimits.Reached refused(FileStateStore s, String client, String jti, Instant exp) {
        CompletableFuture<Boolean> f = s.recordAssertion(client, jti, exp);
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        return assertInstanceOf(AssertionLimits.Reached.class, e.getCause());
    }

    @Test
    void whenAClientReachesItsCapThenItsNextIdIsRefusedAndOtherClientsAreStillServed() throws Exception {
        FileStateStore s = openRunning(3, 100);
        for (int i = 1; i <= 3; i++) assertTrue(record(s, "ci-bot", "a-" + i, inFiveMinutes));

        AssertionLimits.Reached full = refused(s, "ci-bot", "a-4", inFiveMinutes);
        assertFalse(full.total());
        assertEquals(3, full.limit());
        assertEquals(Duration.ofMinutes(5).plus(STEP).plusSeconds(1), full.retryAfter(),
                "kept through its exp second and the tolerated clock step after it");
        assertTrue(record(s, "other-client", "a-4", inFiveMinutes), "the cap is per client");
        // Refused means not recorded: once room is made (below), a-4 is accepted as new, not called a replay.
        clock.set(inFiveMinutes.plus(STEP).plusSeconds(1));
        assertTrue(record(s, "ci-bot", "a-4", clock.instant().plusSeconds(60)));
    }

    @Test
    void whenAllClientsTogetherReachTheTotalCapThenEveryNewIdIsRefused() throws Exception {
        FileStateStore s = open(10, 4);
        for (int i = 1; i <= 4; i++) assertTrue(record(s, "client-" + i, "a", inFiveMinutes));
        AssertionLimits.Reached full = refused(s, "client-5", "a", inFiveMinutes);
        assertTrue(full.total());
        assertEquals(4, full.limit());
        refused(s, "client-1", "b", inFiveMinutes);
    }

    @Test
    void replaysAreRefusedBelowAndAtTheCapAndReportedAsReplays() throws Exception {
        FileStateStore s = open(2, 100);
        assertTrue(record(s, "ci-bot", "a-1", inFiveMinutes));
        assertFalse(record(s, "ci-bot", "a-1", inFiveMinutes), "replay below the cap");
        assertTrue(record(s, "ci-bot", "a-2", inFiveMinutes));
        assertFalse(record(s, "ci-bot", "a-1", inFiveMinutes), "replay at the cap");
        assertFalse(record(s, "ci-bot", "a-2", inFiveMinutes), "replay at the cap");
    }

    @Test
    void forgottenIdsStopCountingSoTheClientIsServedAgainAsSoonAsTheFirstMayBeForgotten() throws Exception {
        FileStateStore s = openRunning(3, 100);
        Instant first = clock.instant().plusSeconds(30);
        assertTrue(record(s, "ci-bot", "a-1", inFiveMinutes));
        assertTrue(record(s, "ci-bot", "a-2", first));
        assertTrue(record(s, "ci-bot", "a-3", inFiveMinutes));
        assertEquals(STEP.plusSeconds(31), refused(s, "ci-bot", "a-4", inFiveMinutes).retryAfter(),
                "until the earliest exp and the tolerated step, whatever order the ids came in");

        clock.set(first.plus(STEP)); // a-2 is still remembered during that last second
        assertEquals(Duration.ofSeconds(1), refused(s, "ci-bot", "a-4", inFiveMinutes).retryAfter());
        clock.set(first.plus(STEP).plusSeconds(1));
        assertTrue(record(s, "ci-bot", "a-4", inFiveMinutes));
        refused(s, "ci-bot", "a-5", inFiveMinutes);
        assertFalse(record(s, "ci-bot", "a-1", inFiveMinutes), "ids not yet forgettable are still remembered");
    }

    @Test
    void forgettableIdsArePurgedAsNewOnesArriveSoOnlyRememberedOnesCount() {
        Retention retention = Retention.of(clock);
        UsedAssertions used = new UsedAssertions(new AssertionLimits(1_000, 1_000), retention);
        clock.advance(PAST_START);
        long now = clock.instant().getEpochSecond();
        Retention.Reading reading = retention.read();
        for (int i = 0; i < 1_000; i++) {
            assertTrue(used.reserve("client-" + i % 7, "a-" + i, now + 1 + i % 60, reading));
        }
        assertThrows(AssertionLimits.Reached.class, () -> used.reserve("client-x", "a", now + 300, retention.read()));
        assertEquals(1_000, used.size());

        clock.advance(STEP.plusSeconds(61));
        assertTrue(used.reserve("client-x", "a", now + 361, retention.read()), "every earlier id may be forgotten");
        assertEquals(1, used.size());
    }

    @Test
    void afterARestartRecordedIdsAreStillRefusedAsReplaysAndStillCount() throws Exception {
        FileStateStore s = open(3, 100);
        for (int i = 1; i <= 3; i++) assertTrue(record(s, "ci-bot", "a-" + i, inFiveMinutes));
        s.close();

        FileStateStore reopened = open(3, 100);
        for (int i = 1; i <= 3; i++) assertFalse(record(reopened, "ci-bot", "a-" + i, inFiveMinutes), "a-" + i);
        refused(reopened, "ci-bot", "a-4", inFiveMinutes);
        reopened.close();

        // A lower cap after the restart forgets nothing: the ids over it are kept, and new ones wait.
        FileStateStore lowered = open(1, 100);
        for (int i = 1; i <= 3; i++) assertFalse(record(lowered, "ci-bot", "a-" + i, inFiveMinutes), "a-" + i);
        refused(lowered, "ci-bot", "a-4", inFiveMinutes);
    }

    @Test
    void limitsMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new AssertionLimits(0, 10));
        assertThrows(IllegalArgumentException.class, () -> new AssertionLimits(10, 0));
    }
}
