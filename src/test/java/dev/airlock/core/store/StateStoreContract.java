package dev.airlock.core.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.testing.MutableClock;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link StateStore} must do. A backend's test extends this and implements {@link #open}; two calls
 * with the same {@code dir} must reach the same store (two processes, or two replicas).
 */
public abstract class StateStoreContract {

    protected abstract StateStore open(Path dir, Clock clock) throws Exception;

    @TempDir
    protected Path dir;

    protected final MutableClock clock = MutableClock.at("2030-01-01T00:00:00Z");
    protected final Instant inAnHour = clock.instant().plus(Duration.ofHours(1));
    private final List<StateStore> opened = new ArrayList<>();
    protected StateStore store;

    @BeforeEach
    void openStore() throws Exception {
        store = track(open(dir, clock));
    }

    @AfterEach
    void closeStores() {
        opened.forEach(StateStore::close);
    }

    protected StateStore track(StateStore s) {
        opened.add(s);
        return s;
    }

    protected static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(10, TimeUnit.SECONDS);
    }

    @Test
    void revokedJtiIsRevokedOnceTheWriteCompletesAndOthersAreNot() throws Exception {
        assertFalse(store.isRevoked("jti-1"));
        await(store.revoke("jti-1", inAnHour));
        assertTrue(store.isRevoked("jti-1"));
        assertFalse(store.isRevoked("jti-2"));
    }

    @Test
    void freezeThenUnfreezeIsReflectedInIsFrozenAndFrozenEnvironments() throws Exception {
        assertFalse(store.isFrozen("prod"));
        await(store.setFrozen("prod", true));
        await(store.setFrozen("staging", true));
        assertTrue(store.isFrozen("prod"));
        assertEquals(Set.of("prod", "staging"), store.frozenEnvironments());
        await(store.setFrozen("prod", false));
        assertFalse(store.isFrozen("prod"));
        assertEquals(Set.of("staging"), store.frozenEnvironments());
    }

    @Test
    void putAgentSecretHashReplacesTheEarlierOne() throws Exception {
        assertEquals(Optional.empty(), store.agentSecretHash("ci-bot"));
        await(store.putAgentSecretHash("ci-bot", "a".repeat(64)));
        await(store.putAgentSecretHash("ci-bot", "b".repeat(64)));
        assertEquals(Optional.of("b".repeat(64)), store.agentSecretHash("ci-bot"));
        assertEquals(Optional.empty(), store.agentSecretHash("other"));
    }

    @Test
    void anAssertionJtiIsAcceptedOnceAndThenReportedAsReplay() throws Exception {
        assertTrue(await(store.recordAssertion("ci-bot", "a-1", inAnHour)));
        assertFalse(await(store.recordAssertion("ci-bot", "a-1", inAnHour)));
        assertTrue(await(store.recordAssertion("other-client", "a-1", inAnHour)), "jti is scoped per client");
    }

    @Test
    void anAssertionJtiMayBeReusedOnlyAfterItExpired() throws Exception {
        Instant exp = clock.instant().plus(Duration.ofMinutes(5));
        assertTrue(await(store.recordAssertion("ci-bot", "a-1", exp)));
        clock.advance(Duration.ofMinutes(4));
        assertFalse(await(store.recordAssertion("ci-bot", "a-1", exp)));
        clock.advance(Duration.ofMinutes(2));
        assertTrue(await(store.recordAssertion("ci-bot", "a-1", clock.instant().plus(Duration.ofMinutes(5)))));
    }

    @Test
    void sixteenThreadsRacingWithOneAssertionJtiGetExactlyOneTrue() throws Exception {
        for (int round = 0; round < 20; round++) {
            String jti = "race-" + round;
            ExecutorService pool = Executors.newFixedThreadPool(16);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Boolean>> results = new ArrayList<>();
            try {
                for (int t = 0; t < 16; t++) {
                    results.add(pool.submit(() -> {
                        start.await();
                        return await(store.recordAssertion("ci-bot", jti, inAnHour));
                    }));
                }
                start.countDown();
                int accepted = 0;
                for (Future<Boolean> r : results) accepted += r.get(10, TimeUnit.SECONDS) ? 1 : 0;
                assertEquals(1, accepted, "round " + round);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void closingAndReopeningForgetsNothingAcknowledged() throws Exception {
        await(store.revoke("jti-1", inAnHour));
        await(store.setFrozen("prod", true));
        await(store.setFrozen("dev", true));
        await(store.setFrozen("dev", false));
        await(store.putAgentSecretHash("ci-bot", "c".repeat(64)));
        assertTrue(await(store.recordAssertion("ci-bot", "a-1", inAnHour)));
        store.close();

        StateStore reopened = track(open(dir, clock));
        assertTrue(reopened.isRevoked("jti-1"));
        assertEquals(Set.of("prod"), reopened.frozenEnvironments());
        assertEquals(Optional.of("c".repeat(64)), reopened.agentSecretHash("ci-bot"));
        assertFalse(await(reopened.recordAssertion("ci-bot", "a-1", inAnHour)), "replay after restart");
    }

    @Test
    void aSecondInstanceSeesTheFirstInstancesWritesAfterRefresh() throws Exception {
        StateStore cli = track(open(dir, clock));
        await(cli.revoke("jti-9", inAnHour));
        await(cli.setFrozen("prod", true));
        await(cli.putAgentSecretHash("ci-bot", "d".repeat(64)));

        store.refresh();
        assertTrue(store.isRevoked("jti-9"));
        assertTrue(store.isFrozen("prod"));
        assertEquals(Optional.of("d".repeat(64)), store.agentSecretHash("ci-bot"));

        await(cli.setFrozen("prod", false));
        store.refresh();
        assertFalse(store.isFrozen("prod"), "a later unfreeze wins");
        store.refresh();
        assertFalse(store.isFrozen("prod"), "refreshing again changes nothing");
    }

    @Test
    void interleavedWritesFromTwoInstancesEndWithTheLastWriterWinningEverywhere() throws Exception {
        StateStore cli = track(open(dir, clock));
        await(store.putAgentSecretHash("ci-bot", "1".repeat(64)));
        await(cli.putAgentSecretHash("ci-bot", "2".repeat(64)));
        await(store.putAgentSecretHash("ci-bot", "3".repeat(64)));
        store.refresh();
        cli.refresh();
        assertEquals(Optional.of("3".repeat(64)), store.agentSecretHash("ci-bot"));
        assertEquals(Optional.of("3".repeat(64)), cli.agentSecretHash("ci-bot"));
    }
}
