package dev.airlock.store.embedded;

import dev.airlock.core.journal.AppendOnlyFile;
import dev.airlock.core.journal.LineReader;
import dev.airlock.core.journal.PrivateFiles;
import dev.airlock.core.journal.StorageHealth;
import dev.airlock.core.journal.StorageUnavailable;
import dev.airlock.core.journal.Unseen;
import dev.airlock.core.store.AssertionLimits;
import dev.airlock.core.store.Retention;
import dev.airlock.core.store.Ticker;
import dev.airlock.core.store.StateStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import dev.airlock.core.grant.Grant;
import dev.airlock.core.ops.OpsAccount;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/**
 * The embedded {@link StateStore}: {@code state.journal} (JSON lines, group-committed by {@link AppendOnlyFile})
 * on top of an optional {@code state.snapshot} (the same lines, one per live key).
 *
 * <p>Memory is changed only in file order, under the journal lock: our own ops once durable (before their futures
 * complete), other processes' ops when caught up. So memory is always the state of some prefix of the file, and a
 * reader never sees an older secret win over a newer one.
 *
 * <p>Replay protection for client assertions is atomic within this process only. Assertions are checked by the
 * server; several servers sharing one data directory is not a supported deployment (scale-out uses PostgreSQL).
 * The ids are held in memory under {@link AssertionLimits}; see {@link UsedAssertions}.
 */
public final class FileStateStore implements StateStore {

    static final String JOURNAL = "state.journal";
    static final String SNAPSHOT = "state.snapshot";
    public static final long DEFAULT_COMPACT_ABOVE_BYTES = 4L << 20;
    private static final Duration PURGE_EVERY = Duration.ofMinutes(1);

    private final Path dir;
    private final Ticker ticker;
    private final long compactAboveBytes;
    private final StateMemory memory;
    private final StorageHealth health;
    private final boolean readOnly;
    private final AppendOnlyFile<StateOp> journal;
    /** Monotonic, so that a wall clock stepped back a day does not also stop purging for a day. */
    private volatile long nextPurgeNanos;
    private volatile boolean purgedOnce;
    private volatile Runnable snapshotWritten = () -> {};
    /** When the journal was last read to its end (open, or a refresh that completed): {@link #propagationLag}. */
    private volatile long caughtUpNanos;
    private final AtomicBoolean compacting = new AtomicBoolean();

    private FileStateStore(Path dir, Clock clock, long compactAboveBytes, AssertionLimits assertionLimits)
            throws IOException {
        this(dir, clock, compactAboveBytes, assertionLimits, new StorageHealth(), false);
    }

    private FileStateStore(Path dir, Clock clock, long compactAboveBytes, AssertionLimits assertionLimits,
                           StorageHealth health, boolean readOnly) throws IOException {
        this.dir = dir;
        this.health = health;
        this.ticker = Ticker.of(clock);
        this.compactAboveBytes = compactAboveBytes;
        this.memory = new StateMemory(assertionLimits, new Retention(clock, ticker));
        this.readOnly = readOnly;
        this.journal = readOnly ? AppendOnlyFile.openReadOnly(dir.resolve(JOURNAL), new Journal())
                : AppendOnlyFile.open(dir.resolve(JOURNAL), new Journal(), health);
        this.caughtUpNanos = ticker.nanoTime();
        try {
            purgeIfDue();
            if (!readOnly) compactIfLarge();
        } catch (IOException | RuntimeException e) {
            journal.close();
            throw e;
        }
    }

    /**
     * Opens the store in {@code dataDir} (created if needed), with {@link AssertionLimits#DEFAULT}; compacts the
     * journal when it exceeds 4 MiB.
     */
    public static FileStateStore open(Path dataDir, Clock clock) throws IOException {
        return open(dataDir, clock, AssertionLimits.DEFAULT);
    }

    public static FileStateStore open(Path dataDir, Clock clock, AssertionLimits assertionLimits) throws IOException {
        return new FileStateStore(dataDir, clock, DEFAULT_COMPACT_ABOVE_BYTES, assertionLimits);
    }

    /** Compacts the journal each time it passes {@code compactAboveBytes} (at open and on {@link #refresh}). */
    public static FileStateStore open(Path dataDir, Clock clock, AssertionLimits assertionLimits,
                                      long compactAboveBytes) throws IOException {
        return new FileStateStore(dataDir, clock, compactAboveBytes, assertionLimits);
    }

    /** As above, reporting write and read faults of the journal to {@code health} (readiness, 503s). */
    public static FileStateStore open(Path dataDir, Clock clock, AssertionLimits assertionLimits,
                                      long compactAboveBytes, StorageHealth health) throws IOException {
        return new FileStateStore(dataDir, clock, compactAboveBytes, assertionLimits, health, false);
    }

    /**
     * For commands that only read: never repairs a torn journal end (reads up to the line before and reports it in
     * {@link #repairs}), never compacts; every write fails.
     */
    public static FileStateStore openReadOnly(Path dataDir, Clock clock) throws IOException {
        return new FileStateStore(dataDir, clock, DEFAULT_COMPACT_ABOVE_BYTES, AssertionLimits.DEFAULT,
                new StorageHealth(), true);
    }

    static FileStateStore open(Path dataDir, Clock clock, long compactAboveBytes) throws IOException {
        return new FileStateStore(dataDir, clock, compactAboveBytes, AssertionLimits.DEFAULT);
    }

    @Override
    public CompletableFuture<Void> revoke(String jti, Instant tokenExpiresAt) {
        return journal.append(new StateOp.Revoke(Objects.requireNonNull(jti), tokenExpiresAt.getEpochSecond()));
    }

    @Override
    public boolean isRevoked(String jti) {
        return memory.revoked.containsKey(jti);
    }

    @Override
    public CompletableFuture<Void> setFrozen(String environment, boolean frozen) {
        return journal.append(new StateOp.Freeze(Objects.requireNonNull(environment), frozen));
    }

    @Override
    public boolean isFrozen(String environment) {
        return Boolean.TRUE.equals(memory.frozen.get(environment));
    }

    @Override
    public Set<String> frozenEnvironments() {
        return memory.frozen.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey)
                .collect(Collectors.toUnmodifiableSet());
    }

    @Override
    public CompletableFuture<Void> putAgentSecretHash(String agentId, String sha256Hex) {
        return journal.append(new StateOp.Secret(Objects.requireNonNull(agentId), Objects.requireNonNull(sha256Hex)));
    }

    @Override
    public Optional<String> agentSecretHash(String agentId) {
        return Optional.ofNullable(memory.secrets.get(agentId));
    }

    @Override
    public CompletableFuture<Void> setAgentDisabled(String agentId, boolean disabled) {
        return journal.append(new StateOp.AgentDisabled(Objects.requireNonNull(agentId), disabled));
    }

    @Override
    public boolean isAgentDisabled(String agentId) {
        return memory.isAgentDisabled(agentId);
    }

    @Override
    public CompletableFuture<Void> voidAgentTokens(String agentId, Instant notBefore) {
        return journal.append(new StateOp.AgentTokensVoid(Objects.requireNonNull(agentId), notBefore.getEpochSecond()));
    }

    @Override
    public Optional<Instant> agentTokensVoidUntil(String agentId) {
        return memory.agentTokensVoidUntil(agentId);
    }

    @Override
    public CompletableFuture<Boolean> recordAssertion(String clientId, String jti, Instant assertionExpiresAt) {
        long exp = assertionExpiresAt.getEpochSecond();
        try {
            if (!memory.reserveAssertion(Objects.requireNonNull(clientId), Objects.requireNonNull(jti), exp)) {
                return CompletableFuture.completedFuture(false);
            }
        } catch (AssertionLimits.Reached full) {
            return CompletableFuture.failedFuture(full);
        }
        return journal.append(new StateOp.Assertion(clientId, jti, exp)).thenApply(durable -> true);
    }

    @Override
    public Optional<Grant> grant(String id) {
        return Optional.ofNullable(memory.grants.get(id));
    }

    @Override
    public List<Grant> grants() {
        return memory.grants.values().stream().sorted(Comparator.comparing(Grant::createdAt).thenComparing(Grant::id))
                .toList();
    }

    @Override
    public CompletableFuture<Boolean> saveGrant(Grant next) {
        return saveVersioned(new StateOp.SaveGrant(Objects.requireNonNull(next)));
    }

    @Override
    public void forgetGrants(java.util.Collection<String> ids) {
        memory.forgetGrants(ids);
    }

    @Override
    public Optional<OpsAccount> opsAccount(String name) {
        return Optional.ofNullable(memory.opsAccounts.get(name));
    }

    @Override
    public List<OpsAccount> opsAccounts() {
        return memory.opsAccounts.values().stream().sorted(Comparator.comparing(OpsAccount::name)).toList();
    }

    @Override
    public CompletableFuture<Boolean> saveOpsAccount(OpsAccount next) {
        return saveVersioned(new StateOp.SaveOps(Objects.requireNonNull(next)));
    }

    /**
     * Queues the record as its journal line will read back, so that memory, other processes and a restart all hold
     * the same value (the line keeps instants to the millisecond). A record the journal could not read back (a
     * required field null) fails here instead of being written and then stopping every later open; and encoding can
     * no longer fail after {@link StateMemory#admit} counted the op, which would leave a version "admitted" that was
     * never written (refusing the real next version, accepting the one after it).
     */
    private CompletableFuture<Boolean> saveVersioned(StateOp op) {
        StateOp asRead;
        try {
            asRead = StateOp.parse(op.toJson());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("record cannot be journaled: " + e, e));
        }
        return journal.appendIf(asRead);
    }

    /**
     * One {@code stat} when nothing changed; also purges expired entries and compacts a large journal. A storage
     * fault is not thrown from here: it is in {@link StorageHealth} (logged once, readiness, 503s), and the poller
     * that calls this four times a second would otherwise log it four times a second.
     */
    @Override
    public void refresh() {
        try {
            long started = ticker.nanoTime();
            journal.catchUp();
            // Every line another process had appended before this catch-up began is now applied.
            caughtUpNanos = started;
        } catch (StorageUnavailable reported) {
            return;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        purgeIfDue();
        if (readOnly) return;
        try {
            compactIfLarge();
        } catch (IOException e) {
            // A compaction that cannot write its snapshot is a write fault like any other: reported once, retried.
            health.failed(dir.resolve(JOURNAL), StorageHealth.Condition.WRITE_FAILED, PrivateFiles.explain(e));
        }
    }

    /**
     * Monotonic time since the last catch-up that completed: another process's append is applied here at most this
     * late. The server refreshes every 250 ms, so a healthy value stays below that plus one catch-up; it keeps growing
     * while the journal cannot be read (the read fault is reported once, by {@link StorageHealth}).
     */
    @Override
    public Duration propagationLag() {
        return Duration.ofNanos(Math.max(0, ticker.nanoTime() - caughtUpNanos));
    }

    /** Repairs made at open (a torn last journal line moved aside after a crash). */
    public List<String> recoveryNotes() {
        return journal.recoveryNotes();
    }

    /** Repairs of the journal's end made from now on (at run time), as they happen; see AppendOnlyFile#onRepair. */
    public void onRepair(java.util.function.Consumer<AppendOnlyFile.Repair> listener) {
        journal.onRepair(listener);
    }

    /** The same, as values for the audit log ({@code AuditLog.recordRepairs}). */
    public List<AppendOnlyFile.Repair> repairs() {
        return journal.repairs();
    }

    @Override
    public void close() {
        journal.close();
    }

    /** Tests: runs after a compaction's snapshot is written and before it is committed (the journal is unlocked). */
    void onSnapshotWritten(Runnable hook) {
        snapshotWritten = Objects.requireNonNull(hook);
    }

    private void purgeIfDue() {
        long now = ticker.nanoTime();
        if (purgedOnce && now - nextPurgeNanos < 0) return;
        memory.purgeExpired();
        nextPurgeNanos = now + PURGE_EVERY.toNanos();
        purgedOnce = true;
    }

    /**
     * Past the size limit, writes {@code state.snapshot} (every live key as of now) and empties the journal,
     * stalling appends only for the capture and the commit: see {@link Snapshot}.
     */
    private void compactIfLarge() throws IOException {
        // Refreshes run every 250 ms on any worker thread; one that finds a compaction running must not queue
        // another behind it (which would then rewrite the snapshot of a journal just emptied).
        if (journal.size() <= compactAboveBytes || !compacting.compareAndSet(false, true)) return;
        try {
            journal.compact(new Snapshot());
        } finally {
            compacting.set(false);
        }
    }

    /**
     * One compaction's snapshot. Capture (journal lock held): copy the live state out of memory. Write (lock
     * released, appends go on): {@code state.snapshot.tmp}, fsync'd. Commit (lock held): append the journal lines
     * written since the capture, fsync, rename over {@code state.snapshot}, fsync the directory; the journal is then
     * truncated. A crash before the rename leaves the old snapshot and the whole journal; a crash after it and
     * before the truncate leaves a journal whose every line is already in the snapshot, and replaying it on top is
     * harmless because each op sets a key to a value (idempotent, last writer wins; versions only move forward).
     */
    private final class Snapshot implements AppendOnlyFile.Checkpoint {
        private final Path tmp = dir.resolve(SNAPSHOT + ".tmp");
        private List<StateOp> live;

        @Override
        public void capture() {
            live = memory.liveOps();
        }

        @Override
        public void write() throws IOException {
            Files.deleteIfExists(tmp); // left by a compaction that crashed; only one compacts at a time
            try (FileChannel out = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    PrivateFiles.ownerOnly(false))) {
                LineWriter lines = new LineWriter(out);
                lines.write(new StateOp.Header("snapshot", UUID.randomUUID().toString()).toJson());
                for (StateOp op : live) lines.write(op.toJson());
                live = null;
                lines.flush();
                out.force(true);
            }
            snapshotWritten.run();
        }

        @Override
        public void commit(Unseen since) throws IOException {
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                LineWriter lines = new LineWriter(out);
                since.forEachLine(line -> lines.write(line.text()));
                lines.flush();
                out.force(true);
            }
            Files.move(tmp, dir.resolve(SNAPSHOT), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            PrivateFiles.fsyncDirectory(dir);
        }

        @Override
        public void abandon() {
            live = null;
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the next compaction deletes it first
            }
        }
    }

    /** Lines to a channel through a 64 KiB buffer, so a large snapshot is never one string in memory. */
    private static final class LineWriter {
        private final FileChannel out;
        private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);

        LineWriter(FileChannel out) {
            this.out = out;
        }

        void write(String line) throws IOException {
            byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
            if (bytes.length > buffer.remaining()) flush();
            if (bytes.length > buffer.capacity()) {
                drain(ByteBuffer.wrap(bytes));
            } else {
                buffer.put(bytes);
            }
        }

        void flush() throws IOException {
            buffer.flip();
            drain(buffer);
            buffer.clear();
        }

        private void drain(ByteBuffer bytes) throws IOException {
            while (bytes.hasRemaining()) out.write(bytes);
        }
    }

    /** Applies the journal to memory, in file order, under its lock. */
    private final class Journal implements AppendOnlyFile.Owner<StateOp> {

        @Override
        public void catchUp(Unseen unseen) throws IOException {
            // From the start (open, or another process compacted): the snapshot holds what the journal lost.
            memory.clearAdmitted();
            if (unseen.fromStart()) loadSnapshot();
            unseen.forEachLine(line -> memory.apply(parse(line.text(),
                    dir.resolve(JOURNAL) + " at byte " + (unseen.from() + line.offset()))));
        }

        @Override
        public String encode(StateOp op) {
            return op.toJson();
        }

        /** A journal op that parses is whole (JSON cannot be cut and still close every brace and quote). */
        @Override
        public boolean isCompleteRecord(byte[] line) {
            try {
                StateOp.parse(new String(line, StandardCharsets.UTF_8));
                return true;
            } catch (RuntimeException torn) {
                return false;
            }
        }

        @Override
        public boolean admit(StateOp op) {
            return memory.admit(op);
        }

        @Override
        public void durable(List<StateOp> ops) {
            ops.forEach(memory::apply);
            memory.clearAdmitted();
        }

        /** Unique per generation, so another process notices a compaction even if the journal regrew. */
        @Override
        public String header() {
            return new StateOp.Header("journal", UUID.randomUUID().toString()).toJson();
        }

        private void loadSnapshot() throws IOException {
            try (LineReader lines = new LineReader(Files.newInputStream(dir.resolve(SNAPSHOT)), 1L << 20)) {
                LineReader.Line line;
                while ((line = lines.next()) != null) {
                    // A snapshot is only ever renamed into place complete and fsync'd: a torn one is damage.
                    String where = dir.resolve(SNAPSHOT) + " line " + line.number();
                    if (!line.complete()) throw new IOException(where + ": no newline (damaged snapshot)");
                    memory.apply(parse(line.text(), where));
                }
            } catch (NoSuchFileException e) {
                // never compacted
            }
        }

        private StateOp parse(String line, String where) throws IOException {
            try {
                return StateOp.parse(line);
            } catch (IllegalArgumentException e) {
                throw new IOException(where + ": " + e.getMessage());
            }
        }
    }
}
