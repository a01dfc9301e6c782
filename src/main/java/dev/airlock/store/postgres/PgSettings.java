package dev.airlock.store.postgres;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * Where the PostgreSQL store is and the password to reach it. The password comes from the environment variable
 * {@value PgLocation#PASSWORD_ENV} or a file ({@code --store-password-file}), never from the command line; it is
 * never in {@link #toString()}, a log line or an error.
 */
public record PgSettings(PgLocation location, String password) {
    /** A password file larger than this is a mistake (a key file, a dump), not a password. */
    static final int MAX_PASSWORD_BYTES = 1024;

    public static PgSettings of(String url, Path passwordFile, Function<String, String> env) throws IOException {
        PgLocation location = PgLocation.parse(url);
        String password = null;
        if (passwordFile != null) {
            if (Files.size(passwordFile) > MAX_PASSWORD_BYTES) {
                throw new IOException("--store-password-file " + passwordFile + " is larger than "
                        + MAX_PASSWORD_BYTES + " bytes: not a password");
            }
            password = Files.readString(passwordFile, StandardCharsets.UTF_8).strip();
        } else {
            String fromEnv = env.apply(PgLocation.PASSWORD_ENV);
            if (fromEnv != null && !fromEnv.isEmpty()) password = fromEnv;
        }
        return new PgSettings(location, password);
    }

    @Override
    public String toString() {
        return location + (password == null ? " (no password)" : " (password given)");
    }
}
