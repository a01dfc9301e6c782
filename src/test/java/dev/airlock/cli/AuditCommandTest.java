package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditKey;
import dev.airlock.core.audit.AuditLog;
import dev.airlock.core.crypto.SecretBox;
import dev.airlock.testing.MutableClock;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class AuditCommandTest {

    @TempDir
    Path dir;

    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    @Test
    void verifyOnAnIntactLogPrintsOkWithCountAndLastHashAndExitsZero() throws Exception {
        writeLog(3);
        String lastHash = new ObjectMapper().readTree(Files.readAllLines(dir.resolve("audit.log")).get(2))
                .get("hash").asText();
        assertEquals(0, run("verify", "--data", dir.toString()));
        assertEquals("audit log OK: 3 events, last hash " + lastHash + System.lineSeparator()
                + "not signed: no checkpoint yet (a server signs one at start, every 1000 events and at shutdown)",
                out.toString().strip());
        assertEquals("", err.toString());
    }

    /** Three events by a server (signed with a checkpoint at close, line 4), then two by the CLI (unsigned). */
    private AuditKey writeSignedLog() throws Exception {
        MutableClock clock = MutableClock.at("2030-01-01T00:00:00Z");
        SecureRandom random = new SecureRandom();
        byte[] master = new byte[32];
        random.nextBytes(master);
        AuditKey key = AuditKey.openOrCreate(dir, new SecretBox(master, random), clock, random);
        try (AuditLog log = AuditLog.open(dir.resolve("audit.log"), clock, key)) {
            for (int i = 0; i < 3; i++) log.append(AuditEvent.of("x").with("n", i).build()).get(5, TimeUnit.SECONDS);
        }
        writeLog(2);
        return key;
    }

    @Test
    void verifyOnASignedLogPrintsTheAuditKeyAndWhatItsCheckpointsCover() throws Exception {
        AuditKey key = writeSignedLog();
        assertEquals(0, run("verify", "--data", dir.toString()));
        String[] lines = out.toString().strip().split(System.lineSeparator());
        assertTrue(lines[0].startsWith("audit log OK: 6 events, last hash "), out.toString());
        assertEquals("1 signed checkpoint(s) by audit key " + key.fingerprint() + " (not pinned: record it elsewhere"
                + " and pass --audit-key " + key.fingerprint() + "); lines 1 to 3 covered, 2 line(s) after the last"
                + " checkpoint not signed yet", lines[1]);

        out.getBuffer().setLength(0);
        assertEquals(0, run("verify", "--data", dir.toString(), "--audit-key", key.fingerprint()));
        assertTrue(out.toString().contains(" (pinned); lines 1 to 3 covered"), out.toString());
    }

    @Test
    void verifyWithAnotherPinnedKeyExitsOneAndSaysTheKeyWasReplaced() throws Exception {
        writeSignedLog();
        assertEquals(1, run("verify", "--data", dir.toString(), "--audit-key", "somebody-elses-key"));
        assertTrue(err.toString().contains("line 4: checkpoint is signed by audit key "), err.toString());
        assertTrue(err.toString().contains("not by the pinned key somebody-elses-key (the audit key was replaced)"),
                err.toString());
    }

    @Test
    void verifyWithExpectPassesWhileTheHeadIsThereAndFailsOnceTheEndIsCutOff() throws Exception {
        writeSignedLog();
        Path log = dir.resolve("audit.log");
        List<String> lines = Files.readAllLines(log);
        String head = new ObjectMapper().readTree(lines.get(lines.size() - 1)).get("hash").asText();
        assertEquals(0, run("verify", "--data", dir.toString(), "--expect", head));
        assertTrue(out.toString().contains("expected hash " + head + " found"), out.toString());

        Files.write(log, lines.subList(0, lines.size() - 1));
        assertEquals(1, run("verify", "--data", dir.toString(), "--expect", head));
        assertTrue(err.toString().contains("no line has the expected hash " + head + ": lines after it were cut off"),
                err.toString());
    }

    @Test
    void verifyOnATamperedLogPrintsTheFirstProblemToStderrAndExitsOne() throws Exception {
        writeLog(3);
        Path log = dir.resolve("audit.log");
        List<String> lines = Files.readAllLines(log);
        lines.set(1, lines.get(1).replace("\"n\":1", "\"n\":7"));
        Files.write(log, lines);
        assertEquals(1, run("verify", "--data", dir.toString()));
        assertTrue(err.toString().contains("line 2: hash does not match its content (edited)"), err.toString());
        assertEquals("", out.toString());
    }

    @Test
    void verifyWithoutALogExitsTwoAndSaysWhereItLooked() {
        assertEquals(2, run("verify", "--data", dir.resolve("empty").toString()));
        assertTrue(err.toString().contains("no audit log at " + dir.resolve("empty").resolve("audit.log")), err.toString());
    }

    @Test
    void auditWithoutASubcommandIsAUsageError() {
        assertEquals(2, run());
    }

    private int run(String... args) {
        return new CommandLine(new AuditCommand()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute(args);
    }

    private void writeLog(int events) throws Exception {
        try (AuditLog log = AuditLog.open(dir.resolve("audit.log"), MutableClock.at("2030-01-01T00:00:00Z"))) {
            for (int i = 0; i < events; i++) log.append(AuditEvent.of("x").with("n", i).build()).get(5, TimeUnit.SECONDS);
        }
    }
}
