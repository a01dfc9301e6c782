package dev.airlock.cli;

import dev.airlock.app.AirlockConfig;
import dev.airlock.store.postgres.PgLocation;
import dev.airlock.store.postgres.PgSettings;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every command that touches local state shares. */
final class DataDirOptions {
    @Option(names = "--data", paramLabel = "DIR", description = "state directory (default: ${DEFAULT-VALUE})",
            defaultValue = AirlockConfig.DEFAULT_DATA)
    Path data;

    @Option(names = "--policy", paramLabel = "DIR", description = "policy directory (default: ${DEFAULT-VALUE})",
            defaultValue = AirlockConfig.DEFAULT_POLICY)
    Path policy;

    @Option(names = "--store", paramLabel = "URL", description = "the PostgreSQL store replicas share, as"
            + " postgresql://HOST:PORT/DATABASE?user=NAME; the password from $" + PgLocation.PASSWORD_ENV
            + " or --store-password-file, never in the URL (default: the files in --data)")
    String store;

    @Option(names = "--store-password-file", paramLabel = "PATH",
            description = "file holding the PostgreSQL password (instead of $" + PgLocation.PASSWORD_ENV + ")")
    Path storePasswordFile;

    /** The PostgreSQL store named by {@code --store}, or null for the data directory's files. */
    PgSettings shared() throws IOException {
        if (store == null) {
            if (storePasswordFile != null) throw new IllegalArgumentException("--store-password-file needs --store");
            return null;
        }
        return PgSettings.of(store, storePasswordFile, System::getenv);
    }

    /** Not an option: what {@link LocalState} puts around the real store and audit log (tests inject faults). */
    LocalState.Wrapping wrapping = LocalState.Wrapping.NONE;
}
