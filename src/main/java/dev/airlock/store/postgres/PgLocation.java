package dev.airlock.store.postgres;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where the PostgreSQL store is: {@code postgresql://host[:port]/database?user=NAME[&sslmode=...]}. Never the password:
 * a URL is shown by {@code ps}, kept in shell history and logged by supervisors, so one that carries a password
 * (as {@code user:password@} or {@code ?password=}) is refused with a message that says where the password goes
 * ({@value #PASSWORD_ENV} or a password file). {@link #toString()} is safe to log.
 */
public record PgLocation(String host, int port, String database, String user, String sslMode) {
    public static final String PASSWORD_ENV = "AIRLOCK_STORE_PASSWORD";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,63}");
    private static final Set<String> PARAMETERS = Set.of("user", "sslmode");
    private static final Set<String> SSL_MODES = Set.of("disable", "prefer", "require", "verify-ca", "verify-full");

    public static PgLocation parse(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--store: not a URL (postgresql://host:port/database?user=NAME)");
        }
        if (!"postgresql".equals(uri.getScheme()) && !"postgres".equals(uri.getScheme())) {
            throw new IllegalArgumentException("--store: only postgresql://host:port/database?user=NAME is supported");
        }
        Map<String, String> query = query(uri.getRawQuery());
        if (uri.getRawUserInfo() != null || query.containsKey("password")) {
            throw new IllegalArgumentException("--store: the URL must not contain a password (it would show in ps, "
                    + "shell history and logs); name the user with ?user=NAME and give the password in the environment"
                    + " variable " + PASSWORD_ENV + " or with --store-password-file PATH");
        }
        for (String key : query.keySet()) {
            if (!PARAMETERS.contains(key)) {
                throw new IllegalArgumentException("--store: unknown parameter '" + key + "' (known: user, sslmode)");
            }
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) throw new IllegalArgumentException("--store: the URL names no host");
        String path = uri.getPath() == null ? "" : uri.getPath();
        String db = path.startsWith("/") ? path.substring(1) : path;
        if (!NAME.matcher(db).matches()) throw new IllegalArgumentException("--store: name the database: /DATABASE");
        String user = query.get("user");
        if (user == null || !NAME.matcher(user).matches()) {
            throw new IllegalArgumentException("--store: name the user with ?user=NAME");
        }
        String ssl = query.getOrDefault("sslmode", "prefer");
        if (!SSL_MODES.contains(ssl)) throw new IllegalArgumentException("--store: sslmode must be one of " + SSL_MODES);
        return new PgLocation(host, uri.getPort() < 0 ? 5432 : uri.getPort(), db, user, ssl);
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) return out;
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            if (out.put(key, value) != null) throw new IllegalArgumentException("--store: '" + key + "' given twice");
        }
        return out;
    }

    @Override
    public String toString() {
        return "postgresql://" + host + ":" + port + "/" + database + "?user=" + user;
    }
}
