package dev.airlock.store.postgres;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.journal.StorageHealth;
import dev.airlock.core.store.AssertionLimits;
import dev.airlock.core.store.StateChange;
import dev.airlock.testing.TestPostgres;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

/**
 * A hand-run measurement, not a test (no timed assertion): how many audit events a second one replica commits to
 * the one chain (group commit), and how many audited changes (each its own transaction under the chain's lock), on
 * the embedded PostgreSQL. Run: see bench/postgres-audit.sh; the figures go in docs/decisions.md.
 */
public final class PgAuditThroughput {
    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int inFlight = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        TestPostgres.Database db = TestPostgres.freshDatabase();
        // zonky starts its server with fsync off (on its command line, which ALTER SYSTEM cannot override): the
        // figures leave out the disk flush a real deployment waits for at each commit; printed below so it shows.
        try (PgStateStore store = PgStateStore.open(PgLocation.parse(db.url()), null, Clock.systemUTC(),
                AssertionLimits.DEFAULT, new StorageHealth(), null, null)) {
            for (String setting : List.of("fsync", "synchronous_commit", "wal_sync_method")) {
                System.out.println(setting + " = " + store.pool.query("SHOW " + setting).execute().toCompletionStage()
                        .toCompletableFuture().join().iterator().next().getString(0));
            }
            for (int round = 0; round < 2; round++) { // the first round warms the JIT and the pool
                System.out.printf("decisions: %.0f events/s (%d events, %d in flight)%n",
                        run(events, inFlight, i -> store.append(AuditEvent.of("token.issued").with("n", i).build())),
                        events, inFlight);
                int changes = events / 10;
                System.out.printf("audited changes: %.0f changes/s (%d revocations, %d in flight)%n",
                        run(changes, inFlight, i -> store.apply(AuditEvent.of("token.revoked").with("jti", "r" + i)
                                .build(), new StateChange.Revoke("r-" + i + "-" + System.nanoTime(),
                                Instant.now().plusSeconds(600)))), changes, inFlight);
            }
        }
        System.exit(0);
    }

    interface Op {
        CompletableFuture<?> start(int i);
    }

    private static double run(int n, int inFlight, Op op) throws Exception {
        Semaphore slots = new Semaphore(inFlight);
        List<CompletableFuture<?>> all = new ArrayList<>(n);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            slots.acquire();
            all.add(op.start(i).whenComplete((v, e) -> slots.release()));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
        return n / ((System.nanoTime() - t0) / 1e9);
    }
}
