package dev.airlock.core.store;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Lets a refusal that depends on state another process may have just written (a secret issued by {@code airlock
 * agent add} a moment ago) be decided on a fresh read: {@link #await()} completes once a {@link StateStore#refresh()}
 * that <em>started after the call</em> has finished. Without it, a CLI command returned before the server's poller
 * (every 250 ms) had read its change, and the README's "add an agent, then ask for a token" failed (issue 14, item 6).
 *
 * <p>A refresh only reads what is already in the store, so it can turn a refusal into an acceptance only where a real
 * write made it one; the caller re-runs the same check on what it read. What a flood of refusals can cost is bounded
 * here, explicitly: every caller waiting at the same time shares one refresh (a round), one round runs at a time, and
 * a round starts no sooner than {@link #MIN_INTERVAL} after the previous one started. So misses cause at most
 * {@code 1 / MIN_INTERVAL} refreshes a second whatever their number, each one {@code stat} of the journal unless a
 * real write added bytes; a refusal waits at most about one interval longer than before.
 *
 * <p>Time comes from a {@link Ticker} and delays from a {@link Scheduler}, so tests drive both by hand.
 */
public final class RefreshOnMiss {
    /** At most 100 miss-driven refreshes a second, on top of the server's poller. */
    public static final Duration MIN_INTERVAL = Duration.ofMillis(10);

    /**
     * Runs a task once, after a delay, on a thread that may block (a refresh reads files), one task at a time (a
     * single thread): that, with the delay, is what keeps rounds from overlapping.
     */
    @FunctionalInterface
    public interface Scheduler {
        void schedule(Runnable task, long delayNanos);
    }

    private final Runnable refresh;
    private final Ticker ticker;
    private final long minIntervalNanos;
    private final Scheduler scheduler;
    private final Object lock = new Object();
    /** The round scheduled and not started yet: every caller until it starts joins it. Null when there is none. */
    private CompletableFuture<Void> pending;
    private boolean anyStarted;
    private long lastStart;

    /** @param refresh the store's {@link StateStore#refresh()} */
    public RefreshOnMiss(Runnable refresh, Ticker ticker, Duration minInterval, Scheduler scheduler) {
        this.refresh = Objects.requireNonNull(refresh);
        this.ticker = Objects.requireNonNull(ticker);
        this.minIntervalNanos = minInterval.toNanos();
        this.scheduler = Objects.requireNonNull(scheduler);
    }

    /**
     * Completes after a refresh that started after this call; exceptionally if that refresh failed (the caller's
     * refusal then stands: fail closed). The future is the caller's own copy: completing it affects no one else.
     */
    public CompletableFuture<Void> await() {
        CompletableFuture<Void> round;
        long delay;
        synchronized (lock) {
            if (pending != null) return pending.copy();
            round = pending = new CompletableFuture<>();
            delay = anyStarted ? Math.max(0, lastStart + minIntervalNanos - ticker.nanoTime()) : 0;
        }
        try {
            scheduler.schedule(() -> run(round), delay);
        } catch (RuntimeException e) { // a scheduler shut down with the server: refuse as before, and let no one wait
            synchronized (lock) {
                if (pending == round) pending = null;
            }
            round.completeExceptionally(e);
        }
        return round.copy();
    }

    private void run(CompletableFuture<Void> round) {
        synchronized (lock) {
            // From here on a caller is not covered by this round (it may have read the journal already): it makes
            // the next one.
            if (pending == round) pending = null;
            anyStarted = true;
            lastStart = ticker.nanoTime();
        }
        try {
            refresh.run();
            round.complete(null);
        } catch (Throwable e) {
            round.completeExceptionally(e); // never leave a waiter hanging
            if (e instanceof Error error) throw error;
        }
    }
}
