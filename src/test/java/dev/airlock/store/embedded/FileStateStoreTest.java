package dev.airlock.store.embedded;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.grant.Approval;
import dev.airlock.core.grant.Grant;
import dev.airlock.core.grant.GrantStatus;
import dev.airlock.core.ops.OpsAccount;
import dev.airlock.core.store.AssertionLimits;
import dev.airlock.core.store.AuditedWrites;
import dev.airlock.core.store.Retention;
import dev.airlock.core.store.StateStore;
import dev.airlock.core.store.StateStoreContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class FileStateStoreTest extends StateStoreContract {

    @Override
    protected StateStore open(Path dir, Clock clock) throws IOException {
        return FileStateStore.open(dir, clock);
    }

    @Override
    protected StateStore open(Path dir, Clock clock, AssertionLimits limits) throws IOException {
        return FileStateStore.open(dir, clock, limits);
    }

    /** The file store's audited writes write the event first, to this sink: one that fails for one type. */
    @Override
    protected AuditedWrites auditedWritesFailingOn(StateStore store, String failingType) {
        return store.audited(event -> event.type().equals(failingType)
                ? CompletableFuture.failedFuture(new IOException("audit log refused by the test"))
                : CompletableFuture.completedFuture(null));
    }

    private FileStateStore openCompactingAlways() throws IOException {
        return (FileStateStore) track(FileStateStore.open(dir, clock, 0));
    }

    static final Duration PAST_START = Retention.LONGEST_LIFETIME.plus(Retention.TOLERATED_STEP).plusMinutes(1);

    private void writeSomeState(StateStore s) throws Exception {
        await(s.revoke("short-lived", clock.instant().plus(Duration.ofMinutes(1))));
        await(s.revoke("long-lived", inAnHour));
        await(s.setFrozen("prod", true));
        await(s.setFrozen("dev", true));
        await(s.setFrozen("dev", false));
        await(s.putAgentSecretHash("ci-bot", "e".repeat(64)));
        assertTrue(await(s.recordAssertion("ci-bot", "a-1", inAnHour)));
    }

    private void assertLiveState(StateStore s) throws Exception {
        assertTrue(s.isRevoked("long-lived"));
        assertEquals(Set.of("prod"), s.frozenEnvironments());
        assertEquals(Optional.of("e".repeat(64)), s.agentSecretHash("ci-bot"));
        assertFalse(await(s.recordAssertion("ci-bot", "a-1", inAnHour)));
    }

    @Test
    void compactionKeepsLiveStateDropsForgottenRevocationsAndEmptiesTheJournal() throws Exception {
        writeSomeState(store);
        store.close();
        clock.advance(Duration.ofMinutes(10));

        FileStateStore compacted = openCompactingAlways();
        // A process forgets nothing in its first 20 minutes (Retention); past them, the expired revocation goes.
        assertTrue(compacted.isRevoked("short-lived"));
        clock.advance(PAST_START);
        compacted.refresh();
        assertFalse(compacted.isRevoked("short-lived"));
        assertLiveState(compacted);
        String snapshot = Files.readString(dir.resolve(FileStateStore.SNAPSHOT));
        assertTrue(snapshot.contains("long-lived") && !snapshot.contains("short-lived"), snapshot);
        compacted.close();
        // Truncated to its header line; the replayed assertion above was refused without writing anything.
        assertEquals(1, Files.readAllLines(dir.resolve(FileStateStore.JOURNAL)).size());

        StateStore reopened = track(open(dir, clock));
        assertLiveState(reopened);
    }

    @Test
    void aCrashBetweenSnapshotRenameAndJournalTruncateReplaysHarmlessly() throws Exception {
        writeSomeState(store);
        store.close();
        byte[] journalBeforeCompaction = Files.readAllBytes(dir.resolve(FileStateStore.JOURNAL));
        openCompactingAlways().close();
        Files.write(dir.resolve(FileStateStore.JOURNAL), journalBeforeCompaction); // as if truncate never ran

        assertLiveState(track(open(dir, clock)));
    }

    @Test
    void anotherProcessCompactingIsPickedUpOnRefresh() throws Exception {
        await(store.setFrozen("prod", true));
        StateStore cli = track(open(dir, clock));
        await(cli.setFrozen("prod", false));
        await(cli.revoke("jti-cli", inAnHour));
        cli.close();
        openCompactingAlways().close(); // another CLI run compacts before the server refreshed

        store.refresh();
        assertFalse(store.isFrozen("prod"));
        assertTrue(store.isRevoked("jti-cli"));
        await(store.revoke("jti-server", inAnHour));
        assertTrue(track(open(dir, clock)).isRevoked("jti-server"));
    }

    @Test
    void writesMadeWhileACompactionWritesItsSnapshotAreDurableAndInTheSnapshot() throws Exception {
        store.close();
        FileStateStore compacting = openCompactingAlways();
        writeSomeState(compacting);
        List<String> during = new ArrayList<>();
        compacting.onSnapshotWritten(() -> {
            try {
                // The journal is not locked now: these appends must complete before the compaction does.
                compacting.revoke("during-compaction", inAnHour).get(30, java.util.concurrent.TimeUnit.SECONDS);
                compacting.putAgentSecretHash("deploy-bot", "f".repeat(64))
                        .get(30, java.util.concurrent.TimeUnit.SECONDS);
                during.add("done");
            } catch (Exception e) {
                throw new AssertionError("an append waited for the snapshot write", e);
            }
        });
        compacting.refresh();
        assertEquals(List.of("done"), during);
        assertEquals(1, journalLines().size(), "compacted to its header, after the appends made during it");
        String snapshot = Files.readString(dir.resolve(FileStateStore.SNAPSHOT));
        assertTrue(snapshot.contains("during-compaction") && snapshot.contains("deploy-bot"), snapshot);
        assertFalse(Files.exists(dir.resolve(FileStateStore.SNAPSHOT + ".tmp")));
        compacting.close();

        StateStore reopened = track(open(dir, clock));
        assertLiveState(reopened);
        assertTrue(reopened.isRevoked("during-compaction"));
        assertEquals(Optional.of("f".repeat(64)), reopened.agentSecretHash("deploy-bot"));
    }

    @Test
    void aRefreshDuringACompactionDoesNotStartAnother() throws Exception {
        store.close();
        FileStateStore compacting = openCompactingAlways();
        writeSomeState(compacting);
        List<String> snapshotsWritten = new ArrayList<>();
        compacting.onSnapshotWritten(() -> {
            snapshotsWritten.add("written");
            compacting.refresh(); // as the next 250 ms tick would, while this compaction is still running
        });
        compacting.refresh();
        assertEquals(List.of("written"), snapshotsWritten);
        assertEquals(1, journalLines().size());
        compacting.close();
        assertLiveState(track(open(dir, clock)));
    }

    @Test
    void closingDuringACompactionAbandonsItAndLosesNothing() throws Exception {
        store.close();
        FileStateStore compacting = openCompactingAlways();
        writeSomeState(compacting);
        Thread[] closer = new Thread[1];
        compacting.onSnapshotWritten(() -> {
            // A shutdown arrives while the snapshot is being written: close() must wait for the compaction's mutex,
            // and the compaction's last step must still be able to find out that the file is closed.
            closer[0] = new Thread(compacting::close, "closer");
            closer[0].start();
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (closer[0].getState() != Thread.State.WAITING
                    || !java.util.Arrays.toString(closer[0].getStackTrace()).contains("FileMutex.close")) {
                if (System.nanoTime() > deadline) throw new AssertionError("close() never reached the compaction lock");
                Thread.onSpinWait();
            }
        });
        IllegalStateException e = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> assertThrows(IllegalStateException.class, compacting::refresh), "deadlocked with close()");
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        closer[0].join(30_000);
        assertFalse(closer[0].isAlive(), "close() did not return");
        assertFalse(Files.exists(dir.resolve(FileStateStore.SNAPSHOT + ".tmp")));
        assertLiveState(track(open(dir, clock)));
    }

    @Test
    void aSnapshotLeftHalfWrittenByACrashedCompactionIsIgnoredAndReplaced() throws Exception {
        writeSomeState(store);
        store.close();
        Files.writeString(dir.resolve(FileStateStore.SNAPSHOT + ".tmp"), "{\"op\":\"revoke\",\"jti\":\"half");

        StateStore reopened = track(open(dir, clock));
        assertLiveState(reopened);
        reopened.close();
        openCompactingAlways().close();
        assertFalse(Files.exists(dir.resolve(FileStateStore.SNAPSHOT + ".tmp")));
        assertLiveState(track(open(dir, clock)));
    }

    @Test
    void aTornLastJournalLineIsMovedAsideNotDeleted() throws Exception {
        await(store.revoke("whole", inAnHour));
        store.close();
        Path journal = dir.resolve(FileStateStore.JOURNAL);
        String torn = "{\"op\":\"revoke\",\"jti\":\"torn\",\"ex";
        Files.writeString(journal, torn, StandardOpenOption.APPEND);

        FileStateStore reopened = (FileStateStore) track(open(dir, clock));
        assertTrue(reopened.isRevoked("whole"));
        assertFalse(reopened.isRevoked("torn"));
        assertEquals(1, reopened.recoveryNotes().size());
        assertFalse(Files.readString(journal).contains("torn"));
        assertEquals(torn, Files.readString(reopened.repairs().get(0).movedTo()), "the evidence is kept");
    }

    /** Issue 13, finding 3: a partial restore lost only the last newline; the revocation was acknowledged. */
    @Test
    void aLastJournalLineMissingOnlyItsNewlineIsKeptSoAnAcknowledgedRevocationStands() throws Exception {
        await(store.revoke("first", inAnHour));
        await(store.revoke("acknowledged", inAnHour));
        store.close();
        Path journal = dir.resolve(FileStateStore.JOURNAL);
        byte[] bytes = Files.readAllBytes(journal);
        Files.write(journal, java.util.Arrays.copyOf(bytes, bytes.length - 1)); // the newline is gone

        FileStateStore reopened = (FileStateStore) track(open(dir, clock));
        assertTrue(reopened.isRevoked("acknowledged"), "an acknowledged revocation is never undone");
        assertEquals(1, reopened.repairs().size());
        assertNull(reopened.repairs().get(0).movedTo());
        assertTrue(Files.readString(journal).endsWith("\n"));
    }

    @Test
    void openReadOnlyNeverRepairsTheJournal() throws Exception {
        await(store.revoke("whole", inAnHour));
        store.close();
        Path journal = dir.resolve(FileStateStore.JOURNAL);
        Files.writeString(journal, "{\"op\":\"revoke\",\"jti\":\"torn\",\"ex", StandardOpenOption.APPEND);
        byte[] before = Files.readAllBytes(journal);

        try (FileStateStore readOnly = FileStateStore.openReadOnly(dir, clock)) {
            assertTrue(readOnly.isRevoked("whole"));
            assertEquals(1, readOnly.recoveryNotes().size());
            assertThrows(Exception.class, () -> readOnly.revoke("x", inAnHour).join());
        }
        assertArrayEquals(before, Files.readAllBytes(journal));
    }

    @Test
    void aMalformedCompleteJournalLineStopsOpenWithItsLocation() throws Exception {
        store.close();
        Files.writeString(dir.resolve(FileStateStore.JOURNAL), "{\"op\":\"unrevoke\",\"jti\":\"x\"}\n",
                StandardOpenOption.APPEND);
        IOException e = assertThrows(IOException.class, () -> open(dir, clock));
        assertTrue(e.getMessage().contains("state.journal at byte ") && e.getMessage().contains("unknown op 'unrevoke'"),
                e.getMessage());
    }

    @Test
    void refreshingFromAWriteContinuationDoesNotDeadlock() throws Exception {
        StateStore cli = track(open(dir, clock));
        // Continuations attached before completion run on the journal's writer thread; refresh must not queue
        // work behind itself there.
        await(store.revoke("jti-server", inAnHour).thenRun(() -> {
            cli.revoke("jti-cli", inAnHour).join();
            store.refresh();
        }));
        assertTrue(store.isRevoked("jti-cli"));
    }

    @Test
    void expiredRevocationsReadAtOpenAreDroppedOnceTheNewProcessRanPastItsStartUp() throws Exception {
        await(store.revoke("soon", clock.instant().plusSeconds(30)));
        store.close();
        clock.advance(Duration.ofMinutes(1));
        StateStore reopened = track(open(dir, clock));
        assertTrue(reopened.isRevoked("soon"), "its clock may be ahead: it cannot tell yet");
        clock.advance(PAST_START);
        reopened.refresh();
        assertFalse(reopened.isRevoked("soon"));
    }

    @Test
    void journalLinesUseTheDocumentedFormat() throws Exception {
        await(store.revoke("j1", Instant.ofEpochSecond(1_900_000_000)));
        await(store.setFrozen("prod", true));
        await(store.putAgentSecretHash("ci-bot", "f".repeat(64)));
        await(store.recordAssertion("ci-bot", "a1", Instant.ofEpochSecond(1_900_000_060)));
        List<String> lines = Files.readAllLines(dir.resolve(FileStateStore.JOURNAL));
        assertTrue(lines.get(0).startsWith("{\"op\":\"journal\",\"id\":\""), lines.get(0));
        assertEquals(List.of("{\"op\":\"revoke\",\"jti\":\"j1\",\"exp\":1900000000}",
                "{\"op\":\"freeze\",\"env\":\"prod\",\"frozen\":true}",
                "{\"op\":\"secret\",\"agent\":\"ci-bot\",\"sha256\":\"" + "f".repeat(64) + "\"}",
                "{\"op\":\"assertion\",\"client\":\"ci-bot\",\"jti\":\"a1\",\"exp\":1900000060}"),
                lines.subList(1, lines.size()));
    }

    // --- Versioned records on disk ---

    /**
     * Parks the journal's writer thread in a write continuation (continuations attached before completion run there;
     * see AppendOnlyFile), so that everything queued until {@code release} is counted down is written as one
     * group-commit batch. Count it down in a finally block: a parked writer cannot close.
     */
    private static void parkWriter(StateStore s, CountDownLatch release) throws Exception {
        Thread caller = Thread.currentThread();
        while (true) {
            CountDownLatch parked = new CountDownLatch(1);
            AtomicBoolean ranHere = new AtomicBoolean();
            s.setFrozen("parking", true).thenRun(() -> {
                if (Thread.currentThread() == caller) {
                    ranHere.set(true); // completed before we attached: try again
                    return;
                }
                parked.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            if (!ranHere.get()) {
                parked.await();
                return;
            }
        }
    }

    private List<String> journalLines() throws IOException {
        return Files.readAllLines(dir.resolve(FileStateStore.JOURNAL));
    }

    @Test
    void savesQueuedIntoOneGroupCommitBatchAdmitExactlyTheValidChain() throws Exception {
        Grant v1 = pendingGrant("gr-batch", t0);
        assertTrue(await(store.saveGrant(v1)));
        Grant v2a = approvedBy(v1, "alice", t0.plusSeconds(1));
        Grant v2b = approvedBy(v1, "bob", t0.plusSeconds(1));
        Grant v3a = approvedBy(v2a, "carol", t0.plusSeconds(2));
        Grant v3b = approvedBy(v2b, "dave", t0.plusSeconds(2));
        Grant newV1 = pendingGrant("gr-new", t0.plusSeconds(3));
        Grant newV1Again = pendingGrant("gr-new", t0.plusSeconds(4));
        OpsAccount erin1 = opsAccount("erin", 1, 0, null, false);
        OpsAccount erin2 = opsAccount("erin", 2, 1, null, false);
        OpsAccount erin2Again = opsAccount("erin", 2, 2, null, false);

        List<CompletableFuture<Boolean>> saves = new ArrayList<>();
        CountDownLatch release = new CountDownLatch(1);
        try {
            parkWriter(store, release);
            // Each built from the same base as another, in this queue order: only the first of each pair chains.
            saves.add(store.saveGrant(v2a));
            saves.add(store.saveGrant(v2b));
            saves.add(store.saveGrant(v3a));
            saves.add(store.saveGrant(v3b));
            saves.add(store.saveGrant(newV1));
            saves.add(store.saveGrant(newV1Again));
            saves.add(store.saveOpsAccount(erin2)); // before its v1 in the queue: refused
            saves.add(store.saveOpsAccount(erin1));
            saves.add(store.saveOpsAccount(erin2Again));
            assertTrue(saves.stream().noneMatch(CompletableFuture::isDone), "queued behind the parked writer");
        } finally {
            release.countDown();
        }
        List<Boolean> outcomes = new ArrayList<>();
        for (CompletableFuture<Boolean> save : saves) outcomes.add(await(save));

        assertEquals(List.of(true, false, true, false, true, false, false, true, true), outcomes);
        assertEquals(Optional.of(v3a), store.grant("gr-batch"));
        assertEquals(Optional.of(newV1), store.grant("gr-new"));
        assertEquals(Optional.of(erin2Again), store.opsAccount("erin"));
        String journal = String.join("\n", journalLines());
        assertFalse(journal.contains("bob") || journal.contains("dave"), "a refused save wrote nothing: " + journal);
        assertEquals(1, journal.split("\"failures\":2", -1).length - 1, journal);
        store.close();
        StateStore reopened = track(open(dir, clock));
        assertEquals(Optional.of(v3a), reopened.grant("gr-batch"));
        assertEquals(Optional.of(newV1), reopened.grant("gr-new"));
        assertEquals(Optional.of(erin2Again), reopened.opsAccount("erin"));
    }

    @Test
    void compactionKeepsGrantsAndOpsAccountsAtTheirVersionsAndTheChainContinues() throws Exception {
        Grant v1 = pendingGrant("gr-1", t0);
        Grant v2 = approvedBy(v1, "alice", t0.plusSeconds(1));
        Grant other = pendingGrant("gr-2", t0.plusSeconds(2));
        for (Grant g : List.of(v1, v2, other)) assertTrue(await(store.saveGrant(g)));
        OpsAccount alice1 = opsAccount("alice", 1, 0, null, false);
        OpsAccount alice2 = opsAccount("alice", 2, 3, t0.plus(Duration.ofMinutes(5)), false);
        assertTrue(await(store.saveOpsAccount(alice1)));
        assertTrue(await(store.saveOpsAccount(alice2)));
        store.close();

        FileStateStore compacted = openCompactingAlways();
        assertEquals(1, journalLines().size(), "compacted to its header");
        String snapshot = Files.readString(dir.resolve(FileStateStore.SNAPSHOT));
        assertTrue(snapshot.contains("gr-1") && snapshot.contains("gr-2") && snapshot.contains("alice"), snapshot);
        assertEquals(List.of(v2, other), compacted.grants());
        assertEquals(Optional.of(alice2), compacted.opsAccount("alice"));
        assertFalse(await(compacted.saveGrant(v2)), "v2 again, against the snapshot");
        assertFalse(await(compacted.saveOpsAccount(alice2)));
        Grant v3 = approvedBy(v2, "bob", t0.plusSeconds(3));
        assertTrue(await(compacted.saveGrant(v3)));
        compacted.close();

        StateStore reopened = track(open(dir, clock));
        assertEquals(List.of(v3, other), reopened.grants());
        assertEquals(Optional.of(alice2), reopened.opsAccount("alice"));
    }

    @Test
    void anotherProcessCompactingDoesNotLetAStaleVersionThrough() throws Exception {
        Grant v1 = pendingGrant("gr-1", t0);
        assertTrue(await(store.saveGrant(v1)));
        StateStore cli = track(open(dir, clock));
        Grant v2 = approvedBy(v1, "alice", t0.plusSeconds(1));
        assertTrue(await(cli.saveGrant(v2)));
        cli.close();
        openCompactingAlways().close(); // the journal now holds only a header; v2 is in the snapshot

        // Not refreshed: the save must find v2 in the snapshot under the lock.
        assertFalse(await(store.saveGrant(approvedBy(v1, "mallory", t0.plusSeconds(2)))));
        assertEquals(Optional.of(v2), store.grant("gr-1"));
        Grant v3 = approvedBy(v2, "bob", t0.plusSeconds(3));
        assertTrue(await(store.saveGrant(v3)));
        assertEquals(Optional.of(v3), track(open(dir, clock)).grant("gr-1"));
    }

    @Test
    void aTornLastGrantLineIsRemovedAndThatVersionCanStillBeSaved() throws Exception {
        Grant v1 = pendingGrant("gr-1", t0);
        assertTrue(await(store.saveGrant(v1)));
        store.close();
        // The writer died in the middle of v2's line: it was never acknowledged.
        Path journal = dir.resolve(FileStateStore.JOURNAL);
        Files.writeString(journal, "{\"op\":\"grant\",\"grant\":{\"id\":\"gr-1\",\"agent\":\"ci-bot\",\"ver",
                StandardOpenOption.APPEND);

        FileStateStore reopened = (FileStateStore) track(open(dir, clock));
        assertEquals(1, reopened.recoveryNotes().size());
        assertEquals(Optional.of(v1), reopened.grant("gr-1"));
        Grant v2 = approvedBy(v1, "alice", t0.plusSeconds(1));
        assertTrue(await(reopened.saveGrant(v2)));
        reopened.close();
        assertEquals(Optional.of(v2), track(open(dir, clock)).grant("gr-1"));
        assertTrue(Files.readString(journal).endsWith("\n"));
    }

    @Test
    void finalGrantsAreForgottenOnRefreshOnceRetainedLongEnoughAndUnfinishedOnesNever() throws Exception {
        // A grant's last moment is the latest of its expiry, its decision and its token's expiry.
        Instant decided = t0.plus(Duration.ofMinutes(5));
        Instant settled = t0.plus(Duration.ofMinutes(15)); // expiresAt of every grant here
        Instant later = settled.plus(Duration.ofHours(1));
        List<String> finalIds = new ArrayList<>();
        for (GrantStatus status : GrantStatus.values()) {
            if (!status.isFinal()) continue;
            Grant v1 = pendingGrant("final-" + status.label(), t0);
            boolean redeemed = status == GrantStatus.REDEEMED;
            assertTrue(await(store.saveGrant(v1)));
            assertTrue(await(store.saveGrant(successor(v1, status, List.of(new Approval("alice", decided)), "alice",
                    null, decided, redeemed ? "jti-1" : null, redeemed ? 1 : 0, redeemed ? decided : null))));
            finalIds.add(v1.id());
        }
        // Kept for the retention after a moment later than their expiry: a token that outlived it, and an expiry
        // that was only written (decided) an hour after it happened.
        Grant tokenV1 = pendingGrant("late-token", t0);
        Grant lateToken = successor(tokenV1, GrantStatus.REDEEMED, List.of(), "alice", null, decided, "jti-2", 1, later);
        Grant expiryV1 = pendingGrant("late-expiry", t0);
        Grant lateExpiry = successor(expiryV1, GrantStatus.EXPIRED, List.of(), null, null, later, null, 0, null);
        Grant pending = pendingGrant("pending", t0);
        Grant approvedV1 = pendingGrant("approved", t0.plusSeconds(1));
        Grant approved = successor(approvedV1, GrantStatus.APPROVED, List.of(new Approval("alice", decided)), "alice",
                null, decided, null, 0, null);
        for (Grant g : List.of(tokenV1, lateToken, expiryV1, lateExpiry, pending, approvedV1, approved)) {
            assertTrue(await(store.saveGrant(g)));
        }

        // 1. Exactly the retention after their last moment: everything is still there.
        clock.set(settled.plus(StateMemory.FINAL_GRANT_RETENTION));
        store.refresh();
        assertEquals(finalIds.size() + 4, store.grants().size());

        // 2. Past it (and past the purge interval): those final grants go; later ones and unfinished ones stay.
        clock.advance(Duration.ofMinutes(2));
        store.refresh();
        for (String id : finalIds) assertEquals(Optional.empty(), store.grant(id), id);
        assertEquals(Set.of(lateToken, lateExpiry, pending, approved), Set.copyOf(store.grants()));

        // 3. An hour later the late ones go too. Pending and approved grants long past expiry never do: they still
        //    have to be written as expired, and that write needs them.
        clock.advance(Duration.ofHours(1));
        store.refresh();
        assertEquals(List.of(pending, approved), store.grants());
        clock.advance(Duration.ofDays(365));
        store.refresh();
        assertEquals(List.of(pending, approved), store.grants());

        // 4. Purged grants stay purged across a restart (replayed, then purged at open) and a compaction.
        store.close();
        assertEquals(List.of(pending, approved), openCompactingAlways().grants());
        String snapshot = Files.readString(dir.resolve(FileStateStore.SNAPSHOT));
        assertFalse(snapshot.contains("final-") || snapshot.contains("late-"), snapshot);
    }

    @Test
    void aRecordTheJournalCouldNotReadBackIsRefusedAndDoesNotDisturbTheNextSave() throws Exception {
        // Null where the journal requires a value: written as-is, the line would stop every later open; and an
        // encoding failure after the compare-and-set counted the version must not leave that version "taken".
        OpsAccount noPassphrase = new OpsAccount("alice", Set.of("dba"), null, "c2VhbGVk", 0, 0, null, t0, false, 1);
        Grant noCreatedAt = new Grant("gr-1", "ci-bot", "prod", List.of("db:read"), List.of(), "why", null, 1,
                List.of(), GrantStatus.PENDING, null, t0.plusSeconds(60), null, null, null, null, 0, null, 1);
        Grant noReason = new Grant("gr-2", "ci-bot", "prod", List.of("db:read"), List.of(), null, null, 1,
                List.of(), GrantStatus.PENDING, t0, t0.plusSeconds(60), null, null, null, null, 0, null, 1);
        for (CompletableFuture<Boolean> bad : List.of(store.saveOpsAccount(noPassphrase), store.saveGrant(noCreatedAt),
                store.saveGrant(noReason))) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> await(bad));
            assertTrue(e.getCause() instanceof IllegalArgumentException, e.getCause().toString());
        }
        assertEquals(Optional.empty(), store.grant("gr-1"));

        Grant v1 = pendingGrant("gr-1", t0);
        assertTrue(await(store.saveGrant(v1)), "v1 is still free");
        assertFalse(await(store.saveGrant(approvedBy(approvedBy(v1, "a", t0), "b", t0))), "v3 is not next");
        OpsAccount alice = opsAccount("alice", 1, 0, null, false);
        assertTrue(await(store.saveOpsAccount(alice)));
        store.close();

        StateStore reopened = track(open(dir, clock));
        assertEquals(Optional.of(v1), reopened.grant("gr-1"));
        assertEquals(Optional.of(alice), reopened.opsAccount("alice"));
    }
}
