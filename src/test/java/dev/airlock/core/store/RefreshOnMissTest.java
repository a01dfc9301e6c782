package dev.airlock.core.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.testing.HeldScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The rate limit and the ordering promise of {@link RefreshOnMiss}, driven by hand: a ticker the test moves and a
 * scheduler that only records what it was asked to run and when (no thread, no sleep).
 */
class RefreshOnMissTest {
    static final long MS = 1_000_000L;

    final long[] now = {5_000 * MS};
    final Ticker ticker = () -> now[0];
    final HeldScheduler scheduler = new HeldScheduler();
    final AtomicInteger refreshes = new AtomicInteger();
    final List<Runnable> duringRefresh = new ArrayList<>();
    final RefreshOnMiss fresh = new RefreshOnMiss(() -> {
        refreshes.incrementAndGet();
        duringRefresh.forEach(Runnable::run);
    }, ticker, Duration.ofMillis(10), scheduler);

    @Test
    void awaitWhenNothingRefreshedYetThenOneRefreshStartsAtOnce() {
        CompletableFuture<Void> f = fresh.await();
        assertEquals(1, scheduler.tasks.size());
        assertEquals(0, scheduler.tasks.get(0).delayNanos());
        assertFalse(f.isDone(), "done before any refresh ran");
        scheduler.runNext();
        assertTrue(f.isDone() && !f.isCompletedExceptionally());
        assertEquals(1, refreshes.get());
    }

    @Test
    void awaitWhenAFloodOfMissesArrivesBeforeTheRoundStartsThenOneRefreshServesThemAll() {
        List<CompletableFuture<Void>> waiting = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) waiting.add(fresh.await());
        assertEquals(1, scheduler.tasks.size(), "one round for every waiter");
        scheduler.runNext();
        assertEquals(1, refreshes.get());
        assertTrue(waiting.stream().allMatch(f -> f.isDone() && !f.isCompletedExceptionally()));
    }

    @Test
    void awaitWhenARoundStartedLessThanTheIntervalAgoThenTheNextWaitsForTheRestOfIt() {
        fresh.await();
        scheduler.runNext(); // started at t0
        now[0] += 3 * MS;
        CompletableFuture<Void> f = fresh.await();
        assertEquals(7 * MS, scheduler.tasks.get(0).delayNanos(), "no sooner than 10 ms after the last start");
        for (int i = 0; i < 1000; i++) fresh.await();
        assertEquals(1, scheduler.tasks.size());
        now[0] += 7 * MS;
        scheduler.runNext();
        assertTrue(f.isDone());
        assertEquals(2, refreshes.get());
        now[0] += 50 * MS;
        fresh.await();
        assertEquals(0, scheduler.tasks.get(0).delayNanos(), "an interval long past costs no wait");
    }

    @Test
    void awaitNeverCompletesWithARefreshThatStartedBeforeTheCall() {
        fresh.await();
        List<CompletableFuture<Void>> arrivedDuring = new ArrayList<>();
        // A caller that arrives while the refresh is reading may have missed what it reads: the next round is its.
        duringRefresh.add(() -> arrivedDuring.add(fresh.await()));
        scheduler.runNext();
        duringRefresh.clear();
        assertEquals(1, arrivedDuring.size());
        assertFalse(arrivedDuring.get(0).isDone(), "completed by a refresh that began before it was asked for");
        assertEquals(1, scheduler.tasks.size());
        now[0] += 10 * MS;
        scheduler.runNext();
        assertTrue(arrivedDuring.get(0).isDone());
    }

    @Test
    void awaitWhenTheRefreshFailsThenCompletesExceptionallyAndTheNextCallTriesAgain() {
        var failing = new RefreshOnMiss(() -> {
            if (refreshes.incrementAndGet() == 1) throw new IllegalStateException("journal unreadable");
        }, ticker, Duration.ofMillis(10), scheduler);
        CompletableFuture<Void> f = failing.await();
        scheduler.runNext();
        CompletionException e = assertThrows(CompletionException.class, f::join);
        assertEquals("journal unreadable", e.getCause().getMessage());
        now[0] += 10 * MS;
        CompletableFuture<Void> again = failing.await();
        scheduler.runNext();
        assertTrue(again.isDone() && !again.isCompletedExceptionally());
    }

    @Test
    void awaitWhenTheSchedulerRefusesThenFailsAndLeavesNoRoundPending() {
        int[] calls = {0};
        var closing = new RefreshOnMiss(refreshes::incrementAndGet, ticker, Duration.ofMillis(10), (task, delay) -> {
            if (calls[0]++ == 0) throw new RejectedExecutionException("shut down");
            scheduler.schedule(task, delay);
        });
        assertTrue(closing.await().isCompletedExceptionally());
        CompletableFuture<Void> next = closing.await();
        assertEquals(1, scheduler.tasks.size(), "a refused round is not left pending for later callers to join");
        scheduler.runNext();
        assertTrue(next.isDone() && !next.isCompletedExceptionally());
    }

    @Test
    void aWaitersCopyCannotCompleteTheRoundForOthers() {
        CompletableFuture<Void> mine = fresh.await();
        CompletableFuture<Void> theirs = fresh.await();
        mine.complete(null);
        assertFalse(theirs.isDone());
        assertSame(1, scheduler.tasks.size());
    }
}
