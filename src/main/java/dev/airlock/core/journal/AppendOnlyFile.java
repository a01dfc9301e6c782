package dev.airlock.core.journal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A JSON-lines file that several threads and several processes append to, with group commit: one writer thread
 * drains the queue, writes the batch, fsyncs once and only then completes the batch's futures.
 *
 * <p>Every batch is written while holding an OS lock on the sibling file {@code <name>.lock} ({@link FileMutex}).
 * Lines are encoded by the {@link Owner} inside that lock, after it has been shown what other processes appended
 * ({@link Unseen}), so an owner can chain lines (audit hash chain) across processes.
 *
 * <p>All channel I/O after open happens on the writer thread: an interrupt on a caller's thread would otherwise
 * close the shared {@link FileChannel} ({@code ClosedByInterruptException}) and break every later append.
 *
 * <p>Future continuations attached before completion run on the writer thread: keep them short or use the
 * {@code *Async} variants, or they delay the next group commit.
 */
public final class AppendOnlyFile<T> implements AutoCloseable {

    /** The file's user. Every callback runs under the lock, on one thread at a time, in file order. */
    public interface Owner<T> {
        /** Lines this instance did not write: all lines at open, then whatever other processes appended. */
        void catchUp(Unseen unseen) throws IOException;

        /** The line for {@code item}, without {@code '\n'}; called just before it is written, in queue order. */
        String encode(T item);

        /**
         * Whether an item queued with {@link #appendIf} is still wanted: called under the lock, after every line
         * other processes wrote has been shown to {@link #catchUp}, in queue order, just before {@link #encode}.
         * This is the one place a compare-and-set can be decided for every process sharing the file. An owner that
         * admits an item must count it when judging later items of the same batch (they are not durable yet), and
         * forget such counts on {@link #durable} and on {@link #catchUp}: if an admitted item then fails to encode,
         * the batch ends there and the next item is judged only after a catch-up.
         */
        default boolean admit(T item) {
            return true;
        }

        /** The batch is on disk (fsync returned); runs before the batch's futures complete. */
        default void durable(List<T> items) {}

        /**
         * Whether a last line found without its {@code '\n'} is nevertheless a whole record (its writer was stopped
         * between the record and the newline, or a restore lost only the newline): such a line is kept and
         * terminated, not moved aside, because it may have been acknowledged (a revocation). False by default.
         */
        default boolean isCompleteRecord(byte[] line) {
            return false;
        }

        /**
         * A first line for an empty file, or null. Make it unique (a random id): a rewrite by another process
         * (compaction) is detected by a changed first line even when the size grew back past what we knew.
         */
        default String header() {
            return null;
        }
    }

    /**
     * What a compaction saves before the file is truncated, in three steps so that appends wait only for the first
     * and the last, which are short: {@link #capture} and {@link #commit} run under the lock on the writer thread,
     * {@link #write} (the bulk of the I/O) on the caller's thread while appends go on.
     */
    public interface Checkpoint {
        /** Under the lock, just after a catch-up: take in memory what the file's content amounts to. */
        void capture() throws IOException;

        /** Without the lock, appends continuing: write what {@link #capture} took durably, aside from the file. */
        void write() throws IOException;

        /**
         * Under the lock: add {@code since}, the complete lines appended after the capture (by any process, in file
         * order), to what {@link #write} wrote, and put the result in place durably. Once this returns the file's
         * whole content must be redundant: it is truncated.
         */
        void commit(Unseen since) throws IOException;

        /** The compaction stopped before {@link #commit} returned: remove what {@link #write} left aside. */
        void abandon();
    }

    /**
     * A repair of the file's end, for the audit log (an event per repair) and the operator: where, how many bytes,
     * their SHA-256, and where they went ({@code movedTo}, byte for byte) or null if the line was a whole record and
     * was only given its newline. {@code repaired} is false for a read-only open, which reads around and changes
     * nothing.
     */
    public record Repair(Path file, long offset, long length, String sha256, Path movedTo, boolean repaired) {
        public String describe() {
            String what = file.getFileName() + ": " + length + " bytes at offset " + offset + " without a final newline"
                    + " (sha256 " + sha256 + ")";
            if (!repaired) return what + ": left as found (read-only), read up to the line before";
            return movedTo == null ? what + ": a whole record, kept and given its newline"
                    : what + ": moved aside, byte for byte, to " + movedTo.getFileName();
        }
    }

    /**
     * Tests only: directories whose data files fail every write as a full disk would ({@code ENOSPC}), for the
     * storage fault tests where no real small file system can be mounted (not root). Empty in production.
     */
    private static final java.util.Set<Path> FAILING_DIRECTORIES = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Tests only: makes every write to a data file in {@code dir} fail (or succeed again), as a full disk would. */
    public static void failWritesForTesting(Path dir, boolean failing) {
        Path key = dir.toAbsolutePath().normalize();
        if (failing) FAILING_DIRECTORIES.add(key);
        else FAILING_DIRECTORIES.remove(key);
    }

    static boolean writesFailForTesting(Path file) {
        return !FAILING_DIRECTORIES.isEmpty()
                && FAILING_DIRECTORIES.contains(file.toAbsolutePath().normalize().getParent());
    }

    static final int MAX_BATCH_LINES = 4096;
    static final int MAX_BATCH_BYTES = 1 << 20;
    private static final int HEAD_BYTES = 256;
    private static final System.Logger LOG = System.getLogger(AppendOnlyFile.class.getName());

    private final Path file;
    private final Owner<T> owner;
    private final StorageHealth health;
    /** Reads, size, truncation (rollback, compaction) and fsync (which is per file, whichever descriptor). */
    private final FileChannel data;
    /** Every write: O_APPEND, see {@link #writeFully}. */
    private final FileChannel appender;
    private final FileMutex mutex;
    private FileMutex compactions; // guarded by this; opened by the first compaction
    private final LinkedBlockingQueue<Request<T>> queue = new LinkedBlockingQueue<>();
    private final List<Repair> repairs = new CopyOnWriteArrayList<>();
    private volatile java.util.function.Consumer<Repair> onRepair = r -> {};
    private final boolean readOnly;
    private final Thread writer;
    private volatile long knownSize;
    private byte[] knownHead = new byte[0];
    private volatile boolean stale;
    private long generation; // writer thread only: +1 whenever the file is found or made rewritten
    private boolean closed; // guarded by this

    private AppendOnlyFile(Path file, Owner<T> owner, StorageHealth health, boolean readOnly) throws IOException {
        this.file = file;
        this.readOnly = readOnly;
        this.owner = owner;
        this.health = health;
        this.mutex = new FileMutex(file);
        try {
            this.data = PrivateFiles.openReadWrite(file);
            this.appender = PrivateFiles.openAppend(file);
        } catch (IOException e) {
            mutex.close();
            throw e;
        }
        try {
            // First catch-up on the opening thread: the writer thread does not exist yet.
            mutex.run(() -> syncUnderLock(true));
        } catch (IOException | RuntimeException e) {
            closeChannels();
            throw e;
        }
        this.writer = new Thread(this::run, "append-" + file.getFileName());
        writer.setDaemon(true);
        writer.start();
    }

    /** Opens (creating it and its parent directories, owner-only) and shows the owner the existing lines. */
    public static <T> AppendOnlyFile<T> open(Path file, Owner<T> owner) throws IOException {
        return open(file, owner, new StorageHealth());
    }

    /** As {@link #open(Path, Owner)}, reporting write and read faults to {@code health} (readiness, 503s). */
    public static <T> AppendOnlyFile<T> open(Path file, Owner<T> owner, StorageHealth health) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(parent)) Files.createDirectories(parent, PrivateFiles.ownerOnly(true));
        return new AppendOnlyFile<>(file, owner, health, false);
    }

    /**
     * For commands that only read (issue 13: even {@code ops list} used to cut a torn last line): shows the owner the
     * complete lines, never repairs, writes or compacts; a torn tail is read around and reported in {@link #repairs}.
     * Appends fail with {@link IllegalStateException}.
     */
    public static <T> AppendOnlyFile<T> openReadOnly(Path file, Owner<T> owner) throws IOException {
        return new AppendOnlyFile<>(file, owner, new StorageHealth(), true);
    }

    /** Completes once the item's line is written and fsync'd; fails with the batch's I/O error otherwise. */
    public CompletableFuture<Void> append(T item) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        enqueue(new Request<>(item, null, done, null));
        return done;
    }

    /**
     * Like {@link #append}, but the owner's {@link Owner#admit} decides under the lock whether the line is written:
     * completes with {@code true} once it is durable, or {@code false} (nothing written) if it was not admitted.
     */
    public CompletableFuture<Boolean> appendIf(T item) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Request<T> request = new Request<>(item, null, done, new boolean[] {false});
        enqueue(request);
        return done.thenApply(written -> request.refused[0] ? Boolean.FALSE : Boolean.TRUE);
    }

    /**
     * Shows the owner what other processes appended. Cheap when nothing changed: one {@code stat}, no lock.
     * (Residual: a compaction followed by regrowth to exactly our size between two calls looks unchanged here;
     * the next append or changed size detects it by the first line.)
     */
    public void catchUp() throws IOException {
        if (!stale && Files.size(file) == knownSize) return;
        onWriter(() -> mutex.run(() -> syncUnderLock(false)));
    }

    /**
     * Saves the checkpoint, then truncates the file to empty (plus the owner's header). One compaction at a time
     * across processes (an OS lock on {@code <name>.compact.lock}); the file's lock is held only while the checkpoint
     * is captured and while it is committed, not while it is written, so appends are not stalled by a large one.
     *
     * <p>Crash safety is the checkpoint's: until {@link Checkpoint#commit} puts it in place the file holds
     * everything; after, the file's lines are redundant with it (and replaying them on top must be harmless).
     * If another process rewrote the file meanwhile (a compaction that did not take our lock), this one gives up.
     */
    public void compact(Checkpoint checkpoint) throws IOException {
        if (readOnly) throw new IllegalStateException(file.getFileName() + " is open read-only");
        compactionMutex().run(() -> {
            boolean[] committed = {false};
            try {
                long[] captured = new long[2]; // size, generation
                onWriter(() -> mutex.run(() -> {
                    syncUnderLock(false);
                    checkpoint.capture();
                    captured[0] = knownSize;
                    captured[1] = generation;
                }));
                checkpoint.write();
                onWriter(() -> mutex.run(() -> {
                    syncUnderLock(false);
                    if (generation != captured[1] || knownSize < captured[0]) {
                        throw new IOException(file.getFileName() + " was rewritten by another process during "
                                + "compaction; compaction abandoned");
                    }
                    checkpoint.commit(new Unseen(data, captured[0], knownSize, false));
                    committed[0] = true;
                    // Truncate, never delete or replace: other processes keep the file open and must see our writes.
                    data.truncate(0);
                    data.force(true);
                    generation++;
                    knownSize = 0;
                    knownHead = new byte[0];
                    writeHeaderIfEmpty();
                    refreshHead();
                }));
            } finally {
                if (!committed[0]) checkpoint.abandon();
            }
        });
    }

    private synchronized FileMutex compactionMutex() throws IOException {
        if (closed) throw new IllegalStateException(file.getFileName() + " is closed");
        if (compactions == null) compactions = new FileMutex(file.resolveSibling(file.getFileName() + ".compact"));
        return compactions;
    }

    /** Bytes of the file as of this instance's last write or catch-up. */
    public long size() {
        return knownSize;
    }

    public Path path() {
        return file;
    }

    /** What was repaired (or, read-only, found and left) at the file's end, for the audit log and the operator. */
    public List<Repair> repairs() {
        return List.copyOf(repairs);
    }

    /**
     * Called on the writer thread, under the lock, for each repair made after this is set (those made at open are in
     * {@link #repairs}): for the audit log, so that a repair at run time is on the record too. Must not block.
     */
    public void onRepair(java.util.function.Consumer<Repair> listener) {
        onRepair = java.util.Objects.requireNonNull(listener);
    }

    /** {@link #repairs}, described for the operator's log. */
    public List<String> recoveryNotes() {
        return repairs.stream().map(Repair::describe).toList();
    }

    /** Writes what is queued, then stops the writer. Later appends fail with {@link IllegalStateException}. */
    @Override
    public void close() {
        synchronized (this) {
            if (!closed) {
                closed = true;
                queue.add(new Request<>(null, null, null, null)); // poison: nothing can be queued after it
            }
        }
        if (Thread.currentThread() != writer) {
            boolean interrupted = false;
            while (writer.isAlive()) {
                try {
                    writer.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
        }
        closeChannels();
    }

    private void closeChannels() {
        mutex.close();
        FileMutex compacting;
        synchronized (this) {
            compacting = compactions;
        }
        // Outside the monitor: this waits for a compaction that holds the mutex, and that compaction needs the
        // monitor to queue its last step (which then fails: the file is closed), so holding it here would deadlock.
        if (compacting != null) compacting.close();
        try {
            data.close();
            appender.close();
        } catch (IOException ignored) {
            // all writes were forced already
        }
    }

    private void enqueue(Request<T> request) {
        if (readOnly && request.isAppend()) {
            request.done.completeExceptionally(new IllegalStateException(file.getFileName() + " is open read-only"));
            return;
        }
        synchronized (this) {
            if (!closed) {
                queue.add(request);
                return;
            }
        }
        request.done.completeExceptionally(new IllegalStateException(file.getFileName() + " is closed"));
    }

    /** Runs on the writer thread and waits; directly if already there (a future continuation), to not deadlock. */
    private void onWriter(FileMutex.IoAction action) throws IOException {
        if (Thread.currentThread() == writer) {
            action.run();
            return;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        enqueue(new Request<>(null, action, done, null));
        try {
            done.join();
        } catch (java.util.concurrent.CompletionException e) {
            // A new exception for this thread's stack; a storage fault keeps its type (the HTTP layer answers 503).
            if (e.getCause() instanceof StorageUnavailable s) throw new StorageUnavailable(s.fault(), s);
            if (e.getCause() instanceof IOException io) throw new IOException(io.getMessage(), io);
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw e;
        }
    }

    private void run() {
        Deque<Request<T>> pending = new ArrayDeque<>();
        while (true) {
            if (pending.isEmpty()) {
                try {
                    pending.add(queue.take());
                } catch (InterruptedException e) {
                    continue; // only close() stops the writer: queued callers are waiting on us
                }
                queue.drainTo(pending, MAX_BATCH_LINES);
            }
            Request<T> head = pending.peek();
            if (head.done == null) return; // poison; everything before it was handled
            if (head.action != null) {
                pending.poll();
                try {
                    head.action.run();
                    head.done.complete(null);
                } catch (Throwable t) {
                    head.done.completeExceptionally(t);
                }
            } else {
                writeBatch(pending);
            }
        }
    }

    /** Takes consecutive appends off {@code pending} (up to the batch bounds) and commits them with one fsync. */
    private void writeBatch(Deque<Request<T>> pending) {
        List<Request<T>> batch = new ArrayList<>();
        List<Request<T>> refused = new ArrayList<>();
        Throwable failure = null;
        try {
            mutex.run(() -> {
                syncUnderLock(false);
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                while (!pending.isEmpty() && pending.peek().isAppend()
                        && batch.size() < MAX_BATCH_LINES && bytes.size() < MAX_BATCH_BYTES) {
                    Request<T> request = pending.poll();
                    byte[] line;
                    try {
                        if (request.refused != null && !owner.admit(request.item)) {
                            request.refused[0] = true;
                            refused.add(request);
                            continue;
                        }
                        line = encodeLine(request.item);
                    } catch (RuntimeException e) {
                        request.done.completeExceptionally(e);
                        if (request.refused == null) continue;
                        // The owner may have counted this item as admitted, but it will not be written: end the
                        // batch here and show the owner a catch-up before it judges the next item.
                        stale = true;
                        break;
                    }
                    bytes.write(line, 0, line.length);
                    batch.add(request);
                }
                if (batch.isEmpty()) return;
                long start = knownSize;
                try {
                    writeFully(ByteBuffer.wrap(bytes.toByteArray()), start);
                    data.force(false);
                } catch (IOException | RuntimeException e) {
                    rollBack(start, e);
                    throw e;
                }
                long end = data.size();
                if (end == start + bytes.size()) {
                    knownSize = end;
                } else {
                    // Someone wrote without the lock (its lock file was deleted and re-made): our lines are intact
                    // (append mode), but not where we thought. Read again from where we started, in file order.
                    LOG.log(System.Logger.Level.WARNING, file.getFileName() + ": another process appended without"
                            + " holding " + file.getFileName() + ".lock; re-reading from offset " + start);
                    knownSize = start;
                    stale = true;
                }
                refreshHead();
                health.cleared(file, StorageHealth.Condition.WRITE_FAILED);
                owner.durable(batch.stream().map(r -> r.item).toList());
            });
        } catch (Throwable t) {
            failure = t;
            if (t instanceof IOException io && !(t instanceof StorageUnavailable)) {
                StorageHealth.Fault fault = new StorageHealth.Fault(file, StorageHealth.Condition.WRITE_FAILED,
                        PrivateFiles.explain(io));
                health.failed(file, fault.condition(), fault.reason());
                failure = new StorageUnavailable(fault, io);
            }
            // The owner encoded lines that may not be in the file: make it resynchronise before the next batch.
            stale = true;
            if (batch.isEmpty()) {
                // The lock or the catch-up failed before anything was encoded: this batch is what was pending.
                while (!pending.isEmpty() && pending.peek().isAppend() && batch.size() < MAX_BATCH_LINES) {
                    batch.add(pending.poll());
                }
            }
        }
        // Refused items wrote nothing; their verdict stands even if the admitted ones failed to be written.
        for (Request<T> request : refused) request.done.complete(null);
        for (Request<T> request : batch) {
            if (failure == null) request.done.complete(null);
            else request.done.completeExceptionally(failure);
        }
    }

    private byte[] encodeLine(T item) {
        String line = owner.encode(item);
        if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("encoded line contains a line break");
        }
        return (line + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** A failed future means "not known to be durable": remove what we may have half-written, if we still can. */
    private void rollBack(long start, Throwable cause) {
        try {
            data.truncate(start);
            data.force(false);
        } catch (IOException | RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    /** Must hold the lock. Repairs a torn tail, detects rewrites, and shows the owner what it has not seen. */
    private void syncUnderLock(boolean opening) throws IOException {
        long size = data.size();
        if (size > 0 && lastByte(size) != '\n') size = repairTornTail(size);
        boolean fromStart = opening || size < knownSize || !Arrays.equals(head(knownHead.length), knownHead);
        if (fromStart || stale || size != knownSize) {
            long from = fromStart ? 0 : knownSize;
            catchUpOwner(new Unseen(data, from, size, fromStart));
            knownSize = size;
            if (fromStart) {
                knownHead = new byte[0];
                generation++;
            }
            stale = false;
        }
        writeHeaderIfEmpty();
        refreshHead();
    }

    /**
     * A line the owner cannot read leaves its memory behind the file: the fault is reported (fail closed until a
     * catch-up succeeds) and the catch-up is retried from the same place next time.
     */
    private void catchUpOwner(Unseen unseen) throws IOException {
        try {
            owner.catchUp(unseen);
        } catch (IOException | RuntimeException e) {
            String reason = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            StorageHealth.Fault fault = new StorageHealth.Fault(file, StorageHealth.Condition.UNREADABLE, reason);
            health.failed(file, fault.condition(), reason);
            stale = true; // look again next time even if the size is back to what we knew (the line was removed)
            throw new StorageUnavailable(fault, e);
        }
        health.cleared(file, StorageHealth.Condition.UNREADABLE);
    }

    /** A last line without {@code '\n'} seen under the lock: see {@link TornTail}. Reports each repair once. */
    private long repairTornTail(long size) throws IOException {
        TornTail.Outcome outcome = TornTail.handle(file, data, appender, size, readOnly, owner::isCompleteRecord);
        Repair repair = outcome.repair();
        if (!repairs.contains(repair)) {
            repairs.add(repair);
            LOG.log(System.Logger.Level.WARNING, repair.describe());
            if (repair.repaired()) {
                try {
                    onRepair.accept(repair);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "recording a repair failed: " + repair.describe(), e);
                }
            }
        }
        return outcome.end();
    }

    private void writeHeaderIfEmpty() throws IOException {
        String header = knownSize == 0 && !readOnly ? owner.header() : null;
        if (header == null) return;
        byte[] line = (header + "\n").getBytes(StandardCharsets.UTF_8);
        writeFully(ByteBuffer.wrap(line), 0);
        data.force(false);
        knownSize = line.length;
    }

    private void refreshHead() throws IOException {
        if (knownHead.length < HEAD_BYTES) knownHead = head((int) Math.min(HEAD_BYTES, knownSize));
    }

    private byte[] head(int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining() && data.read(buf, buf.position()) > 0) {
            // positional reads until full or end of file
        }
        return buf.position() == length ? buf.array() : Arrays.copyOf(buf.array(), buf.position());
    }

    private int lastByte(long size) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        data.read(one, size - 1);
        return one.get(0);
    }

    /**
     * Appends at the end of the file whatever {@code position} we expected: the channel is in append mode, so bytes
     * another writer added (a process whose lock file was deleted under us) are never overwritten, only followed.
     * If the end was not where we expected, the chain or replay order may be off, which {@code audit verify} and
     * the next catch-up see; an overwrite of acknowledged lines could not be seen by anyone.
     */
    private void writeFully(ByteBuffer buf, long position) throws IOException {
        if (writesFailForTesting(file)) {
            throw new IOException("No space left on device (injected)");
        }
        while (buf.hasRemaining()) appender.write(buf);
    }

    /** {@code refused} is null for unconditional appends, else set to true when the owner did not admit the item. */
    private record Request<T>(T item, FileMutex.IoAction action, CompletableFuture<Void> done, boolean[] refused) {
        boolean isAppend() {
            return done != null && action == null;
        }
    }
}
