package dev.airlock.store.postgres;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Versioned migrations ({@code db/postgresql/V<n>__*.sql} on the class path), applied at open under a session
 * advisory lock, so that replicas starting together apply each version once. A database whose version is newer than
 * this build knows is refused: an older replica would not know the newer tables and could decide on a partial view
 * (a revocation kept where it does not look). The version lives in {@code schema_version}.
 */
final class PgSchema {
    /** The newest version this build knows; V1 .. V{@value} must all be on the class path. */
    static final int CURRENT = 5;
    private static final String[] SCRIPTS = {"V1__airlock.sql", "V2__shared_keys.sql", "V3__replicas.sql",
            "V4__ops_sessions.sql", "V5__agent_lifecycle.sql"};
    /** Any fixed number, the same in every replica: the advisory lock's key ("airlock" in ASCII, truncated). */
    private static final long LOCK_KEY = 0x6169726c6f636bL;

    private PgSchema() {}

    /** Completes with the version the database is at after migrating (always {@link #CURRENT}). */
    static Future<Integer> migrate(Pool pool) {
        return pool.withConnection(conn -> conn.preparedQuery("SELECT pg_advisory_lock($1)").execute(Tuple.of(LOCK_KEY))
                .compose(locked -> migrateLocked(conn))
                .eventually(() -> conn.preparedQuery("SELECT pg_advisory_unlock($1)").execute(Tuple.of(LOCK_KEY))));
    }

    private static Future<Integer> migrateLocked(SqlConnection conn) {
        return conn.query("CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY,"
                        + " applied_at timestamptz NOT NULL DEFAULT now())").execute()
                .compose(created -> conn.query("SELECT coalesce(max(version), 0) AS v FROM schema_version").execute())
                .compose(rows -> {
                    Row row = rows.iterator().next();
                    int at = row.getInteger("v");
                    if (at > CURRENT) {
                        return Future.failedFuture(new IOException("the PostgreSQL store is at schema version " + at
                                + ", newer than this Airlock knows (" + CURRENT + "): upgrade Airlock, never"
                                + " downgrade against a migrated database"));
                    }
                    Future<Integer> step = Future.succeededFuture(at);
                    for (int v = at + 1; v <= CURRENT; v++) {
                        int version = v;
                        step = step.compose(x -> apply(conn, version));
                    }
                    return step;
                });
    }

    private static Future<Integer> apply(SqlConnection conn, int version) {
        String sql = script(SCRIPTS[version - 1]);
        return conn.begin().compose(tx -> conn.query(sql).execute()
                .compose(done -> conn.preparedQuery("INSERT INTO schema_version (version) VALUES ($1)")
                        .execute(Tuple.of(version)))
                .compose(recorded -> tx.commit())
                .map(committed -> version));
    }

    private static String script(String name) {
        try (InputStream in = PgSchema.class.getResourceAsStream("/db/postgresql/" + name)) {
            if (in == null) throw new IllegalStateException("migration " + name + " is missing from the build");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
