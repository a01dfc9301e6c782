package dev.airlock.store.postgres;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditKey;
import dev.airlock.core.crypto.SecretBox;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The audit key of a shared store (issue 14): one key signs every replica's checkpoints, so an operator pins one
 * fingerprint ({@code audit verify --store --audit-key FPR}). Sealed in the {@code audit_key} row exactly as
 * {@code <data>/audit.key} is. The first replica to start inserts it; a data directory that already holds an audit
 * key (a single server moving to PostgreSQL) offers that one, so a fingerprint already pinned stays valid.
 */
public final class PgAuditKey {
    private PgAuditKey() {}

    /** The store's audit key, inserted with its {@code audit.key_created} event if the store had none. */
    public static AuditKey openOrCreate(PgStateStore store, Path dataDir, SecretBox box, Clock clock,
                                        SecureRandom random) throws IOException {
        Optional<AuditKey.Sealed> stored = read(store);
        if (stored.isEmpty()) {
            Optional<AuditKey.Sealed> local = AuditKey.sealedFile(dataDir);
            AuditKey.Sealed offer = local.isPresent() ? local.get()
                    : AuditKey.generate(random).seal(box, clock.instant());
            // Proves the master key opens it before every replica depends on it.
            AuditKey.unseal(offer, box, local.isPresent() ? dataDir.resolve(AuditKey.FILE).toString() : "new key",
                    true);
            AuditEvent event = AuditEvent.of("audit.key_created").with("key", offer.kid())
                    .with("from_data_directory", local.isPresent() ? true : null).build();
            // Under the chain's lock: of two replicas starting together, one inserts; the other's event rolls back.
            boolean inserted = PgStateStore.await(store.transact((conn, seq) -> conn.preparedQuery("INSERT INTO"
                            + " audit_key (id, kid, x, created, sealed) VALUES (1, $1, $2, $3, $4) ON CONFLICT DO NOTHING")
                    .execute(Tuple.of(offer.kid(), offer.x(), offer.created().toString(),
                            Base64.getEncoder().encodeToString(offer.sealed())))
                    .map(rows -> rows.rowCount() == 1), List.of(event)), "storing the audit key");
            if (inserted) return AuditKey.unseal(offer, box, "the store's audit key", true);
            stored = read(store);
        }
        return AuditKey.unseal(stored.orElseThrow(() -> new IOException("the store's audit key vanished")), box,
                "the store's audit key", false);
    }

    private static Optional<AuditKey.Sealed> read(PgStateStore store) throws IOException {
        RowSet<Row> rows = PgStateStore.await(store.pool.query("SELECT kid, x, created, sealed FROM audit_key")
                .execute().toCompletionStage().toCompletableFuture(), "reading the audit key");
        for (Row r : rows) {
            return Optional.of(new AuditKey.Sealed(r.getString("kid"), r.getString("x"),
                    Instant.parse(r.getString("created")), Base64.getDecoder().decode(r.getString("sealed"))));
        }
        return Optional.empty();
    }
}
