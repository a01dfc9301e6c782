package dev.airlock.store.postgres;

import dev.airlock.core.audit.AuditLog;
import dev.airlock.core.journal.StorageHealth;
import io.vertx.sqlclient.Pool;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Group commit of this replica's audit events (decisions such as {@code token.issued}): one transaction at a time,
 * holding every event queued while the previous one committed, up to {@value #MAX_BATCH}. Each transaction takes the
 * chain's lock once for its whole batch, so the lock is held per batch, not per event; synchronous commit stays on,
 * so every event is durable before its future completes.
 */
final class PgAuditWriter {
    static final int MAX_BATCH = 1_000;
    private static final System.Logger SHIPPED = System.getLogger(AuditLog.SHIPPED_LOGGER);

    private record Queued(PgChain.Pending event, CompletableFuture<Void> durable) {}

    private final Pool pool;
    private final PgChain chain;
    private final StorageHealth health;
    private final java.util.function.Consumer<List<String>> shipped;
    private final ConcurrentLinkedQueue<Queued> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean writing = new AtomicBoolean();

    PgAuditWriter(Pool pool, PgChain chain, StorageHealth health, java.util.function.Consumer<List<String>> shipped) {
        this.pool = pool;
        this.shipped = shipped;
        this.chain = chain;
        this.health = health;
    }

    CompletableFuture<Void> append(PgChain.Pending event) {
        CompletableFuture<Void> durable = new CompletableFuture<>();
        queue.add(new Queued(event, durable));
        kick();
        return durable;
    }

    /** Completes once everything queued before the call is written (or failed). */
    CompletableFuture<Void> drain() {
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        for (Queued q : queue) pending.add(q.durable());
        return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).handle((v, e) -> null);
    }

    private void kick() {
        if (queue.isEmpty() || !writing.compareAndSet(false, true)) return;
        List<Queued> batch = new ArrayList<>();
        Queued q;
        while (batch.size() < MAX_BATCH && (q = queue.poll()) != null) batch.add(q);
        if (batch.isEmpty()) {
            writing.set(false);
            kick();
            return;
        }
        List<PgChain.Pending> events = batch.stream().map(Queued::event).toList();
        List<String> checkpoints = new ArrayList<>();
        pool.withTransaction(conn -> PgChain.lock(conn)
                        .compose(head -> chain.append(conn, head, events, false, false, checkpoints)))
                .onComplete(done -> {
                    if (done.succeeded()) {
                        health.cleared(PgFaults.NAME, StorageHealth.Condition.WRITE_FAILED);
                        shipped.accept(checkpoints);
                        batch.forEach(b -> b.durable().complete(null));
                    } else {
                        Throwable cause = PgFaults.classify(done.cause(), health, StorageHealth.Condition.WRITE_FAILED);
                        batch.forEach(b -> b.durable().completeExceptionally(cause));
                    }
                    writing.set(false);
                    kick();
                });
    }

    /** Each committed checkpoint, logged for a collector to keep off the machine (as the audit file does). */
    static void ship(List<String> checkpoints) {
        for (String c : checkpoints) SHIPPED.log(System.Logger.Level.INFO, "audit checkpoint " + c);
    }
}
