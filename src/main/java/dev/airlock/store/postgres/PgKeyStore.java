package dev.airlock.store.postgres;

import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.token.KeyChange;
import dev.airlock.core.token.KeyStore;
import dev.airlock.core.token.StoredKey;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The signing keys of all replicas, in {@code signing_keys} (issue 14): every replica with the same master key signs
 * and verifies with the same keys. Each schedule step ({@link #record}) is a compare-and-set committed with its audit
 * events in one transaction under the chain's lock, so two replicas acting on the same due key make one transition and
 * one event; the loser writes nothing and re-reads the winner's row.
 *
 * <p>{@link #list} re-reads the table only when the store's change sequence moved (a key step anywhere moves it and
 * NOTIFYs, like any change), after a step of its own, or {@link #REREAD_AT_LEAST_EVERY}; the key ring's 250 ms
 * refresh otherwise costs no query.
 */
public final class PgKeyStore implements KeyStore {
    private record Cached(long seenAt, long readAtNanos, List<StoredKey> keys) {}

    /**
     * The longest a listing is reused when the change sequence did not move: a row edited by hand (an operator
     * deleting a leaked key's row) moves no sequence, and is still seen within this (real time, not the clock).
     */
    static final java.time.Duration REREAD_AT_LEAST_EVERY = java.time.Duration.ofSeconds(5);

    private final PgStateStore store;
    private volatile Cached cached;

    public PgKeyStore(PgStateStore store) {
        this.store = store;
    }

    @Override
    public List<StoredKey> list() throws IOException {
        long seen = store.lastSeen();
        Cached c = cached;
        long now = System.nanoTime();
        if (c != null && c.seenAt() == seen && now - c.readAtNanos() < REREAD_AT_LEAST_EVERY.toNanos()) return c.keys();
        List<StoredKey> keys = PgStateStore.await(store.pool.query("SELECT kid, alg, published_at, activates_at,"
                + " activated_at, sealed FROM signing_keys").execute().map(rows -> {
                    List<StoredKey> out = new ArrayList<>();
                    for (Row r : rows) out.add(read(r));
                    return out;
                }).toCompletionStage().toCompletableFuture(), "reading the signing keys");
        cached = new Cached(seen, now, List.copyOf(keys));
        return keys;
    }

    /** Unaudited upsert (tests, and the seam's contract); the server and the CLI go through {@link #record}. */
    @Override
    public void put(StoredKey key) throws IOException {
        step(new KeyChange.Publish(key), List.of(), "INSERT INTO signing_keys (kid, alg, published_at, activates_at,"
                + " activated_at, sealed, seq) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (kid) DO UPDATE SET"
                + " activated_at = EXCLUDED.activated_at, seq = EXCLUDED.seq");
    }

    @Override
    public void remove(String kid) throws IOException {
        record(new KeyChange.Remove(kid), List.of(), null);
    }

    /** The change and its events in one transaction; {@code audit} is not used (the events go into the chain here). */
    @Override
    public boolean record(KeyChange change, List<AuditEvent> events, AuditSink audit) throws IOException {
        String insert = "INSERT INTO signing_keys (kid, alg, published_at, activates_at, activated_at, sealed, seq)"
                + " VALUES ($1, $2, $3, $4, $5, $6, $7)";
        if (change instanceof KeyChange.First) {
            // Under the chain's lock, this statement's snapshot sees a first key another replica committed: two
            // replicas starting on an empty database create one key between them.
            return step(change, events, insert.replace(" VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    " SELECT $1, $2, $3, $4, $5, $6, $7 WHERE NOT EXISTS"
                            + " (SELECT 1 FROM signing_keys WHERE activated_at IS NOT NULL)"));
        }
        if (change instanceof KeyChange.Publish) return step(change, events, insert + " ON CONFLICT (kid) DO NOTHING");
        if (change instanceof KeyChange.Activate a) {
            return step(events, (conn, seq) -> conn.preparedQuery("UPDATE signing_keys SET activated_at = $2,"
                            + " seq = $3 WHERE kid = $1 AND activated_at IS NULL")
                    .execute(Tuple.of(a.key().kid(), a.key().activatedAt().toString(), seq))
                    .map(rows -> rows.rowCount() == 1));
        }
        KeyChange.Remove r = (KeyChange.Remove) change;
        return step(events, (conn, seq) -> conn.preparedQuery("DELETE FROM signing_keys WHERE kid = $1")
                .execute(Tuple.of(r.kid())).map(rows -> rows.rowCount() == 1));
    }

    private boolean step(KeyChange change, List<AuditEvent> events, String sql) throws IOException {
        StoredKey k = change.key();
        return step(events, (conn, seq) -> conn.preparedQuery(sql).execute(Tuple.of(k.kid(), k.algorithm().getName(),
                        k.publishedAt().toString(), k.activatesAt().toString(),
                        k.activatedAt() == null ? null : k.activatedAt().toString(),
                        Base64.getEncoder().encodeToString(k.sealed()), seq))
                .map(rows -> rows.rowCount() == 1));
    }

    private boolean step(List<AuditEvent> events,
                         java.util.function.BiFunction<SqlConnection, Long, Future<Boolean>> statement)
            throws IOException {
        try {
            return PgStateStore.await(store.transact(statement, events), "recording a signing key step");
        } finally {
            cached = null; // won or lost, the next list reads the table: the winner's row is the truth
        }
    }

    private static StoredKey read(Row r) {
        String activated = r.getString("activated_at");
        return new StoredKey(r.getString("kid"), JWSAlgorithm.parse(r.getString("alg")),
                Instant.parse(r.getString("published_at")), Instant.parse(r.getString("activates_at")),
                activated == null ? null : Instant.parse(activated), Base64.getDecoder().decode(r.getString("sealed")));
    }
}
