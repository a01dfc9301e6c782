package dev.airlock.core.store;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Runs asynchronous tasks one at a time per key, in arrival order, within this process. Writers of a versioned record
 * (a grant, an ops account) take their turn here, so two requests racing in one process are decided one after the
 * other, the second on the first's result, and neither writes an audited decision that then loses its
 * compare-and-set. Only a writer in another process can still win a race, and the caller records that.
 *
 * <p>Memory is bounded by the keys with a task under way: an entry leaves when its key is idle.
 */
public final class KeyedTurns {
    private final Map<String, CompletableFuture<Void>> last = new ConcurrentHashMap<>();

    /** Runs {@code task} once every earlier task for {@code key} has finished, however it finished. */
    public <T> CompletableFuture<T> run(String key, Supplier<CompletableFuture<T>> task) {
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> before = last.put(key, mine);
        CompletableFuture<T> out = new CompletableFuture<>();
        (before == null ? CompletableFuture.<Void>completedFuture(null) : before).whenComplete((v, ignored) -> {
            CompletableFuture<T> result;
            try {
                result = task.get();
            } catch (RuntimeException e) {
                result = CompletableFuture.failedFuture(e);
            }
            result.whenComplete((r, failure) -> {
                last.remove(key, mine);
                mine.complete(null);
                if (failure == null) out.complete(r);
                else out.completeExceptionally(failure);
            });
        });
        return out;
    }

    /** Keys with a task queued or under way (tests: entries leave when idle). */
    int busyKeys() {
        return last.size();
    }
}
