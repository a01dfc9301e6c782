package dev.airlock.cli;

import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.app.AirlockConfig;
import dev.airlock.core.audit.AuditLog;
import dev.airlock.core.crypto.MasterKey;
import dev.airlock.core.crypto.SecretBox;
import dev.airlock.core.journal.PrivateFiles;
import dev.airlock.core.token.KeyFolder;
import dev.airlock.core.token.KeyRotation;
import dev.airlock.core.token.KeySchedule;
import dev.airlock.core.token.KeyStore;
import dev.airlock.core.journal.StorageHealth;
import dev.airlock.core.store.AssertionLimits;
import dev.airlock.store.postgres.PgKeyStore;
import dev.airlock.store.postgres.PgLocation;
import dev.airlock.store.postgres.PgSettings;
import dev.airlock.store.postgres.PgStateStore;
import dev.airlock.core.token.StoredKey;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code airlock keys rotate|list}: the signing keys of a data directory, while a server runs on it. A rotation is
 * only published here; the server activates it after the publication delay and retires the old key once its last
 * token expired (see {@link KeySchedule}).
 */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "Signing keys: rotate them, list them.",
        subcommands = {KeysCommand.Rotate.class, KeysCommand.ListKeys.class})
public final class KeysCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand: rotate or list");
    }

    @Command(name = "rotate", mixinStandardHelpOptions = true,
            description = "Publish a new signing key now; a running server signs with it after the publication delay.")
    static final class Rotate implements Callable<Integer> {
        @Option(names = "--data", paramLabel = "DIR", defaultValue = AirlockConfig.DEFAULT_DATA,
                description = "state directory (default: ${DEFAULT-VALUE})")
        Path data;

        @Option(names = "--alg", paramLabel = "ALG",
                description = "EdDSA or ES256 (default: the algorithm of the key signing now)")
        String alg;

        @Option(names = "--publish-delay", paramLabel = "SECONDS",
                description = "time between publishing the key and signing with it (default: 330 = the JWKS max-age of"
                        + " 300 s plus 30 s for the server to pick the key up; 0 to 86400). Shorter than the JWKS"
                        + " max-age, verifiers holding a cached JWKS refuse new tokens until their cache expires.")
        Long publishDelay;

        @Option(names = "--store", paramLabel = "URL", description = "the PostgreSQL store replicas share (their"
                + " signing keys live there), as postgresql://HOST:PORT/DATABASE?user=NAME; the password from $"
                + PgLocation.PASSWORD_ENV + " or --store-password-file (default: the keys in --data)")
        String store;

        @Option(names = "--store-password-file", paramLabel = "PATH",
                description = "file holding the PostgreSQL password (instead of $" + PgLocation.PASSWORD_ENV + ")")
        Path storePasswordFile;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Clock clock = Clock.systemUTC();
            SecureRandom random = new SecureRandom();
            try {
                PrivateFiles.requireSafeDataDirectory(data);
                if (store == null && storePasswordFile != null) {
                    throw new IllegalArgumentException("--store-password-file needs --store");
                }
                PgSettings shared = store == null ? null : PgSettings.of(store, storePasswordFile, System::getenv);
                if (shared == null && !Files.isDirectory(data.resolve("keys"))) {
                    err.println("no signing keys in " + data + ": start the server once, it creates the first key");
                    return 2;
                }
                Duration delay = publishDelay != null ? Duration.ofSeconds(publishDelay)
                        : KeySchedule.DEFAULT_PUBLICATION_DELAY;
                SecretBox box = new SecretBox(MasterKey.load(data, System.getenv(MasterKey.ENV), random), random);
                if (shared != null) {
                    // The replicas' keys: the key row and its key.published commit together; every replica's
                    // server learns of it through the change feed.
                    try (PgStateStore pg = PgStateStore.open(shared.location(), shared.password(), clock,
                            AssertionLimits.DEFAULT, new StorageHealth(), null, null)) {
                        PgKeyStore keys = new PgKeyStore(pg);
                        return published(KeyRotation.publish(keys, box, algorithm(keys, clock), delay, clock, random,
                                pg), delay, out, err);
                    }
                }
                KeyFolder folder = KeyFolder.of(data);
                try (AuditLog audit = AuditLog.open(data.resolve("audit.log"), clock)) {
                    audit.recordRepairs(audit.repairs()).join();
                    return published(KeyRotation.publish(folder, box, algorithm(folder, clock), delay, clock, random,
                            audit), delay, out, err);
                }
            } catch (KeyRotation.Refused | IllegalArgumentException e) {
                err.println("not rotated: " + e.getMessage());
                return 2;
            } catch (IOException e) {
                err.println("cannot rotate in " + data + ": " + PrivateFiles.explain(e));
                return 2;
            } catch (RuntimeException e) {
                err.println("not rotated: " + e.getMessage());
                return 1;
            }
        }

        private JWSAlgorithm algorithm(KeyStore keys, Clock clock) throws IOException {
            if (alg != null) return AirlockConfig.parseAlgorithm(alg);
            return KeySchedule.active(KeySchedule.at(keys.list(), clock.instant()))
                    .map(s -> s.key().algorithm()).orElse(JWSAlgorithm.EdDSA);
        }

        private static int published(StoredKey key, Duration delay, PrintWriter out, PrintWriter err) {
            out.println("published " + key.algorithm().getName() + " key " + key.kid() + "; a running server signs"
                    + " with it from " + key.activatesAt() + " and keeps the old key in the JWKS until "
                    + key.activatesAt().plus(KeySchedule.RETIREMENT) + " at the earliest");
            if (delay.compareTo(KeySchedule.JWKS_MAX_AGE) < 0) {
                err.println("warning: the delay is shorter than the JWKS max-age ("
                        + KeySchedule.JWKS_MAX_AGE.toSeconds() + " s): verifiers with a cached JWKS will"
                        + " refuse new tokens until their cache expires");
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the signing keys and where each is in its schedule (next, active, retired, deleted).")
    static final class ListKeys implements Callable<Integer> {
        @Option(names = "--data", paramLabel = "DIR", defaultValue = AirlockConfig.DEFAULT_DATA,
                description = "state directory (default: ${DEFAULT-VALUE})")
        Path data;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try {
                PrivateFiles.requireSafeDataDirectory(data);
                if (!Files.isDirectory(data.resolve("keys"))) {
                    err.println("no signing keys in " + data);
                    return 2;
                }
                // The schedule as of now; the server applies it at its next refresh (within a second).
                List<KeySchedule.Status> statuses = KeySchedule.at(KeyFolder.of(data).list(), Clock.systemUTC().instant());
                out.printf("%-44s %-6s %-8s %s%n", "KID", "ALG", "STATE", "WHEN");
                for (KeySchedule.Status s : statuses) {
                    out.printf("%-44s %-6s %-8s %s%n", s.key().kid(), s.key().algorithm().getName(),
                            s.state().name().toLowerCase(java.util.Locale.ROOT), when(s));
                }
                return 0;
            } catch (IOException e) {
                err.println("cannot read " + data + ": " + PrivateFiles.explain(e));
                return 2;
            }
        }

        private static String when(KeySchedule.Status s) {
            return switch (s.state()) {
                case NEXT -> "published " + s.key().publishedAt() + ", signs from " + s.key().activatesAt();
                case ACTIVE -> "signing since " + s.key().activatedAt();
                case RETIRED -> "retired " + s.retiredAt() + ", published until " + s.deleteAfter();
                case DELETED -> (s.retiredAt() == null ? "never signed (another rotation won)"
                        : "retired " + s.retiredAt()) + ", removed at the server's next refresh";
            };
        }
    }
}
