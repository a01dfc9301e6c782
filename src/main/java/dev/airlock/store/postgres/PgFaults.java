package dev.airlock.store.postgres;

import dev.airlock.core.journal.StorageHealth;
import dev.airlock.core.journal.StorageUnavailable;
import io.vertx.pgclient.PgException;
import java.nio.file.Path;

/**
 * Which failures mean "PostgreSQL cannot be reached" (answer 503 with Retry-After, report not ready, recover by
 * itself) and which are answers of a reachable database (a constraint, a trigger: the caller is told the change was
 * not done). Unreachable: anything that is not a server error, and the server errors of SQLSTATE class 08
 * (connection exception), 53 (insufficient resources: too many connections), 57P (operator intervention: shutdown,
 * terminated backend, cannot connect now), 42501 at connect (CONNECT revoked), and I/O errors, closed connections
 * and timeouts below the driver. Anything else (an encoding bug, a constraint) is an answer, not an outage.
 */
final class PgFaults {
    /** The name under which the store's faults appear in {@link StorageHealth} (never the URL or a password). */
    static final Path NAME = Path.of("postgresql");

    private PgFaults() {}

    static boolean unreachable(Throwable t) {
        Throwable e = t;
        for (int depth = 0; e != null && depth < 16; depth++, e = e.getCause()) {
            if (e instanceof PgException pg) {
                String state = pg.getSqlState() == null ? "" : pg.getSqlState();
                return state.startsWith("08") || state.startsWith("53") || state.startsWith("57P")
                        || state.equals("42501") && pg.getMessage() != null && pg.getMessage().contains("CONNECT");
            }
            // Refused, reset, closed or timed out connections (java.net.ConnectException, ClosedConnectionException,
            // the pool's wait timeout): the database is not reachable now, which a retry may change.
            String type = e.getClass().getSimpleName();
            if (e instanceof java.io.IOException || e instanceof java.util.concurrent.TimeoutException
                    || type.contains("Closed") || type.contains("Timeout")) {
                return true;
            }
            // The Vert.x client's own transport failures ("Connection is not active now, current status: CLOSED",
            // a connection dropped under a pooled request): the database went away mid-request. Seen as a 500 on
            // /oauth2/token while PostgreSQL restarted (PostgresOutageTest, ReplicasFaultIT, once in several runs).
            if (e instanceof io.vertx.core.VertxException) return true;
        }
        return false;
    }

    /** The failure as the caller must see it; a storage fault is recorded in {@code health} (logged once). */
    static Throwable classify(Throwable t, StorageHealth health, StorageHealth.Condition condition) {
        if (t instanceof StorageUnavailable) return t;
        if (!unreachable(t)) return t;
        String reason = reason(t);
        health.failed(NAME, condition, reason);
        return new StorageUnavailable(new StorageHealth.Fault(NAME, condition, reason), t);
    }

    /** The driver's message, which names the host and the error, never a password (it is never in the URL). */
    static String reason(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }
}
