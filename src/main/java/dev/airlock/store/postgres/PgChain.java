package dev.airlock.store.postgres;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditKey;
import dev.airlock.core.audit.AuditLines;
import dev.airlock.core.audit.AuditLog;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The audit chain in PostgreSQL: one chain for all replicas, its head in the one-row {@code change_head} table. Every
 * transaction that changes state or appends events first locks that row ({@code SELECT ... FOR UPDATE}), so appends
 * are serialised across replicas, the seq and prev of each line follow the committed head, and the change sequence
 * (what replicas re-read) is commit order. Lines are {@link AuditLines}' exact text, checkpoints included: signed every
 * {@link AuditLog#CHECKPOINT_EVERY} events by the replica whose append crosses the mark (each replica signs with its
 * own audit key; a replica without one, the CLI, leaves the next checkpoint to a server).
 */
final class PgChain {
    /** The head as locked: the last change's sequence, the chain's last line, events since the last checkpoint. */
    record Head(long changeSeq, long auditSeq, String auditHash, int sinceCheckpoint) {}

    /** An event to append: its type (a column, for queries and the tests' triggers) and its prepared line parts. */
    record Pending(String type, AuditLines.Prepared prepared) {
        static Pending of(AuditEvent event) {
            return new Pending(event.type(), AuditLines.prepare(event));
        }
    }

    private final Clock clock;
    /** Null until {@link PgStateStore#signWith} (the CLI never signs). */
    private volatile AuditKey key;

    PgChain(Clock clock, AuditKey key) {
        this.clock = clock;
        this.key = key;
    }

    void signWith(AuditKey key) {
        this.key = key;
    }

    static Future<Head> lock(SqlConnection conn) {
        return conn.query("SELECT change_seq, audit_seq, audit_hash, since_checkpoint FROM change_head WHERE id = 1"
                + " FOR UPDATE").execute().map(rows -> {
                    Row r = rows.iterator().next();
                    return new Head(r.getLong("change_seq"), r.getLong("audit_seq"), r.getString("audit_hash"),
                            r.getInteger("since_checkpoint"));
                });
    }

    /**
     * Inserts the events' lines after {@code head} (and a signed checkpoint after them when one is due or
     * {@code checkpoint} asks for it), and moves the head; {@code changed} moves the change sequence by one.
     * Checkpoints written are added to {@code shipped} (logged once the transaction commits).
     */
    Future<Head> append(SqlConnection conn, Head head, List<Pending> events, boolean changed, boolean checkpoint,
                        List<String> shipped) {
        List<Tuple> rows = new ArrayList<>(events.size() + 1);
        long seq = head.auditSeq();
        String prev = head.auditHash();
        int since = head.sinceCheckpoint();
        for (Pending e : events) {
            AuditLines.Line line = AuditLines.event(seq, prev, clock.instant(), e.prepared());
            rows.add(Tuple.of(line.seq(), e.type(), line.text()));
            seq = line.seq();
            prev = line.hash();
            since++;
        }
        AuditKey key = this.key;
        if (key != null && since > 0 && (checkpoint || since >= AuditLog.CHECKPOINT_EVERY)) {
            AuditLines.Line line = AuditLines.checkpoint(seq, prev, clock.instant(), key);
            rows.add(Tuple.of(line.seq(), "audit.checkpoint", line.text()));
            shipped.add(line.shipped());
            seq = line.seq();
            prev = line.hash();
            since = 0;
        }
        Head next = new Head(head.changeSeq() + (changed ? 1 : 0), seq, prev, since);
        Future<?> inserted = rows.isEmpty() ? Future.succeededFuture()
                : conn.preparedQuery("INSERT INTO audit_log (seq, type, line) VALUES ($1, $2, $3)").executeBatch(rows);
        return inserted.compose(done -> conn.preparedQuery("UPDATE change_head SET change_seq = $1, audit_seq = $2,"
                        + " audit_hash = $3, since_checkpoint = $4 WHERE id = 1")
                .execute(Tuple.of(next.changeSeq(), next.auditSeq(), next.auditHash(), next.sinceCheckpoint())))
                .compose(updated -> changed
                        // The wake-up for other replicas, delivered at commit (and not at all on rollback).
                        ? conn.preparedQuery("SELECT pg_notify('airlock_changes', $1)")
                                .execute(Tuple.of(Long.toString(next.changeSeq()))).map(n -> next)
                        : Future.succeededFuture(next));
    }

    /** Every line in seq order, as the audit file would hold them (for {@code audit verify --store}). */
    static Future<List<String>> lines(SqlConnection conn) {
        return conn.query("SELECT line FROM audit_log ORDER BY seq").execute().map(rows -> {
            List<String> out = new ArrayList<>(rows.size());
            for (Row r : rows) out.add(r.getString("line"));
            return out;
        });
    }
}
