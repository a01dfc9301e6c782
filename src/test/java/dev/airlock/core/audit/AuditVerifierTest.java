package dev.airlock.core.audit;

import static dev.airlock.core.audit.AuditLogTest.JSON;
import static dev.airlock.core.audit.AuditLogTest.ZEROS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.audit.AuditVerification.Kind;
import dev.airlock.testing.MutableClock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditVerifierTest {

    @TempDir
    Path dir;

    Path file;
    List<String> original;
    List<String> lines;

    /** Ten events, seq 1..10, each {@code "i": seq-1}. */
    @BeforeEach
    void writeTenEvents() throws Exception {
        file = dir.resolve("audit.log");
        MutableClock clock = MutableClock.at("2030-01-01T00:00:00Z");
        try (AuditLog log = AuditLog.open(file, clock)) {
            for (int i = 0; i < 10; i++) {
                log.append(AuditEvent.of("grant.approved").with("i", i).build()).get(5, TimeUnit.SECONDS);
                clock.advance(Duration.ofMillis(1500));
            }
        }
        original = List.copyOf(Files.readAllLines(file));
        lines = new ArrayList<>(original);
    }

    @Test
    void anIntactLogVerifiesWithItsCountAndLastHash() throws Exception {
        AuditVerification result = AuditVerifier.verify(file);
        assertTrue(result.ok());
        assertEquals(10, result.events());
        assertEquals(hashOf(10), result.lastHash());
    }

    @Test
    void anEmptyLogVerifiesWithNoEvents() throws Exception {
        Files.writeString(file, "");
        AuditVerification result = AuditVerifier.verify(file);
        assertTrue(result.ok());
        assertEquals(0, result.events());
        assertEquals(ZEROS, result.lastHash());
    }

    @Test
    void aMissingLogIsAnIoErrorNotAVerdict() {
        assertThrows(NoSuchFileException.class, () -> AuditVerifier.verify(dir.resolve("nope.log")));
    }

    @Test
    void anEditedLineIsReportedAtThatLine() throws Exception {
        lines.set(4, lines.get(4).replace("\"i\":4", "\"i\":40"));
        AuditVerification result = rewriteAndVerify();
        assertProblem(result, 5, Kind.EDITED, "line 5: hash does not match its content (edited)");
        assertEquals(4, result.events());
        assertEquals(hashOf(4), result.lastHash());
    }

    @Test
    void aDeletedLineIsReportedWhereTheGapIs() throws Exception {
        lines.remove(4);
        assertProblem(rewriteAndVerify(), 5, Kind.DELETED, "line 5: seq 6 follows 4: 1 line(s) missing (deleted)");
    }

    @Test
    void severalDeletedLinesAreCounted() throws Exception {
        lines.subList(4, 7).clear();
        assertProblem(rewriteAndVerify(), 5, Kind.DELETED, "line 5: seq 8 follows 4: 3 line(s) missing (deleted)");
    }

    @Test
    void aDeletedFirstLineIsReportedAtLineOne() throws Exception {
        lines.remove(0);
        assertProblem(rewriteAndVerify(), 1, Kind.DELETED,
                "line 1: the log starts at seq 2: 1 line(s) missing (deleted)");
    }

    @Test
    void aForgedLineInsertedWithAValidHashIsCaughtByTheRepeatedSeqAfterIt() throws Exception {
        lines.add(5, forge(6, hashOf(5)));
        assertProblem(rewriteAndVerify(), 7, Kind.INSERTED, "line 7: seq 6 repeats line 6's seq (inserted)");
    }

    @Test
    void aCopiedOldLineInsertedLaterIsReported() throws Exception {
        lines.add(5, lines.get(2));
        assertProblem(rewriteAndVerify(), 6, Kind.INSERTED, "line 6: seq 3 goes back after 5 (inserted)");
    }

    @Test
    void swappedLinesAreReportedAsReordered() throws Exception {
        Collections.swap(lines, 4, 5);
        assertProblem(rewriteAndVerify(), 5, Kind.REORDERED, "line 5: seq 6 follows 4: lines out of order (reordered)");
    }

    @Test
    void aLineWhosePrevIsNotItsPredecessorsHashBreaksTheChain() throws Exception {
        lines.set(5, forge(6, hashOf(4)));
        assertProblem(rewriteAndVerify(), 6, Kind.BROKEN_CHAIN,
                "line 6: prev does not match line 5's hash (inserted or reordered)");
    }

    @Test
    void aTruncatedLastLineIsReported() throws Exception {
        String last = lines.remove(9);
        Files.writeString(file, String.join("\n", lines) + "\n" + last.substring(0, last.length() / 2));
        assertProblem(AuditVerifier.verify(file), 10, Kind.TRUNCATED,
                "line 10: last line has no newline: the write was cut off (truncated)");
    }

    @Test
    void aLineThatIsNotJsonIsMalformed() throws Exception {
        lines.set(3, "not json at all");
        assertProblem(rewriteAndVerify(), 4, Kind.MALFORMED, "line 4: not an audit record: not JSON (malformed)");
    }

    @Test
    void aLineWithoutItsHashMemberIsMalformed() throws Exception {
        String line = lines.get(3);
        lines.set(3, line.substring(0, line.indexOf(",\"hash\"")) + "}");
        assertProblem(rewriteAndVerify(), 4, Kind.MALFORMED,
                "line 4: not an audit record: \"hash\" is missing, not 64 hex digits or not the last member (malformed)");
    }

    private AuditVerification rewriteAndVerify() throws Exception {
        Files.writeString(file, String.join("\n", lines) + "\n");
        return AuditVerifier.verify(file);
    }

    private static void assertProblem(AuditVerification result, long line, Kind kind, String message) {
        AuditVerification.Problem problem = result.problem().orElseThrow(() -> new AssertionError("verified OK"));
        assertEquals(message, problem.message());
        assertEquals(line, problem.line());
        assertEquals(kind, problem.kind());
    }

    /** Hash of the original line with this seq (before any tampering). */
    private String hashOf(int seq) throws Exception {
        return JSON.readTree(original.get(seq - 1)).get("hash").asText();
    }

    /** What an attacker without a key can do: a well-formed record with a correct hash of its own. */
    private static String forge(long seq, String prev) throws Exception {
        String unsealed = "{\"seq\":" + seq + ",\"ts\":\"2030-01-01T00:00:07.000Z\",\"type\":\"grant.approved\","
                + "\"i\":99,\"prev\":\"" + prev + "\"}";
        return unsealed.substring(0, unsealed.length() - 1) + ",\"hash\":\"" + AuditLogTest.sha256(unsealed) + "\"}";
    }
}
