package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditLog;
import dev.airlock.testing.MutableClock;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
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
        assertEquals("audit log OK: 3 events, last hash " + lastHash, out.toString().strip());
        assertEquals("", err.toString());
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
