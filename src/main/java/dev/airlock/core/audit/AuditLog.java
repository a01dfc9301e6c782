package dev.airlock.core.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.core.journal.AppendOnlyFile;
import dev.airlock.core.journal.StorageHealth;
import dev.airlock.core.journal.Unseen;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The hash-chained audit log: one JSON object per line,
 * {@code {"seq":N,"ts":"…","type":"…",<fields>,"prev":"<previous line's hash>","hash":"<sha256 of this line
 * without hash>"}}. Editing, removing, inserting or reordering a line breaks the chain ({@link AuditVerifier}).
 *
 * <p>The chain alone is unkeyed: someone who can write the file could edit a line and recompute every later hash.
 * So a log opened with an {@link AuditKey} (the server's) also writes a signed checkpoint line
 * ({@code "type":"audit.checkpoint"}) every {@value #CHECKPOINT_EVERY} events it appends, when it opens a log whose
 * last line is not one, and when it closes: the signature covers the hash of the line before it, so rewriting
 * anything before a checkpoint needs the key ({@link AuditVerifier} checks every signature). Each checkpoint is also
 * written to the {@value #SHIPPED_LOGGER} logger once durable, one JSON line, for a log collector to keep off the
 * machine: dropping whole trailing lines, checkpoints included, is caught only against a head recorded elsewhere
 * ({@code airlock audit verify --expect}). Signing is once per checkpoint, not per event, on the writer thread.
 *
 * <p>Several processes (server and CLI) may append: seq and prev are computed on the writer thread under the file
 * lock, after re-reading the last line whenever another process appended.
 */
public final class AuditLog implements AuditTrail {
    /**
     * Events between signed checkpoints. What an attacker with write access can rewrite without the key is what
     * follows the last checkpoint: at most this many events of a running server (plus what the CLI appended since),
     * and those only until the next checkpoint is shipped. 1,000 events are seconds of a busy server and hours of a
     * quiet one; the cost is one Ed25519 signature (tens of µs: {@code SignVerifyBenchmark.sign} ran about 28,000 a
     * second here, bench/results/2026-11-24-jmh.md) and one line per 1,000 events.
     */
    public static final int CHECKPOINT_EVERY = 1_000;
    /** Where each durable checkpoint is logged, one JSON line, to be shipped off the machine. */
    public static final String SHIPPED_LOGGER = "dev.airlock.audit.checkpoint";

    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final System.Logger SHIPPED = System.getLogger(SHIPPED_LOGGER);
    /** Queued to ask the writer for a checkpoint; only its identity matters. */
    private static final AuditLines.Prepared CHECKPOINT = new AuditLines.Prepared("\"" + AuditFormat.CHECKPOINT + "\"", "");

    private final AppendOnlyFile<AuditLines.Prepared> file;
    private final AtomicLong appended = new AtomicLong();
    private final AtomicReference<String> lastCheckpoint = new AtomicReference<>();
    private final AuditKey key;
    private final int every;
    /** Events this instance queued, and how many of them the last checkpoint it queued came after. */
    private final AtomicLong queued = new AtomicLong();
    private volatile long queuedAtCheckpoint;

    private AuditLog(Path path, Clock clock, AuditKey key, int every) throws IOException {
        this(path, clock, key, every, new StorageHealth(), false);
    }

    private AuditLog(Path path, Clock clock, AuditKey key, int every, StorageHealth health, boolean readOnly)
            throws IOException {
        if (every < 1) throw new IllegalArgumentException("checkpoint interval must be positive");
        this.key = key;
        this.every = every;
        Chain chain = new Chain(path, clock, appended, key, lastCheckpoint);
        this.file = readOnly ? AppendOnlyFile.openReadOnly(path, chain) : AppendOnlyFile.open(path, chain, health);
        // Lines appended while no server ran (the CLI's, or a crashed server's last ones) are signed at once.
        if (key != null && chain.seq > 0 && !chain.lastIsCheckpoint) checkpoint();
    }

    /**
     * Opens or creates the log (and its parent directories) and positions the chain after its last line. Never
     * signs: for processes without the master key (the CLI); the next checkpoint of a server covers their lines.
     */
    public static AuditLog open(Path file, Clock clock) throws IOException {
        return new AuditLog(file, clock, null, CHECKPOINT_EVERY);
    }

    /** As {@link #open(Path, Clock)}, and signs a checkpoint every {@value #CHECKPOINT_EVERY} events with {@code key}. */
    public static AuditLog open(Path file, Clock clock, AuditKey key) throws IOException {
        return new AuditLog(file, clock, key, CHECKPOINT_EVERY);
    }

    /** As {@link #open(Path, Clock, AuditKey)}, reporting write and read faults to {@code health}. */
    public static AuditLog open(Path file, Clock clock, AuditKey key, StorageHealth health) throws IOException {
        return new AuditLog(file, clock, key, CHECKPOINT_EVERY, health, false);
    }

    /** For commands that only read: never repairs the log's end (see {@link AppendOnlyFile#openReadOnly}). */
    public static AuditLog openReadOnly(Path file, Clock clock) throws IOException {
        return new AuditLog(file, clock, null, CHECKPOINT_EVERY, new StorageHealth(), true);
    }

    /** Tests: checkpoints every {@code every} events. */
    static AuditLog open(Path file, Clock clock, AuditKey key, int every) throws IOException {
        return new AuditLog(file, clock, key, every);
    }

    /**
     * Completes when the event's line is fsync'd. Throws {@link IllegalArgumentException} at once for a reserved
     * field name ({@code seq ts type prev hash}) or a value that is not a String, finite Number, Boolean or a List
     * of those: a caller bug, not an I/O outcome.
     */
    @Override
    public CompletableFuture<Void> append(AuditEvent event) {
        CompletableFuture<Void> durable = file.append(AuditLines.prepare(event));
        if (key != null && queued.incrementAndGet() % every == 0) checkpoint();
        return durable;
    }

    /**
     * The last checkpoint this instance made durable, as shipped (one JSON object), if any: for a caller that must
     * copy it out when logging may already be shut down (at process exit).
     */
    public Optional<String> lastCheckpoint() {
        return Optional.ofNullable(lastCheckpoint.get());
    }

    /**
     * Reads the file from its start on a pool thread (never the caller's, which may be an event loop): lines that
     * other processes append meanwhile may or may not be seen, as for any read of a growing file.
     */
    @Override
    public CompletableFuture<Boolean> issued(String jti) {
        Path path = file.path();
        return CompletableFuture.supplyAsync(() -> {
            // A reader that replaces malformed bytes (a torn last line) rather than failing, as Files.lines would.
            try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(
                    java.nio.file.Files.newInputStream(path), StandardCharsets.UTF_8), 1 << 16)) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (IssuedTokens.records(line, jti)) return true;
                }
                return false;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the audit log " + path, e);
            }
        });
    }

    /** Queues a signed checkpoint after whatever is queued now. A failed write is retried by the next one. */
    private void checkpoint() {
        queuedAtCheckpoint = queued.get();
        file.append(CHECKPOINT);
    }

    /** Events this process made durable since open; cheap, for metrics. */
    public long appendedCount() {
        return appended.get();
    }

    public Path path() {
        return file.path();
    }

    /** Repairs made at open (a torn last line moved aside after a crash). */
    public List<String> recoveryNotes() {
        return file.recoveryNotes();
    }

    public List<AppendOnlyFile.Repair> repairs() {
        return file.repairs();
    }

    /** Repairs of this log's end made from now on (at run time), as they happen; see AppendOnlyFile#onRepair. */
    public void onRepair(java.util.function.Consumer<AppendOnlyFile.Repair> listener) {
        file.onRepair(listener);
    }

    /**
     * One {@code storage.repaired} event per repair of a data file's end (this log's or the journal's), so that a
     * repair is never silent (issue 13, finding 3): the file, the offset and length of the bytes, their SHA-256, and
     * the file they were moved to (or {@code kept_as_record}). Completes when all are durable.
     */
    public CompletableFuture<Void> recordRepairs(List<AppendOnlyFile.Repair> repairs) {
        CompletableFuture<?>[] written = repairs.stream().filter(AppendOnlyFile.Repair::repaired).map(r -> {
            AuditEvent.Builder e = AuditEvent.of("storage.repaired").with("file", r.file().getFileName().toString())
                    .with("offset", r.offset()).with("length", r.length()).with("sha256", r.sha256());
            e = r.movedTo() == null ? e.with("action", "kept_as_record")
                    : e.with("action", "moved_aside").with("moved_to", r.movedTo().getFileName().toString());
            return append(e.build());
        }).toArray(CompletableFuture[]::new);
        return CompletableFuture.allOf(written);
    }

    /** Signs what this instance appended since its last checkpoint, then closes (the queue is written first). */
    @Override
    public void close() {
        if (key != null && queued.get() != queuedAtCheckpoint) {
            try {
                checkpoint();
            } catch (RuntimeException alreadyClosed) {
                // closed twice: the first close signed
            }
        }
        file.close();
    }

    /** Chain state; touched only under the file lock by the writer thread (or the opening thread). */
    private static final class Chain implements AppendOnlyFile.Owner<AuditLines.Prepared> {
        private final Path path;
        private final Clock clock;
        private final AtomicLong appended;
        private final AuditKey key;
        private final AtomicReference<String> lastShipped;
        private long seq;
        private String prev = AuditFormat.GENESIS;
        private boolean lastIsCheckpoint;
        /** Checkpoints of the batch being written, shipped once it is durable. */
        private final List<String> unshipped = new ArrayList<>();

        Chain(Path path, Clock clock, AtomicLong appended, AuditKey key, AtomicReference<String> lastShipped) {
            this.path = path;
            this.clock = clock;
            this.appended = appended;
            this.key = key;
            this.lastShipped = lastShipped;
        }

        /** Another process appended (or a batch of ours failed): continue after whatever line is last now. */
        @Override
        public void catchUp(Unseen unseen) throws IOException {
            unshipped.clear(); // a batch that failed: its checkpoints were not written
            Optional<String> last = unseen.lastLine();
            if (last.isEmpty()) {
                seq = 0;
                prev = AuditFormat.GENESIS;
                lastIsCheckpoint = false;
                return;
            }
            JsonNode node;
            try {
                node = MAPPER.readTree(last.get());
            } catch (IOException e) {
                node = null;
            }
            JsonNode s = node == null ? null : node.get("seq");
            JsonNode h = node == null ? null : node.get("hash");
            if (s == null || !s.isIntegralNumber() || h == null || !AuditFormat.isHex64(h.asText())) {
                // Fail closed: extending a chain whose end we cannot read would hide where the damage is.
                throw new IOException(path + ": the last line is not an audit record; refusing to append"
                        + " (run 'airlock audit verify')");
            }
            seq = s.longValue();
            prev = h.asText();
            lastIsCheckpoint = AuditFormat.CHECKPOINT.equals(node.path("type").asText());
        }

        @Override
        public String encode(AuditLines.Prepared event) {
            boolean checkpoint = event == CHECKPOINT;
            AuditLines.Line line = checkpoint ? AuditLines.checkpoint(seq, prev, clock.instant(), key)
                    : AuditLines.event(seq, prev, clock.instant(), event);
            if (checkpoint) unshipped.add(line.shipped());
            seq = line.seq();
            prev = line.hash();
            lastIsCheckpoint = checkpoint;
            return line.text();
        }

        /** A line that parses as JSON with a seq and a hash is whole; the chain check ({@code audit verify}) judges it. */
        @Override
        public boolean isCompleteRecord(byte[] line) {
            try {
                JsonNode node = MAPPER.readTree(line);
                return node != null && node.path("seq").isIntegralNumber() && AuditFormat.isHex64(node.path("hash")
                        .asText());
            } catch (IOException torn) {
                return false;
            }
        }

        @Override
        public void durable(List<AuditLines.Prepared> items) {
            appended.addAndGet(items.size());
            // Off the machine with the log collector: rewriting history then needs the key and this copy.
            for (String checkpoint : unshipped) {
                SHIPPED.log(System.Logger.Level.INFO, "audit checkpoint " + checkpoint);
                lastShipped.set(checkpoint);
            }
            unshipped.clear();
        }
    }
}
