package dev.airlock.store.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.store.StateStore;
import dev.airlock.core.store.StateStoreContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FileStateStoreTest extends StateStoreContract {

    @Override
    protected StateStore open(Path dir, Clock clock) throws IOException {
        return FileStateStore.open(dir, clock);
    }

    private FileStateStore openCompactingAlways() throws IOException {
        return (FileStateStore) track(FileStateStore.open(dir, clock, 0));
    }

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
    void compactionKeepsLiveStateDropsExpiredRevocationsAndEmptiesTheJournal() throws Exception {
        writeSomeState(store);
        store.close();
        clock.advance(Duration.ofMinutes(10));

        FileStateStore compacted = openCompactingAlways();
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
    void aTornLastJournalLineIsIgnoredAndRemoved() throws Exception {
        await(store.revoke("whole", inAnHour));
        store.close();
        Path journal = dir.resolve(FileStateStore.JOURNAL);
        Files.writeString(journal, "{\"op\":\"revoke\",\"jti\":\"torn\",\"ex", StandardOpenOption.APPEND);

        FileStateStore reopened = (FileStateStore) track(open(dir, clock));
        assertTrue(reopened.isRevoked("whole"));
        assertFalse(reopened.isRevoked("torn"));
        assertEquals(1, reopened.recoveryNotes().size());
        assertFalse(Files.readString(journal).contains("torn"));
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
    void expiredRevocationsAreDroppedFromMemoryOnLoad() throws Exception {
        await(store.revoke("soon", clock.instant().plusSeconds(30)));
        store.close();
        clock.advance(Duration.ofMinutes(1));
        assertFalse(track(open(dir, clock)).isRevoked("soon"));
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
}
