package dev.airlock.core.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditedChange;
import dev.airlock.core.grant.Approval;
import dev.airlock.core.grant.Grant;
import dev.airlock.core.grant.GrantStatus;
import dev.airlock.core.ops.OpsAccount;
import dev.airlock.core.ops.Passkey;
import dev.airlock.core.ops.PasskeyChallenge;
import dev.airlock.core.token.OnBehalfOf;
import dev.airlock.testing.MutableClock;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
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

    /** As {@link #open(Path, Clock)}, with these caps on remembered client-assertion ids. */
    protected abstract StateStore open(Path dir, Clock clock, AssertionLimits limits) throws Exception;

    /**
     * The store's {@link AuditedWrites} (as production code reaches them: {@link StateStore#audited}), arranged so
     * that writing an audit event of type {@code failingType} fails and every other event is written.
     */
    protected abstract AuditedWrites auditedWritesFailingOn(StateStore store, String failingType) throws Exception;

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
    void anAgentDisabledThenEnabledIsSeenHereInAnotherInstanceAndAfterReopening() throws Exception {
        assertFalse(store.isAgentDisabled("ci-bot"));
        await(store.setAgentDisabled("ci-bot", true));
        assertTrue(store.isAgentDisabled("ci-bot"));
        assertFalse(store.isAgentDisabled("other"));
        StateStore cli = track(open(dir, clock));
        assertTrue(cli.isAgentDisabled("ci-bot"), "read at open");

        await(cli.setAgentDisabled("ci-bot", false));
        store.refresh();
        assertFalse(store.isAgentDisabled("ci-bot"), "a later enable wins everywhere");
        await(store.setAgentDisabled("other", true));
        store.close();
        StateStore reopened = track(open(dir, clock));
        assertFalse(reopened.isAgentDisabled("ci-bot"));
        assertTrue(reopened.isAgentDisabled("other"));
    }

    /** Tokens carry iat in whole seconds, so the stored instant is a second; a stepped-back clock never lowers it. */
    @Test
    void voidedAgentTokensAreKeptToTheSecondOnlyMoveForwardAndSurviveReopening() throws Exception {
        assertEquals(Optional.empty(), store.agentTokensVoidUntil("ci-bot"));
        Instant at = Instant.parse("2030-01-01T00:00:10.750Z");
        await(store.voidAgentTokens("ci-bot", at));
        assertEquals(Optional.of(Instant.parse("2030-01-01T00:00:10Z")), store.agentTokensVoidUntil("ci-bot"));
        StateStore cli = track(open(dir, clock));
        await(cli.voidAgentTokens("ci-bot", Instant.parse("2030-01-01T00:00:05Z")));
        store.refresh();
        assertEquals(Optional.of(Instant.parse("2030-01-01T00:00:10Z")), store.agentTokensVoidUntil("ci-bot"),
                "an earlier instant changes nothing");
        assertEquals(Optional.of(Instant.parse("2030-01-01T00:00:10Z")), cli.agentTokensVoidUntil("ci-bot"));
        await(cli.voidAgentTokens("ci-bot", Instant.parse("2030-01-01T00:01:00Z")));
        await(cli.setAgentDisabled("ci-bot", true));
        store.refresh();
        assertEquals(Optional.of(Instant.parse("2030-01-01T00:01:00Z")), store.agentTokensVoidUntil("ci-bot"));
        assertTrue(store.isAgentDisabled("ci-bot"), "disabling keeps the void instant and the other way round");
        assertEquals(Optional.empty(), store.agentTokensVoidUntil("other"));
        store.close();
        StateStore reopened = track(open(dir, clock));
        assertEquals(Optional.of(Instant.parse("2030-01-01T00:01:00Z")), reopened.agentTokensVoidUntil("ci-bot"));
        assertTrue(reopened.isAgentDisabled("ci-bot"));
    }

    @Test
    void agentLifecycleChangesGoThroughAuditedWritesAndChangeNothingWhenTheirEventFails() throws Exception {
        AuditedWrites writes = auditedWritesFailingOn(store, "test.refused");
        assertThrows(ExecutionException.class, () -> await(writes.apply(AuditEvent.of("test.refused").build(),
                new StateChange.AgentDisabled("ci-bot", true))));
        assertThrows(ExecutionException.class, () -> await(writes.apply(AuditEvent.of("test.refused").build(),
                new StateChange.AgentTokensVoid("ci-bot", clock.instant()))));
        assertFalse(store.isAgentDisabled("ci-bot"));
        assertEquals(Optional.empty(), store.agentTokensVoidUntil("ci-bot"));

        await(writes.apply(AuditEvent.of("agent.disabled").build(), new StateChange.AgentDisabled("ci-bot", true)));
        await(writes.apply(AuditEvent.of("agent.tokens_revoked").build(),
                new StateChange.AgentTokensVoid("ci-bot", clock.instant())));
        StateStore other = track(open(dir, clock));
        assertTrue(other.isAgentDisabled("ci-bot"));
        assertEquals(Optional.of(clock.instant()), other.agentTokensVoidUntil("ci-bot"));
    }

    @Test
    void anAssertionJtiIsAcceptedOnceAndThenReportedAsReplay() throws Exception {
        assertTrue(await(store.recordAssertion("ci-bot", "a-1", inAnHour)));
        assertFalse(await(store.recordAssertion("ci-bot", "a-1", inAnHour)));
        assertTrue(await(store.recordAssertion("other-client", "a-1", inAnHour)), "jti is scoped per client");
    }

    @Test
    void anAssertionJtiMayBeReusedOnlyOnceTheStoreMayForgetIt() throws Exception {
        clock.advance(Retention.LONGEST_LIFETIME.plus(Retention.TOLERATED_STEP).plusMinutes(1)); // past start-up
        Instant exp = clock.instant().plus(Duration.ofMinutes(5));
        assertTrue(await(store.recordAssertion("ci-bot", "a-1", exp)));
        clock.advance(Duration.ofMinutes(4));
        assertFalse(await(store.recordAssertion("ci-bot", "a-1", exp)));
        clock.advance(Duration.ofMinutes(2));
        assertFalse(await(store.recordAssertion("ci-bot", "a-1", exp)),
                "expired, but remembered for a tolerated clock step after its exp");
        clock.advance(Retention.TOLERATED_STEP);
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

    // --- Versioned records: save(next) is a compare-and-set on next.version(). ---

    protected final Instant t0 = clock.instant();

    /** A v1 grant as a request creates it: pending, no approvals, every optional field null. */
    protected static Grant pendingGrant(String id, Instant createdAt) {
        return new Grant(id, "ci-bot", "prod", List.of("db:read", "db:migrate"), List.of("db:orders", "db:users"),
                "INC-42: migration stuck", null, 2, List.of(), GrantStatus.PENDING, createdAt,
                createdAt.plus(Duration.ofMinutes(15)), null, null, null, null, 0, null, 1);
    }

    /** The version after {@code g} with the given changes, as an approval, denial, redemption or expiry writes it. */
    protected static Grant successor(Grant g, GrantStatus status, List<Approval> approvals, String decidedBy,
                                     String denyReason, Instant decidedAt, String tokenJti, int usesLeft,
                                     Instant tokenExpiresAt) {
        return new Grant(g.id(), g.agentId(), g.environment(), g.scopes(), g.resources(), g.reason(), g.command(),
                g.requiredApprovals(), approvals, status, g.createdAt(), g.expiresAt(), decidedBy, denyReason,
                decidedAt, tokenJti, usesLeft, tokenExpiresAt, g.version() + 1);
    }

    /** The next version with one more approval from {@code person}: the transition approvers race on. */
    protected static Grant approvedBy(Grant g, String person, Instant at) {
        List<Approval> approvals = new ArrayList<>(g.approvals());
        approvals.add(new Approval(person, at));
        return successor(g, g.status(), approvals, null, null, null, null, 0, null);
    }

    /** Every optional field set (on behalf of a user, issue 15, too), and characters a line-based journal must escape. */
    private Grant everyFieldSet(String id, GrantStatus status) {
        return new Grant(id, "ci-bot", "prod", List.of("db:read", "db:migrate"), List.of("db:orders"),
                "INC-42: \"quoted\", ünïcode", "psql -c 'select 1'\n\\q", 2,
                List.of(new Approval("alice", t0.plusSeconds(60)), new Approval("bob", t0.plusSeconds(61))), status,
                t0, t0.plus(Duration.ofMinutes(15)), "bob", "not during the\nfreeze", t0.plusSeconds(61),
                "jti-" + id, 3, t0.plus(Duration.ofMinutes(5)), 1,
                new OnBehalfOf("corp", "https://login.corp.test/", "00u1:\"érin\"", "Erin Example"));
    }

    protected OpsAccount opsAccount(String name, long version, int failures, Instant lockedUntil, boolean disabled) {
        return new OpsAccount(name, version == 1 ? Set.of("dba") : Set.of("dba", "oncall", "sre"),
                "$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2g", "c2VhbGVkLXRvdHA=", 60_000_000L + version,
                failures, lockedUntil, t0, disabled, version,
                version == 1 ? List.of() : List.of(59_999_990L + version, 60_000_000L + version));
    }

    /** Starts every save at once (as near as threads allow) and returns each one's outcome, in order. */
    protected static List<Boolean> race(List<Callable<CompletableFuture<Boolean>>> saves) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(saves.size());
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (Callable<CompletableFuture<Boolean>> save : saves) {
                results.add(pool.submit(() -> {
                    start.await();
                    return await(save.call());
                }));
            }
            start.countDown();
            List<Boolean> outcomes = new ArrayList<>();
            for (Future<Boolean> r : results) outcomes.add(r.get(10, TimeUnit.SECONDS));
            return outcomes;
        } finally {
            pool.shutdownNow();
        }
    }

    private static int onlyWinner(List<Boolean> outcomes, String round) {
        assertEquals(1, outcomes.stream().filter(Boolean::booleanValue).count(), round + ": " + outcomes);
        return outcomes.indexOf(true);
    }

    @Test
    void aGrantIsSavedOnlyAsTheNextVersionOfWhatIsStored() throws Exception {
        Grant v1 = pendingGrant("gr-1", t0);
        Grant otherV1 = new Grant("gr-1", "other-bot", "dev", List.of("x"), List.of(), "a second request, same id",
                null, 1, List.of(), GrantStatus.PENDING, t0, t0.plusSeconds(60), null, null, null, null, 0, null, 1);
        Grant v2 = approvedBy(v1, "alice", t0.plusSeconds(10));
        Grant v3 = approvedBy(v2, "bob", t0.plusSeconds(20));

        // 1. A new grant must start at version 1.
        assertFalse(await(store.saveGrant(v2)), "v2 of a grant that does not exist");
        assertEquals(Optional.empty(), store.grant("gr-1"));
        // 2. v1 is created once; a second v1 loses and is not written.
        assertTrue(await(store.saveGrant(v1)));
        assertFalse(await(store.saveGrant(otherV1)));
        assertEquals(Optional.of(v1), store.grant("gr-1"));
        // 3. Skipping a version is refused.
        assertFalse(await(store.saveGrant(v3)));
        assertEquals(Optional.of(v1), store.grant("gr-1"));
        // 4. The next version is accepted and readable as soon as the save completes.
        assertTrue(await(store.saveGrant(v2)));
        assertEquals(Optional.of(v2), store.grant("gr-1"));
        // 5. Neither an older nor the same version goes back in.
        assertFalse(await(store.saveGrant(v1)));
        assertFalse(await(store.saveGrant(approvedBy(v1, "mallory", t0.plusSeconds(30)))));
        assertEquals(Optional.of(v2), store.grant("gr-1"));
        assertEquals(List.of(v2), store.grants());
    }

    @Test
    void everyGrantFieldRoundTripsInEveryStatusHereInAnotherInstanceAndAfterReopening() throws Exception {
        List<Grant> saved = new ArrayList<>();
        for (GrantStatus status : GrantStatus.values()) {
            saved.add(everyFieldSet("full-" + status.label(), status));
            Grant bare = pendingGrant("bare-" + status.label(), t0);
            saved.add(new Grant(bare.id(), bare.agentId(), bare.environment(), List.of(), List.of(), bare.reason(),
                    null, 1, List.of(), status, t0, bare.expiresAt(), null, null, null, null, 0, null, 1));
        }
        for (Grant g : saved) assertTrue(await(store.saveGrant(g)), g.id());

        StateStore other = track(open(dir, clock));
        for (Grant g : saved) {
            assertEquals(Optional.of(g), store.grant(g.id()));
            assertEquals(Optional.of(g), other.grant(g.id()));
        }
        store.close();
        StateStore reopened = track(open(dir, clock));
        for (Grant g : saved) assertEquals(Optional.of(g), reopened.grant(g.id()));
    }

    @Test
    void passkeysAndPendingCeremoniesOfAnOpsAccountRoundTripHereInAnotherInstanceAndAfterReopening() throws Exception {
        // Issue 16: credentials and their single-use nonces live in the account record, so every replica sees the same
        // counters and a nonce consumed through one is gone for all.
        OpsAccount base = opsAccount("carol", 1, 0, null, false);
        assertTrue(await(store.saveOpsAccount(base)));
        Passkey laptop = new Passkey("Y3JlZGVudGlhbC1pZC0x", "YXR0ZXN0ZWQtZGF0YQ", 41, List.of("internal", "hybrid"),
                true, true, false, "laptop \"ünïcode\"", t0, t0.plusSeconds(90));
        Passkey key = new Passkey("Y3JlZGVudGlhbC1pZC0y", "b3RoZXItZGF0YQ", 0, List.of(), true, false, false, "yubikey",
                t0.plusSeconds(5), null);
        List<PasskeyChallenge> pending = List.of(
                new PasskeyChallenge("bm9uY2UtMQ", PasskeyChallenge.Purpose.ENROL, null, "a".repeat(64), t0.plusSeconds(300)),
                new PasskeyChallenge("bm9uY2UtMg", PasskeyChallenge.Purpose.APPROVE, "gr_x", "b".repeat(64),
                        t0.plusSeconds(301)));
        OpsAccount withKeys = base.withPasskeys(List.of(laptop, key), pending);
        assertTrue(await(store.saveOpsAccount(withKeys)));

        StateStore other = track(open(dir, clock));
        assertEquals(Optional.of(withKeys), store.opsAccount("carol"));
        assertEquals(Optional.of(withKeys), other.opsAccount("carol"));
        // A nonce consumed (and a counter moved) through one instance is so for the other.
        OpsAccount used = withKeys.withPasskeys(List.of(laptop.used(42, true, t0.plusSeconds(120)), key),
                List.of(pending.get(0)));
        assertTrue(await(other.saveOpsAccount(used)));
        assertFalse(await(store.saveOpsAccount(withKeys.withPasskeys(withKeys.passkeys(), List.of()))),
                "a save from the version that still held the nonce loses");
        assertEquals(Optional.of(used), store.opsAccount("carol"));
        store.close();
        StateStore reopened = track(open(dir, clock));
        assertEquals(Optional.of(used), reopened.opsAccount("carol"));
    }

    @Test
    void aRecordReadsBackTheSameEverywhereEvenWithSubMillisecondInstants() throws Exception {
        // A system clock has microseconds; whatever precision a backend keeps, every reader must agree on it,
        // and the version read must be the base a successor is built from.
        Instant fine = t0.plusNanos(123_456_789);
        Grant v1 = pendingGrant("gr-fine", fine);
        assertTrue(await(store.saveGrant(v1)));
        Grant here = store.grant("gr-fine").orElseThrow();
        StateStore other = track(open(dir, clock));
        assertEquals(Optional.of(here), other.grant("gr-fine"));

        Grant v2 = approvedBy(here, "alice", fine.plusNanos(1_001));
        assertTrue(await(other.saveGrant(v2)));
        Grant thereV2 = other.grant("gr-fine").orElseThrow();
        store.refresh();
        assertEquals(Optional.of(thereV2), store.grant("gr-fine"));
        store.close();
        assertEquals(Optional.of(thereV2), track(open(dir, clock)).grant("gr-fine"));
    }

    @Test
    void grantsListsEveryGrantOnceAtItsLatestVersionInCreationOrder() throws Exception {
        // Ids deliberately not in creation order, and the oldest one updated last.
        Grant first = pendingGrant("gr-zulu", t0);
        Grant second = pendingGrant("gr-alpha", t0.plusSeconds(1));
        Grant third = pendingGrant("gr-mike", t0.plusSeconds(2));
        for (Grant g : List.of(first, second, third)) assertTrue(await(store.saveGrant(g)));
        Grant firstV2 = approvedBy(first, "alice", t0.plusSeconds(3));
        assertTrue(await(store.saveGrant(firstV2)));

        assertEquals(List.of(firstV2, second, third), store.grants());
        store.close();
        assertEquals(List.of(firstV2, second, third), track(open(dir, clock)).grants());
    }

    @Test
    void anOpsAccountIsSavedOnlyAsTheNextVersionAndEveryFieldRoundTrips() throws Exception {
        OpsAccount v1 = opsAccount("alice", 1, 0, null, false);
        OpsAccount v2 = opsAccount("alice", 2, 5, t0.plus(Duration.ofMinutes(15)), true);
        OpsAccount v3 = opsAccount("alice", 3, 0, null, false);

        assertFalse(await(store.saveOpsAccount(v2)), "v2 of an account that does not exist");
        assertTrue(await(store.saveOpsAccount(v1)));
        assertFalse(await(store.saveOpsAccount(opsAccount("alice", 1, 9, null, true))));
        assertEquals(Optional.of(v1), store.opsAccount("alice"));
        assertFalse(await(store.saveOpsAccount(v3)));
        assertTrue(await(store.saveOpsAccount(v2)));
        assertEquals(Optional.of(v2), store.opsAccount("alice"));
        assertFalse(await(store.saveOpsAccount(v2)));

        OpsAccount bob = opsAccount("bob", 1, 0, null, false);
        assertTrue(await(store.saveOpsAccount(bob)));
        assertEquals(Optional.empty(), store.opsAccount("carol"));
        assertEquals(Set.of(v2, bob), new HashSet<>(store.opsAccounts()));
        assertEquals(2, store.opsAccounts().size());

        StateStore other = track(open(dir, clock));
        assertEquals(Optional.of(v2), other.opsAccount("alice"));
        store.close();
        StateStore reopened = track(open(dir, clock));
        assertEquals(Optional.of(v2), reopened.opsAccount("alice"));
        assertEquals(Set.of(v2, bob), new HashSet<>(reopened.opsAccounts()));
        assertTrue(await(reopened.saveOpsAccount(v3)), "the chain continues after a restart");
        assertEquals(Optional.of(v3), reopened.opsAccount("alice"));
    }

    @Test
    void sixteenThreadsSavingDifferentNextVersionsOfOneGrantGetExactlyOneTrueAndTheWinnerIsStored() throws Exception {
        for (int round = 0; round < 20; round++) {
            Grant v1 = pendingGrant("gr-race-" + round, t0);
            assertTrue(await(store.saveGrant(v1)));
            List<Grant> candidates = new ArrayList<>();
            List<Callable<CompletableFuture<Boolean>>> saves = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                Grant candidate = approvedBy(v1, "approver-" + t, t0.plusSeconds(t));
                candidates.add(candidate);
                saves.add(() -> store.saveGrant(candidate));
            }
            int winner = onlyWinner(race(saves), "round " + round);
            assertEquals(Optional.of(candidates.get(winner)), store.grant(v1.id()));
        }
    }

    @Test
    void sixteenThreadsSavingDifferentNextVersionsOfOneOpsAccountGetExactlyOneTrue() throws Exception {
        OpsAccount v1 = opsAccount("alice", 1, 0, null, false);
        assertTrue(await(store.saveOpsAccount(v1)));
        for (int round = 0; round < 5; round++) {
            OpsAccount base = store.opsAccount("alice").orElseThrow();
            List<OpsAccount> candidates = new ArrayList<>();
            List<Callable<CompletableFuture<Boolean>>> saves = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                // As a TOTP code is accepted: a later step, once.
                OpsAccount candidate = new OpsAccount("alice", base.groups(), base.passphraseHash(), base.totpSealed(),
                        base.lastTotpStep() + 1 + t, 0, null, base.createdAt(), false, base.version() + 1);
                candidates.add(candidate);
                saves.add(() -> store.saveOpsAccount(candidate));
            }
            int winner = onlyWinner(race(saves), "round " + round);
            assertEquals(Optional.of(candidates.get(winner)), store.opsAccount("alice"));
        }
    }

    @Test
    void twoInstancesRacingOnOneGrantWriteExactlyOneNextVersionAndBothSeeIt() throws Exception {
        StateStore other = track(open(dir, clock));
        for (int round = 0; round < 20; round++) {
            Grant v1 = pendingGrant("gr-x-" + round, t0);
            assertTrue(await(store.saveGrant(v1)));
            // Either way each instance must decide on what the other wrote in the meantime: refreshed, both know v1
            // and would each accept their own v2; not refreshed, the other would refuse v2 for a grant it never saw.
            if (round % 2 == 0) other.refresh();
            List<Grant> candidates = new ArrayList<>();
            List<Callable<CompletableFuture<Boolean>>> saves = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                Grant candidate = approvedBy(v1, "approver-" + t, t0.plusSeconds(t));
                StateStore via = t % 2 == 0 ? store : other;
                candidates.add(candidate);
                saves.add(() -> via.saveGrant(candidate));
            }
            int winner = onlyWinner(race(saves), "round " + round);
            store.refresh();
            other.refresh();
            assertEquals(Optional.of(candidates.get(winner)), store.grant(v1.id()), "round " + round);
            assertEquals(Optional.of(candidates.get(winner)), other.grant(v1.id()), "round " + round);
        }
    }

    @Test
    void closingAndReopeningKeepsTheLatestVersionOfEveryRecordAndTheChainContinues() throws Exception {
        Grant v1 = pendingGrant("gr-1", t0);
        Grant v2 = approvedBy(v1, "alice", t0.plusSeconds(1));
        // The quorum is reached: approved, decided by the second approver.
        Grant v3 = successor(v2, GrantStatus.APPROVED,
                List.of(new Approval("alice", t0.plusSeconds(1)), new Approval("bob", t0.plusSeconds(2))), "bob",
                null, t0.plusSeconds(2), null, 0, null);
        for (Grant g : List.of(v1, v2, v3)) assertTrue(await(store.saveGrant(g)));
        assertTrue(await(store.saveOpsAccount(opsAccount("alice", 1, 0, null, false))));
        OpsAccount alice2 = opsAccount("alice", 2, 1, null, false);
        assertTrue(await(store.saveOpsAccount(alice2)));
        store.close();

        StateStore reopened = track(open(dir, clock));
        assertEquals(Optional.of(v3), reopened.grant("gr-1"));
        assertEquals(Optional.of(alice2), reopened.opsAccount("alice"));
        assertFalse(await(reopened.saveGrant(v3)), "v3 again after a restart");
        Grant v4 = successor(v3, GrantStatus.REDEEMED, v3.approvals(), "bob", null, t0.plusSeconds(2),
                "jti-once", 1, t0.plus(Duration.ofMinutes(5)));
        assertTrue(await(reopened.saveGrant(v4)));
        assertEquals(Optional.of(v4), reopened.grant("gr-1"));
    }

    // --- Issue 14: what every store promises beyond the single-process contract. ---

    @Test
    void aLostSaveLeavesTheWinnerReadableWithoutARefresh() throws Exception {
        StateStore other = track(open(dir, clock));
        Grant v1 = pendingGrant("gr-fresh", t0);
        assertTrue(await(store.saveGrant(v1)));
        other.refresh();
        Grant theirs = approvedBy(v1, "bob", t0.plusSeconds(1));
        assertTrue(await(other.saveGrant(theirs)));

        // No refresh here: the loser's retry must decide on the winner, so losing re-reads it.
        assertFalse(await(store.saveGrant(approvedBy(v1, "alice", t0.plusSeconds(2)))));
        assertEquals(Optional.of(theirs), store.grant("gr-fresh"));

        OpsAccount a1 = opsAccount("alice", 1, 0, null, false);
        assertTrue(await(store.saveOpsAccount(a1)));
        other.refresh();
        OpsAccount theirsA2 = opsAccount("alice", 2, 3, null, false);
        assertTrue(await(other.saveOpsAccount(theirsA2)));
        assertFalse(await(store.saveOpsAccount(opsAccount("alice", 2, 1, null, true))));
        assertEquals(Optional.of(theirsA2), store.opsAccount("alice"));
    }

    @Test
    void assertionIdsOverAClientsCapOrTheTotalCapAreRefusedAndNotRecorded() throws Exception {
        StateStore capped = track(open(dir, clock, new AssertionLimits(2, 3)));
        assertTrue(await(capped.recordAssertion("a", "1", inAnHour)));
        assertTrue(await(capped.recordAssertion("a", "2", inAnHour)));
        ExecutionException perClient = assertThrows(ExecutionException.class,
                () -> await(capped.recordAssertion("a", "3", inAnHour)));
        assertTrue(perClient.getCause() instanceof AssertionLimits.Reached r && !r.total(), perClient.toString());
        assertFalse(await(capped.recordAssertion("a", "1", inAnHour)), "a replay is still reported as one at the cap");
        assertTrue(await(capped.recordAssertion("b", "1", inAnHour)));
        ExecutionException total = assertThrows(ExecutionException.class,
                () -> await(capped.recordAssertion("c", "1", inAnHour)));
        assertTrue(total.getCause() instanceof AssertionLimits.Reached r && r.total(), total.toString());
        // Nothing was recorded for the refused ones: with room again (another store without the caps), they pass.
        assertTrue(await(store.recordAssertion("a", "3", inAnHour)));
        assertTrue(await(store.recordAssertion("c", "1", inAnHour)));
    }

    @Test
    void aRevocationIsKeptUntilRetentionAllowsForgettingItAndThenForgotten() throws Exception {
        Instant exp = clock.instant().plus(Duration.ofMinutes(1));
        await(store.revoke("short", exp));
        await(store.revoke("long", clock.instant().plus(Duration.ofDays(1))));
        // Past its exp by less than the tolerated step: kept (a clock stepped back would make the token good again).
        clock.advance(Duration.ofMinutes(1).plus(Retention.TOLERATED_STEP));
        store.refresh();
        assertTrue(store.isRevoked("short"));
        store.close();
        StateStore reopened = track(open(dir, clock));
        assertTrue(reopened.isRevoked("short"), "kept across a restart");
        // Past the start-up period and the step, by both clocks: forgotten; the live one stays.
        clock.advance(Retention.LONGEST_LIFETIME.plus(Retention.TOLERATED_STEP).plusMinutes(2));
        reopened.refresh();
        assertFalse(reopened.isRevoked("short"));
        assertTrue(reopened.isRevoked("long"));
    }

    @Test
    void anAuditedChangeWhoseEventCannotBeWrittenChangesNothing() throws Exception {
        AuditedWrites writes = auditedWritesFailingOn(store, "test.refused");
        ExecutionException refused = assertThrows(ExecutionException.class, () -> await(writes.apply(
                AuditEvent.of("test.refused").with("jti", "jti-x").build(), new StateChange.Revoke("jti-x", inAnHour))));
        assertTrue(refused.getCause() instanceof AuditedChange.NotDone, refused.toString());
        assertThrows(ExecutionException.class, () -> await(writes.apply(AuditEvent.of("test.refused").build(),
                new StateChange.SaveGrant(pendingGrant("gr-x", t0)))));
        assertFalse(store.isRevoked("jti-x"));
        assertEquals(Optional.empty(), store.grant("gr-x"));
        StateStore other = track(open(dir, clock));
        assertFalse(other.isRevoked("jti-x"), "not written anywhere");
        assertEquals(Optional.empty(), other.grant("gr-x"));

        // The same change with an event that can be written takes effect, everywhere.
        await(writes.apply(AuditEvent.of("token.revoked").with("jti", "jti-x").build(),
                new StateChange.Revoke("jti-x", inAnHour)));
        assertTrue(await(writes.apply(AuditEvent.of("grant.requested").build(),
                new StateChange.SaveGrant(pendingGrant("gr-x", t0)))));
        assertTrue(store.isRevoked("jti-x"));
        other.refresh();
        assertTrue(other.isRevoked("jti-x"));
        assertTrue(other.grant("gr-x").isPresent());
    }

    /**
     * {@code airlock_store_propagation_lag_seconds}: how long since this instance last knew it had every change other
     * processes made. It grows while nothing is read and comes down when a read completes (issue 14: the metric must
     * tell an operator that a replica stopped hearing about revocations).
     */
    @Test
    void propagationLagGrowsWhileNothingIsReadAndARefreshBringsItDown() throws Exception {
        store.refresh();
        java.time.Duration first = store.propagationLag();
        clock.advance(java.time.Duration.ofSeconds(50));
        java.time.Duration later = store.propagationLag();
        assertTrue(later.toSeconds() >= 50 && later.compareTo(first) > 0, () -> first + " then " + later);
        store.refresh();
        assertTrue(store.propagationLag().compareTo(later) < 0, () -> "after a refresh: " + store.propagationLag());
    }
}
