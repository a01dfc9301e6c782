package dev.airlock.core.journal;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Mutual exclusion for one data file across threads and processes: a JVM-wide lock, then an OS lock on the
 * sibling {@code <name>.lock}.
 *
 * <p>Why both: {@link FileChannel#lock()} is per JVM, so a second channel on the same file in this JVM throws
 * {@code OverlappingFileLockException} instead of waiting. Why a sibling file: on POSIX, closing any descriptor
 * of a file drops every lock the process holds on it, so a reader in this JVM closing the data file would silently
 * unlock a writer. Only this class opens the {@code .lock} file, and closes it while holding the JVM lock.
 */
final class FileMutex {

    @FunctionalInterface
    interface IoAction {
        void run() throws IOException;
    }

    private static final long POLL_LIMIT_NANOS = 30_000_000_000L;
    /** Lock files deleted or replaced this many times in a row while one write waits: refuse it rather than spin. */
    static final int MAX_REOPENS = 100;
    private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    private final Path lockPath;
    private final ReentrantLock jvmLock;
    private FileChannel lockFile; // guarded by jvmLock
    private Object lockFileKey; // guarded by jvmLock: the inode lockFile was opened on

    FileMutex(Path dataFile) throws IOException {
        this.lockPath = dataFile.resolveSibling(dataFile.getFileName() + ".lock");
        // Keyed by the folder's real path, not the lock file's: the lock file may be deleted at any moment (a "stale
        // lock" clean-up), and resolving it then failed the whole command (found by bench/faults.sh).
        Path folder = lockPath.toAbsolutePath().getParent().toRealPath();
        this.jvmLock = JVM_LOCKS.computeIfAbsent(folder.resolve(lockPath.getFileName()), p -> new ReentrantLock());
        jvmLock.lock();
        try {
            open();
        } finally {
            jvmLock.unlock();
        }
    }

    /**
     * Opens (creating) the lock file and records which file it is. A lock file deleted between the open and the look at
     * its identity is opened again, a bounded number of times, rather than failing a write that has done nothing yet.
     */
    private void open() throws IOException {
        for (int attempt = 0; ; attempt++) {
            FileChannel channel = PrivateFiles.openReadWrite(lockPath);
            try {
                lockFileKey = fileKey();
                lockFile = channel;
                return;
            } catch (java.nio.file.NoSuchFileException deleted) {
                channel.close();
                if (attempt >= MAX_REOPENS) {
                    throw new IOException(lockPath + " keeps being deleted; refusing to write unlocked");
                }
            }
        }
    }

    void run(IoAction action) throws IOException {
        jvmLock.lock();
        try {
            FileLock lock = lockCurrentFile();
            try {
                action.run();
            } finally {
                lock.release();
            }
        } finally {
            jvmLock.unlock();
        }
    }

    /**
     * A lock on a file that is no longer at {@code lockPath} excludes nobody: a "stale lock" clean-up that deletes
     * {@code *.lock} while a server runs let the next process create a new one and lock it too, and both wrote at once
     * (issue 13, finding 5). So after locking, check that the path still names the inode we locked; if not, let go,
     * open what is there now (creating it) and lock that. A deletion in the middle of a held lock can still overlap
     * one critical section: the data file is written in append mode ({@link AppendOnlyFile}) so that even then no
     * acknowledged byte is overwritten.
     */
    private FileLock lockCurrentFile() throws IOException {
        for (int attempt = 0; ; attempt++) {
            FileLock lock = lockOsFile();
            Object now;
            try {
                now = fileKey();
            } catch (java.nio.file.NoSuchFileException deleted) {
                now = null;
            }
            if (now != null && now.equals(lockFileKey)) return lock;
            lock.release();
            if (attempt >= MAX_REOPENS) throw new IOException(lockPath + " keeps being replaced; refusing to write unlocked");
            lockFile.close();
            open();
        }
    }

    private Object fileKey() throws IOException {
        Object key = java.nio.file.Files.readAttributes(lockPath, java.nio.file.attribute.BasicFileAttributes.class)
                .fileKey();
        // Where the file system has no inode identity, fall back to "still there".
        return key != null ? key : Boolean.TRUE;
    }

    /**
     * POSIX record locks belong to the process, not the thread. With two files (audit log and journal) locked by
     * different threads of two processes, the kernel can see a cycle that is not one and fail the blocking lock
     * with EDEADLK ("Resource deadlock avoided"), which Java reports as a plain IOException. A non-blocking attempt
     * cannot be part of a cycle, so on that error poll until the other process lets go. Only cross-process
     * contention gets here; the uncontended path is one blocking call.
     */
    private FileLock lockOsFile() throws IOException {
        try {
            return lockFile.lock();
        } catch (ClosedChannelException e) {
            throw e;
        } catch (IOException e) {
            long deadline = System.nanoTime() + POLL_LIMIT_NANOS;
            long pause = 50_000;
            while (true) {
                FileLock lock = lockFile.tryLock();
                if (lock != null) return lock;
                if (System.nanoTime() > deadline) throw e;
                LockSupport.parkNanos(pause);
                pause = Math.min(2 * pause, 5_000_000);
            }
        }
    }

    /** Only while no instance in this JVM holds the OS lock: closing drops all of this process's locks on it. */
    void close() {
        jvmLock.lock();
        try {
            lockFile.close();
        } catch (IOException ignored) {
            // nothing left to release
        } finally {
            jvmLock.unlock();
        }
    }
}
