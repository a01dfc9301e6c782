package dev.airlock.store.postgres;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Which replicas serve, and how far each has read the change feed ({@code replicas}: id, {@code seen_seq},
 * heartbeat). A serving replica records its position after every re-read that moved it, and at least every
 * {@link #BEAT}; a state-changing command run with {@code --store} then waits until every live replica has read its
 * change ({@link #await}), so that when it returns the change is in effect on every replica (issue 14, must-show 6;
 * without it {@code agent add} followed at once by a token request through another replica could be refused).
 *
 * <p>"Live" means heard from within {@link #LIVE}: a replica that stopped (killed, partitioned) is not waited for.
 * One that is partitioned from the database while still up answers every decision with 503 (fail closed), so not
 * waiting for it never lets it act on an old state. Each replica deletes its row when it closes.
 */
public final class PgReplicas {
    /** A replica heard from less recently than this is not waited for. */
    static final Duration LIVE = Duration.ofSeconds(10);
    /** A serving replica's heartbeat when its position does not move. */
    static final Duration BEAT = Duration.ofSeconds(2);
    /** How often a waiting command looks again. */
    static final Duration POLL = Duration.ofMillis(20);

    /** A live replica that had not read the change when the wait ended. */
    public record Behind(String id, long seenSeq, double secondsSinceHeard) {}

    private final Pool pool;
    private final String id;
    private volatile long announcedSeq = -1;
    private volatile long announcedNanos;

    PgReplicas(Pool pool, String id) {
        this.pool = pool;
        this.id = id;
    }

    String id() {
        return id;
    }

    /** After a re-read reached {@code seq}: records it if it moved, or if the last heartbeat is {@link #BEAT} old. */
    void caughtUp(long seq, long nowNanos) {
        if (seq == announcedSeq && nowNanos - announcedNanos < BEAT.toNanos()) return;
        announcedNanos = nowNanos;
        announce(seq).onFailure(e -> announcedSeq = -1); // said again at the next re-read; the refresh reports faults
    }

    /** Records {@code seq} (and a heartbeat) for this replica; completes once the row is committed. */
    Future<Void> announce(long seq) {
        announcedSeq = seq;
        return pool.preparedQuery("INSERT INTO replicas (id, seen_seq, heartbeat) VALUES ($1, $2, now())"
                        + " ON CONFLICT (id) DO UPDATE SET seen_seq = greatest(replicas.seen_seq, EXCLUDED.seen_seq),"
                        + " heartbeat = now()")
                .execute(Tuple.of(id, seq)).mapEmpty();
    }

    Future<Void> withdraw() {
        return pool.preparedQuery("DELETE FROM replicas WHERE id = $1").execute(Tuple.of(id)).mapEmpty();
    }

    /**
     * Completes with the live replicas that have not read {@code seq} once every live one has (empty), or when
     * {@code timeout} has passed (those still behind).
     */
    static CompletableFuture<List<Behind>> await(Vertx vertx, Pool pool, long seq, Duration timeout) {
        CompletableFuture<List<Behind>> out = new CompletableFuture<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        look(vertx, pool, seq, deadline, out);
        return out;
    }

    private static void look(Vertx vertx, Pool pool, long seq, long deadline, CompletableFuture<List<Behind>> out) {
        pool.preparedQuery("SELECT id, seen_seq, extract(epoch FROM now() - heartbeat)::float8 AS quiet FROM replicas"
                        + " WHERE heartbeat > now() - make_interval(secs => $1) AND seen_seq < $2 ORDER BY id")
                .execute(Tuple.of((double) LIVE.toSeconds(), seq))
                .onComplete(done -> {
                    if (done.failed()) {
                        out.completeExceptionally(done.cause());
                        return;
                    }
                    List<Behind> behind = new ArrayList<>();
                    for (Row r : done.result()) {
                        behind.add(new Behind(r.getString("id"), r.getLong("seen_seq"), r.getDouble("quiet")));
                    }
                    if (behind.isEmpty() || System.nanoTime() - deadline >= 0) {
                        out.complete(behind);
                        return;
                    }
                    vertx.setTimer(POLL.toMillis(), t -> look(vertx, pool, seq, deadline, out));
                });
    }
}
