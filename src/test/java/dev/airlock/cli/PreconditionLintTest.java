package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.testing.PreconditionPolicy;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code airlock lint} on grants.yaml's preconditions (issue 16): it says what it derived, and refuses what fails. */
class PreconditionLintTest {
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    @Test
    void lintWhenTheExamplePreconditionIsActiveThenCleanAndItSaysWhatIsChecked() throws Exception {
        Path dir = PreconditionPolicy.write();
        assertEquals(0, run("--policy", dir.toString()), err.toString());
        assertTrue(out.toString().contains("precondition volume:delete: generic-rest GET /v1/snapshots?volumeId={resource}"
                + " (every environment): an item of /snapshots with /volumeId = {resource}, /storedOn != {resource},"
                + " /createdAt younger than 24h; the request maps to scopes that only read"), out.toString());
        assertTrue(out.toString().contains("preconditions OK: 1 precondition"), out.toString());
    }

    @Test
    void lintWhenAPreconditionNamesAProviderButThereIsNoProvidersFolderThenLocatedViolation() throws Exception {
        Path dir = PreconditionPolicy.write();
        try (var files = Files.list(dir.resolve("providers"))) {
            for (Path f : files.toList()) Files.delete(f);
        }
        Files.delete(dir.resolve("providers"));
        assertEquals(1, run("--policy", dir.toString()), out.toString());
        assertTrue(err.toString().contains("grants.yaml:") && err.toString().contains("preconditions[0].provider: unknown"
                + " provider 'generic-rest' (known: none)"), err.toString());
    }

    private int run(String... args) {
        CommandLine cmd = new CommandLine(new LintCommand());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute(args);
    }
}
