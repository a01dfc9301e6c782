package dev.airlock.core.journal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One server per data directory, held as an OS lock on the journal itself ({@code state.journal}), one byte far past
 * any size it can reach. It used to be a lock on {@code serve.lock}: deleting that file (a "stale lock" clean-up)
 * let a second server lock a new one and share the directory (issue 13, finding 5). The journal cannot be deleted
 * without losing the state, so the lock cannot be defeated by removing a file that looks disposable.
 *
 * <p>The byte locked is never one {@link FileMutex} or a reader touches, so it excludes only other servers. POSIX
 * drops a process's locks on a file when the process closes any descriptor of it: the server's journal channels
 * stay open until it stops, and nothing else in a server opens the journal.
 */
public final class ServeLock implements AutoCloseable {
    /** Far past any journal size (compaction keeps it to megabytes): only other servers' locks meet it. */
    private static final long POSITION = Long.MAX_VALUE - 1;
    public static final String FILE = "state.journal";

    private final FileChannel channel;
    private final FileLock lock;

    private ServeLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** The lock, or empty if another server (process or, in tests, this JVM) holds it. */
    public static Optional<ServeLock> tryAcquire(Path dataDir) throws IOException {
        FileChannel channel = PrivateFiles.openReadWrite(dataDir.resolve(FILE));
        FileLock lock;
        try {
            lock = channel.tryLock(POSITION, 1, false);
        } catch (OverlappingFileLockException sameJvm) {
            // Held in this JVM: closing our descriptor would drop that holder's lock too (POSIX), so keep it open.
            return Optional.empty();
        }
        if (lock == null) {
            channel.close(); // this process holds no lock on the journal that closing could drop
            return Optional.empty();
        }
        return Optional.of(new ServeLock(channel, lock));
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
