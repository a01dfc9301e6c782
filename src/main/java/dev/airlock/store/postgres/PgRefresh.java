package dev.airlock.store.postgres;

import dev.airlock.core.journal.StorageHealth;
import dev.airlock.core.store.Ticker;
import dev.airlock.store.embedded.StateMemory;
import dev.airlock.store.embedded.StateOp;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Keeps a replica's mirror current: reads the head's change sequence and, if it moved past the last one seen, every
 * state row written since (each table is indexed on {@code seq}). Because every change holds the chain's row lock
 * until it commits, a row with a sequence at or below the head just read is committed and visible: nothing is
 * skipped, and a row read twice is applied twice harmlessly (last writer wins; versions only move forward).
 *
 * <p>One read at a time; a request that arrives while one runs is folded into one more read after it (a burst of
 * notifications costs two reads, not one per notification).
 */
final class PgRefresh {
    private final Pool pool;
    private final StateMemory memory;
    private final StorageHealth health;
    private volatile long lastSeen = -1;
    /** The policy hash replicas are asked to serve, with the change sequence that announced it; null if none yet. */
    private volatile PgStateStore.PolicyAnnouncement announced;
    /** The last read queued; the next one starts when it completes. */
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
    /** A read queued and not yet started, which a new request joins. */
    private CompletableFuture<Void> notStarted;
    private volatile long nextPurgeNanos;
    private volatile boolean purgedOnce;

    /** True once the store is closing: a read cut short by closing its own pool is no storage fault. */
    private final java.util.function.BooleanSupplier closing;

    /** The shared ops sessions' mirror, told of every session row the feed reads; set before the first read. */
    volatile PgSessionStore sessions;

    /** Set when this store serves as a replica: told after every completed re-read. */
    volatile PgReplicas replica;

    /** Monotonic time: the store's clock's when it keeps one (tests), else the machine's. */
    private final dev.airlock.core.store.Ticker ticker;

    PgRefresh(Pool pool, StateMemory memory, StorageHealth health, java.util.function.BooleanSupplier closing,
              dev.airlock.core.store.Ticker ticker) {
        this.ticker = ticker;
        this.caughtUpNanos = ticker.nanoTime();
        this.pool = pool;
        this.memory = memory;
        this.health = health;
        this.closing = closing;
    }

    long lastSeen() {
        return lastSeen;
    }

    /** When the last read that completed started ({@link #ticker}): every change committed before it is known here. */
    private volatile long caughtUpNanos;

    /** Time since this process last knew it had every committed change: {@code StateStore#propagationLag}. */
    java.time.Duration lag() {
        return java.time.Duration.ofNanos(Math.max(0, ticker.nanoTime() - caughtUpNanos));
    }

    PgStateStore.PolicyAnnouncement announced() {
        return announced;
    }

    /** This replica's own announcement, once committed (before its next read, so its readiness never lags). */
    synchronized void announced(PgStateStore.PolicyAnnouncement mine) {
        PgStateStore.PolicyAnnouncement now = announced;
        if (now == null || now.seq() < mine.seq()) announced = mine;
    }

    /** Completes when a read that started after this call is done (failed: the fault is in health). */
    synchronized CompletableFuture<Void> readChanges() {
        if (notStarted != null) return notStarted; // a read queued behind the running one will see this change too
        CompletableFuture<Void> mine = new CompletableFuture<>();
        notStarted = mine;
        tail.whenComplete((v, e) -> {
            synchronized (this) {
                if (notStarted == mine) notStarted = null;
            }
            start().whenComplete((v2, e2) -> {
                if (e2 == null) mine.complete(null);
                else mine.completeExceptionally(e2);
            });
        });
        tail = mine;
        return mine;
    }

    private CompletableFuture<Void> start() {
        CompletableFuture<Void> out = new CompletableFuture<>();
        long started = ticker.nanoTime();
        pool.withConnection(this::read).onComplete(done -> {
            if (done.succeeded()) {
                if (started - caughtUpNanos > 0) caughtUpNanos = started;
                PgReplicas me = replica;
                if (me != null) me.caughtUp(lastSeen, started);
                health.cleared(PgFaults.NAME, StorageHealth.Condition.UNREADABLE);
                health.cleared(PgFaults.NAME, StorageHealth.Condition.WRITE_FAILED);
                out.complete(null);
            } else if (closing.getAsBoolean()) {
                // A CLI closing right after its write (a NOTIFY of its own change still being read) logged a
                // "storage fault" on its way out; nothing is wrong with the database then.
                out.completeExceptionally(done.cause());
            } else {
                out.completeExceptionally(PgFaults.classify(done.cause(), health,
                        StorageHealth.Condition.UNREADABLE));
            }
        });
        return out;
    }

    private Future<Void> read(SqlConnection conn) {
        return conn.query("SELECT change_seq FROM change_head WHERE id = 1").execute().compose(head -> {
            long seq = head.iterator().next().getLong("change_seq");
            long since = lastSeen;
            if (seq == since) return Future.succeededFuture();
            Tuple after = Tuple.of(since);
            List<Future<?>> reads = new ArrayList<>();
            reads.add(conn.preparedQuery("SELECT jti, expires_at FROM revocations WHERE seq > $1").execute(after)
                    .map(rows -> each(rows, r -> new StateOp.Revoke(r.getString(0), r.getLong(1)))));
            reads.add(conn.preparedQuery("SELECT environment, frozen FROM frozen_environments WHERE seq > $1")
                    .execute(after).map(rows -> each(rows, r -> new StateOp.Freeze(r.getString(0), r.getBoolean(1)))));
            reads.add(conn.preparedQuery("SELECT agent_id, sha256_hex FROM agent_secrets WHERE seq > $1")
                    .execute(after).map(rows -> each(rows, r -> new StateOp.Secret(r.getString(0), r.getString(1)))));
            reads.add(conn.preparedQuery("SELECT agent_id, disabled, tokens_void_until FROM agent_states WHERE seq > $1")
                    .execute(after).map(rows -> {
                        for (Row r : rows) {
                            memory.apply(new StateOp.AgentDisabled(r.getString(0), r.getBoolean(1)));
                            Long voidUntil = r.getLong(2);
                            if (voidUntil != null) memory.apply(new StateOp.AgentTokensVoid(r.getString(0), voidUntil));
                        }
                        return null;
                    }));
            reads.add(conn.preparedQuery("SELECT record FROM grants WHERE seq > $1").execute(after)
                    .map(rows -> each(rows, r -> StateOp.parse(r.getString(0)))));
            reads.add(conn.preparedQuery("SELECT record FROM ops_accounts WHERE seq > $1").execute(after)
                    .map(rows -> each(rows, r -> StateOp.parse(r.getString(0)))));
            reads.add(conn.preparedQuery("SELECT key_hash, name, enrolment, created_ms, last_ms, closed"
                    + " FROM ops_sessions WHERE seq > $1").execute(after).map(rows -> {
                        PgSessionStore to = sessions;
                        if (to == null) return null;
                        for (Row r : rows) {
                            to.fromFeed(new dev.airlock.core.ops.SessionStore.Row(r.getString(0), r.getString(1),
                                    r.getString(2), java.time.Instant.ofEpochMilli(r.getLong(3)),
                                    java.time.Instant.ofEpochMilli(r.getLong(4)), r.getBoolean(5)));
                        }
                        return null;
                    }));
            reads.add(conn.preparedQuery("SELECT policy_hash, seq FROM policy_announcement WHERE seq > $1")
                    .execute(after).map(rows -> {
                        for (Row r : rows) announced(new PgStateStore.PolicyAnnouncement(r.getString(0), r.getLong(1)));
                        return null;
                    }));
            if (since < 0) {
                // At open only: the assertion ids are checked in the database; the mirror holds them for its caps.
                reads.add(conn.query("SELECT client_id, jti, expires_at FROM used_assertions").execute()
                        .map(rows -> each(rows, r -> new StateOp.Assertion(r.getString(0), r.getString(1),
                                r.getLong(2)))));
            }
            // One connection runs them in turn (pipelined); lastSeen moves only once all are applied.
            return Future.all(reads).map(all -> {
                lastSeen = seq;
                return (Void) null;
            });
        });
    }

    /** Deletes these assertion ids' rows (each {@link StateOp.Assertion}); other ops are ignored. */
    static Future<?> deleteAssertions(Pool pool, List<StateOp> assertions) {
        List<String> clients = new ArrayList<>();
        List<String> jtis = new ArrayList<>();
        for (StateOp op : assertions) {
            if (op instanceof StateOp.Assertion a) {
                clients.add(a.client());
                jtis.add(a.jti());
            }
        }
        return pool.preparedQuery("DELETE FROM used_assertions WHERE (client_id, jti) IN"
                        + " (SELECT * FROM unnest($1::text[], $2::text[]))")
                .execute(Tuple.tuple().addArrayOfString(clients.toArray(String[]::new))
                        .addArrayOfString(jtis.toArray(String[]::new)));
    }

    private Void each(io.vertx.sqlclient.RowSet<Row> rows, java.util.function.Function<Row, StateOp> op) {
        for (Row r : rows) memory.apply(op.apply(r));
        return null;
    }

    /**
     * Forgets in the mirror, and deletes from the database, what {@link dev.airlock.core.store.Retention} lets go
     * by this replica's clocks (a row another replica still holds stays in its mirror until its own clocks agree).
     */
    void purgeIfDue(Ticker ticker, Duration every) {
        long now = ticker.nanoTime();
        if (purgedOnce && now - nextPurgeNanos < 0) return;
        nextPurgeNanos = now + every.toNanos();
        purgedOnce = true;
        List<String> jtis = new ArrayList<>();
        long maxExp = Long.MIN_VALUE;
        List<StateOp> assertions = new ArrayList<>();
        List<String> grants = new ArrayList<>();
        List<StateOp> forgotten = new ArrayList<>();
        memory.purgeExpired(forgotten::add);
        for (StateOp op : forgotten) {
            if (op instanceof StateOp.Revoke r) {
                jtis.add(r.jti());
                maxExp = Math.max(maxExp, r.exp());
            } else if (op instanceof StateOp.Assertion) {
                assertions.add(op);
            } else if (op instanceof StateOp.SaveGrant g) {
                grants.add(g.grant().id());
            }
        }
        // Best effort: a delete that fails is retried by the next replica's purge, and a row kept longer is safe.
        if (!jtis.isEmpty()) {
            pool.preparedQuery("DELETE FROM revocations WHERE jti = ANY($1) AND expires_at <= $2")
                    .execute(Tuple.tuple().addArrayOfString(jtis.toArray(String[]::new)).addLong(maxExp));
        }
        if (!assertions.isEmpty()) deleteAssertions(pool, assertions);
        if (!grants.isEmpty()) {
            pool.preparedQuery("DELETE FROM grants WHERE id = ANY($1) AND final")
                    .execute(Tuple.tuple().addArrayOfString(grants.toArray(String[]::new)));
        }
    }
}
