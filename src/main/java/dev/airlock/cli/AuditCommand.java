package dev.airlock.cli;

import dev.airlock.core.audit.AuditLog;
import dev.airlock.store.postgres.PgLocation;
import dev.airlock.store.postgres.PgSettings;
import dev.airlock.store.postgres.PgAuditReader;
import dev.airlock.core.audit.AuditVerification;
import dev.airlock.core.audit.AuditVerifier;
import dev.airlock.core.journal.PrivateFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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

    /** Exit 0: chain and checkpoints intact; 1: tampered or damaged (first problem on stderr); 2: no log or unreadable. */
    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Check the hash chain of DIR/audit.log and the signature of every checkpoint in it; print the"
                    + " last hash and the audit key's fingerprint so they can be recorded elsewhere.",
                    "Someone who can write the data directory can also replace the audit key and re-sign: pin the"
                    + " fingerprint recorded elsewhere with --audit-key. Lines cut off the end of the log (after the last"
                    + " checkpoint, or with it) are detectable only against a head recorded elsewhere: --expect."})
    public static final class Verify implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--data", paramLabel = "DIR", defaultValue = ".airlock",
                description = "Data directory (default: ${DEFAULT-VALUE}).")
        Path data;

        @Option(names = "--audit-key", paramLabel = "FINGERPRINT",
                description = "Require every checkpoint to be signed by this audit key (as 'serve' and this command"
                        + " print it; repeat for a key that was replaced).")
        List<String> auditKeys = new ArrayList<>();

        @Option(names = "--expect", paramLabel = "HASH",
                description = "Require a line with this hash: a head recorded elsewhere (printed by this command, or the"
                        + " hash of a checkpoint shipped with the server's log).")
        String expect;

        @Option(names = "--store", paramLabel = "URL", description = "verify the audit log of this PostgreSQL store"
                + " (postgresql://HOST:PORT/DATABASE?user=NAME; password from $" + PgLocation.PASSWORD_ENV
                + " or --store-password-file) instead of DIR/audit.log")
        String store;

        @Option(names = "--store-password-file", paramLabel = "PATH", description = "file holding the password")
        Path storePasswordFile;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Object log;
            AuditVerification result;
            if (store != null) {
                try {
                    PgSettings shared = PgSettings.of(store, storePasswordFile, System::getenv);
                    log = shared.location();
                    try (PgAuditReader reader = PgAuditReader.open(shared)) {
                        result = AuditVerifier.verify(reader.lines(), Set.copyOf(auditKeys), expect);
                    }
                } catch (IllegalArgumentException e) {
                    err.println(e.getMessage());
                    return 2;
                } catch (IOException e) {
                    err.println("cannot read the PostgreSQL store's audit log: " + PrivateFiles.explain(e));
                    return 2;
                }
            } else {
                Path file = data.resolve(LOG_FILE);
                log = file;
                if (!Files.exists(file)) {
                    err.println("no audit log at " + file);
                    return 2;
                }
                try {
                    result = AuditVerifier.verify(file, Set.copyOf(auditKeys), expect);
                } catch (IOException e) {
                    err.println("cannot read " + file + ": " + PrivateFiles.explain(e));
                    return 2;
                }
            }
            if (result.problem().isPresent()) {
                err.println(log + ": " + result.problem().get().message());
                err.println(result.events() + " event(s) before it verified; last good hash " + result.lastHash());
                return 1;
            }
            out.println("audit log OK: " + result.events() + " events, last hash " + result.lastHash());
            out.println(signing(result.signing()));
            if (expect != null) out.println("expected hash " + expect + " found");
            return 0;
        }

        private String signing(AuditVerification.Signing s) {
            if (s.checkpoints() == 0) {
                return "not signed: no checkpoint yet (a server signs one at start, every "
                        + AuditLog.CHECKPOINT_EVERY + " events and at shutdown)";
            }
            String keys = String.join(", ", s.keys());
            return s.checkpoints() + " signed checkpoint(s) by audit key " + keys
                    + (auditKeys.isEmpty() ? " (not pinned: record it elsewhere and pass --audit-key " + keys + ")"
                            : " (pinned)")
                    + "; lines 1 to " + s.signedThroughLine() + " covered, " + s.unsignedAfter()
                    + " line(s) after the last checkpoint not signed yet";
        }
    }
}
