package dev.airlock.store.postgres;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * {@code LISTEN airlock_changes} on a connection of its own: each notification (sent by a writing transaction at
 * commit) triggers a read of the changes, so a revocation on one replica reaches the others at once instead of at
 * their next periodic refresh. NOTIFY has no replay: after any reconnect the listener reads from the last sequence
 * seen, and the periodic refresh (at least once a second) bounds the delay if notifications stop.
 */
final class PgListener {
    private static final long RECONNECT_MILLIS = 1_000;

    private final Vertx vertx;
    private final PgConnectOptions options;
    private final Supplier<CompletableFuture<Void>> readChanges;
    private volatile PgConnection connection;
    private volatile boolean closed;

    PgListener(Vertx vertx, PgConnectOptions options, Supplier<CompletableFuture<Void>> readChanges) {
        this.vertx = vertx;
        this.options = options;
        this.readChanges = readChanges;
    }

    /** Completes once listening; a failure here fails the open (the database was reachable a moment ago). */
    CompletableFuture<Void> start() {
        CompletableFuture<Void> out = new CompletableFuture<>();
        connect().onComplete(done -> {
            if (done.succeeded()) out.complete(null);
            else out.completeExceptionally(done.cause());
        });
        return out;
    }

    private io.vertx.core.Future<Void> connect() {
        return PgConnection.connect(vertx, options).compose(conn -> {
            if (closed) return conn.close();
            connection = conn;
            conn.notificationHandler(n -> readChanges.get());
            conn.closeHandler(v -> {
                connection = null;
                if (!closed) vertx.setTimer(RECONNECT_MILLIS, t -> reconnect());
            });
            return conn.query("LISTEN airlock_changes").execute().map(r -> {
                // Whatever was notified while we were not listening is read now.
                readChanges.get();
                return (Void) null;
            });
        });
    }

    private void reconnect() {
        if (closed) return;
        connect().onFailure(e -> {
            if (!closed) vertx.setTimer(RECONNECT_MILLIS, t -> reconnect());
        });
    }

    void close() {
        closed = true;
        PgConnection c = connection;
        if (c != null) c.close();
    }
}
