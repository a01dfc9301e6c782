package dev.airlock.testing;

import dev.airlock.core.store.RefreshOnMiss;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link RefreshOnMiss.Scheduler} that runs nothing by itself: it records each task and its delay, and the test
 * runs them, in order, when it chooses. No thread, no sleep: "before" and "after" a refresh are exact.
 */
public final class HeldScheduler implements RefreshOnMiss.Scheduler {
    public record Task(Runnable run, long delayNanos) {}

    public final List<Task> tasks = new ArrayList<>();

    @Override
    public synchronized void schedule(Runnable task, long delayNanos) {
        tasks.add(new Task(task, delayNanos));
    }

    /** Runs the oldest task held, on this thread. */
    public Task runNext() {
        Task t;
        synchronized (this) {
            t = tasks.remove(0);
        }
        t.run().run();
        return t;
    }
}
