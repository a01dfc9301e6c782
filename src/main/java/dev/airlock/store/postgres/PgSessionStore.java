package dev.airlock.store.postgres;

import dev.airlock.core.ops.OpsSessions;
import dev.airlock.core.ops.SessionStore;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Ops sessions in PostgreSQL ({@code ops_sessions}, migration V4), shared by every replica. Each change takes a change
 * sequence under the chain's lock ({@link PgStateStore#transact}), so replicas learn of it by re-reading rows past the
 * last sequence seen ({@link PgRefresh}); a sign-out is a tombstone row for the same reason (a deleted row moves no
 * sequence, and NOTIFY has no replay).
 *
 * <p>This replica's mirror of the rows (live ones, and the keys ended) lets {@link OpsSessions} join at any time and
 * keeps a sign-out final here: a live row read by a refresh that raced this replica's own sign-out must not bring the
 * session back until the tombstone arrives. Both maps shed rows past their absolute lifetime.
 */
final class PgSessionStore implements SessionStore {
    /** At most one recorded use per session per minute: see {@link SessionStore#touchEvery}. */
    static final Duration TOUCH_EVERY = Duration.ofMinutes(1);

    private final PgStateStore store;
    private final Clock clock;
    /** Guarded by {@code this}. */
    private final Map<String, Row> live = new HashMap<>();
    /** Keys ended (signed out here or tombstoned), with the epoch millisecond their row expires; guarded by {@code this}. */
    private final Map<String, Long> ended = new HashMap<>();
    private Sink sink;

    PgSessionStore(PgStateStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    private static long expiresAt(Instant createdAt) {
        return createdAt.plus(OpsSessions.LIFETIME).toEpochMilli();
    }

    @Override
    public CompletableFuture<Void> opened(Row row) {
        long now = clock.instant().toEpochMilli();
        synchronized (this) {
            live.values().removeIf(r -> expiresAt(r.createdAt()) <= now);
            ended.values().removeIf(exp -> exp <= now);
        }
        // Best effort: a row past its lifetime is dead on every replica whatever its clock; a failed delete is retried
        // at the next sign-in.
        store.pool.preparedQuery("DELETE FROM ops_sessions WHERE expires_ms <= $1").execute(Tuple.of(now));
        return store.transact((conn, seq) -> conn.preparedQuery("INSERT INTO ops_sessions (key_hash, name, enrolment,"
                        + " created_ms, last_ms, expires_ms, closed, seq) VALUES ($1, $2, $3, $4, $5, $6, false, $7)")
                .execute(Tuple.tuple().addString(row.key()).addString(row.name()).addString(row.enrolment())
                        .addLong(row.createdAt().toEpochMilli()).addLong(row.lastSeen().toEpochMilli())
                        .addLong(expiresAt(row.createdAt())).addLong(seq))
                .map(rows -> rows.rowCount() == 1), List.of()).thenAccept(won -> {});
    }

    @Override
    public CompletableFuture<Void> touched(String key, Instant lastSeen) {
        // A session closed meanwhile changes no row: the transaction is then rolled back (false), which is fine.
        return store.transact((conn, seq) -> conn.preparedQuery("UPDATE ops_sessions SET last_ms = GREATEST(last_ms,"
                        + " $2), seq = $3 WHERE key_hash = $1 AND NOT closed")
                .execute(Tuple.of(key, lastSeen.toEpochMilli(), seq)).map(rows -> rows.rowCount() == 1), List.of())
                .handle((won, failed) -> null);
    }

    @Override
    public CompletableFuture<Void> closed(String key) {
        synchronized (this) {
            Row r = live.remove(key);
            ended.put(key, r == null ? clock.instant().plus(OpsSessions.LIFETIME).toEpochMilli()
                    : expiresAt(r.createdAt()));
        }
        return store.transact((conn, seq) -> conn.preparedQuery("UPDATE ops_sessions SET closed = true, seq = $2"
                        + " WHERE key_hash = $1 AND NOT closed").execute(Tuple.of(key, seq)).map(rows -> true),
                List.of()).thenAccept(done -> {});
    }

    @Override
    public CompletableFuture<Void> closedAll(String name) {
        synchronized (this) {
            live.values().removeIf(r -> {
                if (!r.name().equals(name)) return false;
                ended.put(r.key(), expiresAt(r.createdAt()));
                return true;
            });
        }
        return store.transact((conn, seq) -> conn.preparedQuery("UPDATE ops_sessions SET closed = true, seq = $2"
                        + " WHERE name = $1 AND NOT closed").execute(Tuple.of(name, seq)).map(rows -> true),
                List.of()).thenAccept(done -> {});
    }

    @Override
    public Duration touchEvery() {
        return TOUCH_EVERY;
    }

    @Override
    public synchronized void follow(Sink sink) {
        this.sink = sink;
        for (Row r : live.values()) sink.changed(r);
    }

    /** A row the change feed read (another replica's change, or this one's own read back). */
    synchronized void fromFeed(Row row) {
        if (row.closed() || ended.containsKey(row.key())) {
            live.remove(row.key());
            ended.put(row.key(), expiresAt(row.createdAt()));
            if (sink != null) sink.changed(new Row(row.key(), row.name(), row.enrolment(), row.createdAt(),
                    row.lastSeen(), true));
            return;
        }
        live.put(row.key(), row);
        if (sink != null) sink.changed(row);
    }
}
