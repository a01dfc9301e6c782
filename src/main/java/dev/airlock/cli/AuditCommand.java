package dev.airlock.cli;

import dev.airlock.core.audit.AuditVerification;
import dev.airlock.core.audit.AuditVerifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code airlock audit …}: offline checks of the audit log. */
@Command(name = "audit", subcommands = {AuditCommand.Verify.class}, mixinStandardHelpOptions = true,
        description = "Inspect the audit log.")
public final class AuditCommand implements Runnable {

    static final String LOG_FILE = "audit.log";

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing subcommand (try 'audit verify')");
    }

    /** Exit 0: chain intact; 1: tampered or damaged (first problem on stderr); 2: no log or unreadable. */
    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Check the hash chain of DIR/audit.log; print the last hash so it can be recorded "
                    + "elsewhere (removing trailing lines is only detectable against a recorded hash).")
    public static final class Verify implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--data", paramLabel = "DIR", defaultValue = ".airlock",
                description = "Data directory (default: ${DEFAULT-VALUE}).")
        Path data;

        @Override
        public Integer call() {
            Path log = data.resolve(LOG_FILE);
            if (!Files.exists(log)) {
                spec.commandLine().getErr().println("no audit log at " + log);
                return 2;
            }
            AuditVerification result;
            try {
                result = AuditVerifier.verify(log);
            } catch (IOException e) {
                spec.commandLine().getErr().println("cannot read " + log + ": " + e.getMessage());
                return 2;
            }
            if (result.problem().isPresent()) {
                spec.commandLine().getErr().println(log + ": " + result.problem().get().message());
                spec.commandLine().getErr().println(result.events() + " event(s) before it verified; last good hash "
                        + result.lastHash());
                return 1;
            }
            spec.commandLine().getOut().println("audit log OK: " + result.events() + " events, last hash "
                    + result.lastHash());
            return 0;
        }
    }
}
