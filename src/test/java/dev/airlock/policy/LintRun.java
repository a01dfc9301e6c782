package dev.airlock.policy;

import dev.airlock.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import picocli.CommandLine;

/** {@code airlock lint --policy DIR} exactly as the jar runs it (its entry point's command tree), in this JVM. */
public record LintRun(int exit, String out, String err) {
    public static LintRun of(Path policy) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute("lint", "--policy", policy.toString());
        return new LintRun(exit, out.toString(), err.toString());
    }

    /** Both streams, for assertion messages. */
    public String all() {
        return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
