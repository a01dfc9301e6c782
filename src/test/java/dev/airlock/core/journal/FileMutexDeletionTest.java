package dev.airlock.core.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deleting {@code *.lock} files while Airlock runs is a common "stale lock" clean-up (issue 13, finding 5). A lock file
 * deleted between opening it and looking at its identity used to fail that write: a CLI command exited 2 and the server
 * answered 503 (found by {@code bench/faults.sh}, scenario 3, in 3 of 4 full runs). Now the lock file is opened again.
 */
class FileMutexDeletionTest {
    @TempDir
    Path dir;

    @Test
    void openAndRunWhileTheLockFileIsDeletedOverAndOverThenNothingFails() throws Exception {
        Path data = dir.resolve("state.journal");
        Path lock = dir.resolve("state.journal.lock");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger deletions = new AtomicInteger();
        Thread deleter = new Thread(() -> {
            while (!stop.get()) {
                try {
                    if (Files.deleteIfExists(lock)) deletions.incrementAndGet();
                } catch (Exception ignored) {
                    // a race with the creator; try again
                }
                // Often, not relentlessly: a person or a cron job cleaning up, not a deleter that never lets a file live.
                LockSupport.parkNanos(500_000);
            }
        });
        deleter.start();
        int runs = 0;
        try {
            for (int i = 0; i < 2_000; i++) {
                FileMutex m = new FileMutex(data);
                try {
                    for (int j = 0; j < 5; j++) {
                        m.run(() -> { });
                        runs++;
                    }
                } finally {
                    m.close();
                }
            }
        } finally {
            stop.set(true);
            deleter.join();
        }
        assertEquals(10_000, runs);
        assertTrue(deletions.get() > 100, "the lock file was deleted only " + deletions.get() + " times: the test raced nothing");
    }
}
