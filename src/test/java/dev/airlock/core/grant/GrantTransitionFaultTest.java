package dev.airlock.core.grant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditLog;
import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.journal.AppendOnlyFile;
import dev.airlock.core.journal.StorageUnavailable;
import dev.airlock.core.policy.Agent;
import dev.airlock.core.token.TokenMinter;
import dev.airlock.testing.TestCore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, finding 1 and must-show 1, for grants: every grant transition is durable together with its audit event or
 * not at all. The faults are real: the journal and the audit log live in two directories, and the journal layer's
 * injection seam ({@link AppendOnlyFile#failWritesForTesting}) fails the writes of one of them as a full disk would.
 * A concurrent writer is real too: it saves a competing version of the grant into the real store in the moment
 * between a transition's audit event and its compare-and-set.
 */
class GrantTransitionFaultTest {
    @TempDir
    Path data;
    @TempDir
    Path auditDir;
    TestCore core;
    AuditLog audit;
    Grants grants;
    Agent agent;
    /** Saves a competing version of the grant before each of the next {@code racesLeft} events of this type. */
    String raceOn;
    final AtomicInteger racesLeft = new AtomicInteger();
    final AtomicInteger races = new AtomicInteger();
    /** Holds the next event of type {@code holdOn} until this completes (a slow disk under the first of two writers). */
    String holdOn;
    final CompletableFuture<Void> held = new CompletableFuture<>();

    @BeforeEach
    void open() throws Exception {
        core = new TestCore(data);
        audit = AuditLog.open(auditDir.resolve("audit.log"), core.clock);
        AuditSink racing = e -> {
            Object id = e.fields().get("grant_id");
            if (e.type().equals(holdOn)) {
                holdOn = null;
                return held.thenCompose(v -> audit.append(e));
            }
            if (e.type().equals(raceOn) && id != null && racesLeft.getAndDecrement() > 0) {
                races.incrementAndGet();
                Grant g = core.store.grant(id.toString()).orElseThrow();
                Grant competing = g.next(g.status(), g.approvals(), g.decidedBy(), g.denyReason(), g.decidedAt(),
                        g.tokenJti(), g.usesLeft(), g.tokenExpiresAt());
                return core.store.saveGrant(competing).thenCompose(saved -> audit.append(e));
            }
            return audit.append(e);
        };
        FreshFactor anyCode = (who, code) -> CompletableFuture.completedFuture(true);
        grants = new Grants(core.policy, core.store, racing, GrantNotifier.NONE, anyCode, core.minter, core.clock,
                core.random, TestCore.ISSUER + "/oauth2/token");
        agent = core.policy.agent("coding-agent").orElseThrow();
    }

    @AfterEach
    void close() {
        AppendOnlyFile.failWritesForTesting(data, false);
        AppendOnlyFile.failWritesForTesting(auditDir, false);
        audit.close();
        core.close();
    }

    String pendingGrant() {
        GrantOutcome filed = grants.requests.request(agent, new GrantRequests.Request("staging",
                List.of("volume:delete"), List.of("vol-7f3a-stg"),
                "the staging volume is an orphaned copy left by the migration test run", "delete vol-7f3a-stg",
                "test")).join();
        assertTrue(filed.ok(), filed::message);
        return filed.grant().id();
    }

    String approvedGrant() {
        String id = pendingGrant();
        for (String person : List.of("carol", "dave")) {
            if (status(id) != GrantStatus.PENDING) break;
            GrantOutcome o = grants.decisions.approve(carolOr(person), id, "000000", "test").join();
            assertTrue(o.ok(), o::message);
        }
        assertEquals(GrantStatus.APPROVED, status(id));
        return id;
    }

    static Approver carolOr(String person) {
        return new Approver(person, Set.of("ops"));
    }

    GrantStatus status(String id) {
        return core.store.grant(id).orElseThrow().status();
    }

    /** The audit events of this type about grant {@code id}, as written in the file. */
    List<String> events(String type, String id) throws Exception {
        return Files.readAllLines(auditDir.resolve("audit.log")).stream()
                .filter(l -> l.contains("\"type\":\"" + type + "\"") && l.contains(id)).toList();
    }

    static void assertStorageFault(CompletableFuture<?> f) {
        CompletionException e = assertThrows(CompletionException.class, f::join);
        assertTrue(StorageUnavailable.in(e).isPresent(), () -> "a storage fault (503), not: " + e);
    }

    @Test
    void redeemWhenAuditLogCannotBeWrittenThenGrantStaysApprovedWithoutEventAndNextPollAfterRecoveryGetsTheToken()
            throws Exception {
        String id = approvedGrant();
        AppendOnlyFile.failWritesForTesting(auditDir, true);
        assertStorageFault(grants.redemption.poll(agent, id, "test"));
        assertEquals(GrantStatus.APPROVED, status(id), "not redeemed without its grant.redeemed event");
        assertTrue(events("grant.redeemed", id).isEmpty());

        AppendOnlyFile.failWritesForTesting(auditDir, false);
        GrantRedemption.Outcome o = grants.redemption.poll(agent, id, "test").join();
        assertNull(o.error(), () -> o.error().description());
        TokenMinter.Minted minted = o.minted();
        assertEquals(GrantStatus.REDEEMED, status(id));
        assertEquals(minted.token().jti(), core.store.grant(id).orElseThrow().tokenJti());
        List<String> redeemed = events("grant.redeemed", id);
        assertEquals(1, redeemed.size());
        assertTrue(redeemed.get(0).contains(minted.token().jti()), "the event names the token delivered");
    }

    @Test
    void redeemWhenJournalCannotBeWrittenThenGrantStaysApprovedAndTheLogSaysTheRedemptionWasNotDone()
            throws Exception {
        String id = approvedGrant();
        AppendOnlyFile.failWritesForTesting(data, true);
        assertStorageFault(grants.redemption.poll(agent, id, "test"));
        assertEquals(GrantStatus.APPROVED, status(id));
        assertEquals(1, events("grant.redeemed", id).size(), "the decision is recorded first");
        List<String> notDone = events("change.not_done", id);
        assertEquals(1, notDone.size(), "and that it did not take effect");
        assertTrue(notDone.get(0).contains("\"change\":\"grant.redeemed\""), notDone.get(0));

        AppendOnlyFile.failWritesForTesting(data, false);
        assertNotNull(grants.redemption.poll(agent, id, "test").join().minted());
        assertEquals(GrantStatus.REDEEMED, status(id));
    }

    @Test
    void approveWhenAuditLogCannotBeWrittenThenGrantStaysPendingWithoutApproval() throws Exception {
        String id = pendingGrant();
        AppendOnlyFile.failWritesForTesting(auditDir, true);
        assertStorageFault(grants.decisions.approve(carolOr("carol"), id, "000000", "test"));
        Grant g = core.store.grant(id).orElseThrow();
        assertEquals(GrantStatus.PENDING, g.status());
        assertTrue(g.approvals().isEmpty(), "no approval without its grant.approved event");
        assertTrue(events("grant.approved", id).isEmpty());
    }

    @Test
    void denyWhenAuditLogCannotBeWrittenThenGrantStaysPending() throws Exception {
        String id = pendingGrant();
        AppendOnlyFile.failWritesForTesting(auditDir, true);
        assertStorageFault(grants.decisions.deny(carolOr("carol"), id, "not during the freeze", "test"));
        assertEquals(GrantStatus.PENDING, status(id));
        assertTrue(events("grant.denied", id).isEmpty());
    }

    @Test
    void cancelWhenAuditLogCannotBeWrittenThenGrantStaysApproved() throws Exception {
        String id = approvedGrant();
        AppendOnlyFile.failWritesForTesting(auditDir, true);
        assertStorageFault(grants.requests.cancel(agent, id));
        assertEquals(GrantStatus.APPROVED, status(id));
        assertTrue(events("grant.cancelled", id).isEmpty());
    }

    @Test
    void expireWhenAuditLogCannotBeWrittenThenGrantIsNotRecordedExpiredUntilItsEventIs() throws Exception {
        String id = pendingGrant();
        core.clock.advance(Duration.ofDays(1));
        AppendOnlyFile.failWritesForTesting(auditDir, true);
        assertStorageFault(grants.expireDue());
        assertEquals(GrantStatus.PENDING, status(id), "stored as it was; its expiry is still computed on read");
        assertTrue(events("grant.expired", id).isEmpty());

        AppendOnlyFile.failWritesForTesting(auditDir, false);
        assertEquals(1, grants.expireDue().join());
        assertEquals(GrantStatus.EXPIRED, status(id));
        assertEquals(1, events("grant.expired", id).size());
    }

    @Test
    void sweepWhenAuditLogCannotBeWrittenThenNothingChangesAndTheFaultIsLeftToStorageHealth() throws Exception {
        String id = pendingGrant();
        core.clock.advance(Duration.ofDays(1));
        AppendOnlyFile.failWritesForTesting(auditDir, true);
        assertEquals(0, grants.sweep().join(), "no failure to log every 5 s");
        assertEquals(GrantStatus.PENDING, status(id));
        AppendOnlyFile.failWritesForTesting(auditDir, false);
        grants.sweep().join();
        assertEquals(GrantStatus.EXPIRED, status(id));
        assertEquals(1, events("grant.expired", id).size());
    }

    @Test
    void useWhenAuditLogCannotBeWrittenThenRefusedAndTheUseIsNotSpent() throws Exception {
        String id = approvedGrant();
        TokenMinter.Minted minted = grants.redemption.poll(agent, id, "test").join().minted();
        int uses = core.store.grant(id).orElseThrow().usesLeft();
        AppendOnlyFile.failWritesForTesting(auditDir, true);
        assertStorageFault(grants.redemption.spend(minted.token(), "vol-7f3a-stg", "test"));
        assertEquals(uses, core.store.grant(id).orElseThrow().usesLeft(), "no use without its grant.used event");
        assertTrue(events("grant.used", id).isEmpty());

        AppendOnlyFile.failWritesForTesting(auditDir, false);
        assertNull(grants.redemption.spend(minted.token(), "vol-7f3a-stg", "test").join());
        assertEquals(uses - 1, core.store.grant(id).orElseThrow().usesLeft());
        assertEquals(1, events("grant.used", id).size());
    }

    @Test
    void redeemWhenAnotherWriterWinsOnceThenRetriedAndRedeemedOnceWithTheLostAttemptOnRecord() throws Exception {
        String id = approvedGrant();
        raceOn = "grant.redeemed";
        racesLeft.set(1);
        GrantRedemption.Outcome o = grants.redemption.poll(agent, id, "test").join();
        assertNull(o.error(), () -> o.error().description());
        assertEquals(1, races.get());
        assertEquals(GrantStatus.REDEEMED, status(id));
        assertEquals(o.minted().token().jti(), core.store.grant(id).orElseThrow().tokenJti());
        assertEquals(2, events("grant.redeemed", id).size(), "the lost attempt and the one that took effect");
        assertEquals(1, events("change.not_done", id).size(), "the lost attempt is marked as not done");
    }

    @Test
    void redeemWhenAnotherWriterWinsEverySaveThenRefusedAfterThreeAttemptsAndGrantStaysApproved() throws Exception {
        String id = approvedGrant();
        raceOn = "grant.redeemed";
        racesLeft.set(10);
        GrantRedemption.Outcome o = grants.redemption.poll(agent, id, "test").join();
        assertNull(o.minted(), "no token from a redemption that never took effect");
        assertEquals("slow_down", o.error().error(), o.error().description());
        assertEquals(GrantLedger.MAX_ATTEMPTS, races.get(), "bounded retries");
        assertEquals(GrantStatus.APPROVED, status(id), "the agent's next poll can still redeem it");
        assertEquals(GrantLedger.MAX_ATTEMPTS, events("change.not_done", id).size());
    }

    @Test
    void approveWhenTwoApproversRaceOnQuorumOfOneThenOneDecisionOnRecordAndTheOtherRefused() throws Exception {
        String id = pendingGrant();
        holdOn = "grant.approved";
        CompletableFuture<GrantOutcome> first = grants.decisions.approve(carolOr("carol"), id, "000000", "test");
        CompletableFuture<GrantOutcome> second = grants.decisions.approve(carolOr("dave"), id, "000000", "test");
        held.complete(null);
        assertTrue(first.join().ok(), () -> first.join().message());
        assertEquals("grant_approved", second.join().code(), second.join().message());
        assertEquals(List.of("carol"), core.store.grant(id).orElseThrow().approverNames());
        assertEquals(1, events("grant.approved", id).size(), "the second was decided on the first's result");
        assertTrue(events("change.not_done", id).isEmpty(), "no decision was recorded that could not take effect");
    }

    @Test
    void requestWhenAuditLogCannotBeWrittenThenNoGrantIsStored() throws Exception {
        int before = core.store.grants().size();
        AppendOnlyFile.failWritesForTesting(auditDir, true);
        assertStorageFault(grants.requests.request(agent, new GrantRequests.Request("staging",
                List.of("volume:delete"), List.of("vol-7f3a-stg"),
                "the staging volume is an orphaned copy left by the migration test run", null, "test")));
        assertEquals(before, core.store.grants().size(), "no grant that no grant.requested event announces");
    }

    @Test
    void applyWhenStepLeadsWhereItsTransitionCannotThenFailsAndNothingIsWritten() throws Exception {
        String id = approvedGrant();
        Grant approved = core.store.grant(id).orElseThrow();
        GrantLedger ledger = new GrantLedger(core.store, audit, GrantNotifier.NONE, core.clock);
        CompletableFuture<GrantLedger.Result> wrong = ledger.apply(GrantTransition.REDEEM, id, "test",
                cur -> java.util.Optional.of(GrantLedger.Step.to(cur.next(GrantStatus.CANCELLED, cur.approvals(),
                        cur.decidedBy(), null, cur.decidedAt(), null, 0, null))));
        CompletionException e = assertThrows(CompletionException.class, wrong::join);
        assertTrue(e.getCause() instanceof IllegalStateException, e::toString);
        assertEquals(approved, core.store.grant(id).orElseThrow());
        assertTrue(events("grant.redeemed", id).isEmpty());
    }

    @Test
    void eachTransitionStartsOnlyFromItsLegalStates() {
        java.time.Instant now = core.clock.instant();
        String id = approvedGrant();
        Grant approved = core.store.grant(id).orElseThrow();
        assertTrue(GrantTransition.REDEEM.legalFrom(approved, now));
        assertTrue(GrantTransition.CANCEL.legalFrom(approved, now));
        for (GrantTransition t : List.of(GrantTransition.REQUEST, GrantTransition.APPROVE, GrantTransition.DENY,
                GrantTransition.USE, GrantTransition.EXPIRE)) {
            assertTrue(!t.legalFrom(approved, now), t + " from approved");
        }
        assertTrue(!GrantTransition.REDEEM.legalFrom(approved, approved.expiresAt()), "an expired grant never redeems");
        assertTrue(GrantTransition.EXPIRE.legalFrom(approved, approved.expiresAt()));
        assertTrue(GrantTransition.REQUEST.legalFrom(null, now));
        Grant used = approved.next(GrantStatus.REDEEMED, approved.approvals(), approved.decidedBy(), null,
                approved.decidedAt(), "jti", 0, now.plusSeconds(60));
        assertTrue(!GrantTransition.USE.legalFrom(used, now), "no use without one left");
    }
}
