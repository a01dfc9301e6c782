package dev.airlock.core.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.core.journal.AppendOnlyFile;
import dev.airlock.core.journal.Unseen;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The hash-chained audit log: one JSON object per line,
 * {@code {"seq":N,"ts":"…","type":"…",<fields>,"prev":"<previous line's hash>","hash":"<sha256 of this line
 * without hash>"}}. Editing, removing, inserting or reordering a line breaks the chain ({@link AuditVerifier}).
 *
 * <p>Limit: the chain is unkeyed, so someone who can write the file can rewrite everything after an edit, and
 * dropping whole trailing lines leaves a valid chain. Both are caught only against a last hash recorded elsewhere
 * ({@code airlock audit verify} prints it for that purpose).
 *
 * <p>Several processes (server and CLI) may append: seq and prev are computed on the writer thread under the file
 * lock, after re-reading the last line whenever another process appended.
 */
public final class AuditLog implements AuditSink, AutoCloseable {

    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final AppendOnlyFile<Prepared> file;
    private final AtomicLong appended = new AtomicLong();

    private AuditLog(Path path, Clock clock) throws IOException {
        this.file = AppendOnlyFile.open(path, new Chain(path, clock, appended));
    }

    /** Opens or creates the log (and its parent directories) and positions the chain after its last line. */
    public static AuditLog open(Path file, Clock clock) throws IOException {
        return new AuditLog(file, clock);
    }

    /**
     * Completes when the event's line is fsync'd. Throws {@link IllegalArgumentException} at once for a reserved
     * field name ({@code seq ts type prev hash}) or a value that is not a String, finite Number, Boolean or a List
     * of those: a caller bug, not an I/O outcome.
     */
    @Override
    public CompletableFuture<Void> append(AuditEvent event) {
        return file.append(prepare(event));
    }

    /** Events this process made durable since open; cheap, for metrics. */
    public long appendedCount() {
        return appended.get();
    }

    public Path path() {
        return file.path();
    }

    /** Repairs made at open (a torn last line removed after a crash). */
    public List<String> recoveryNotes() {
        return file.recoveryNotes();
    }

    @Override
    public void close() {
        file.close();
    }

    /** Serialised on the caller's thread so the writer thread (which holds the lock) only concatenates and hashes. */
    private record Prepared(String typeJson, String fieldsJson) {}

    private static Prepared prepare(AuditEvent event) {
        if (event.type().isEmpty()) throw new IllegalArgumentException("audit event type is empty");
        try {
            StringWriter type = new StringWriter();
            try (JsonGenerator g = JSON.createGenerator(type)) {
                g.writeString(event.type());
            }
            StringWriter fields = new StringWriter();
            try (JsonGenerator g = JSON.createGenerator(fields)) {
                g.writeStartObject();
                for (Map.Entry<String, Object> field : event.fields().entrySet()) {
                    String name = field.getKey();
                    if (name == null || name.isEmpty()) throw new IllegalArgumentException("empty audit field name");
                    if (AuditFormat.RESERVED.contains(name)) {
                        throw new IllegalArgumentException("audit field name '" + name + "' is reserved");
                    }
                    g.writeFieldName(name);
                    writeValue(g, name, field.getValue(), true);
                }
                g.writeEndObject();
            }
            String object = fields.toString();
            return new Prepared(type.toString(), object.substring(1, object.length() - 1));
        } catch (IOException e) {
            throw new UncheckedIOException("writing to a StringWriter cannot fail", e);
        }
    }

    // Jackson escapes control characters (\n, \r, ESC…), so no value can end a line early or forge a record.
    private static void writeValue(JsonGenerator g, String name, Object value, boolean listAllowed) throws IOException {
        if (value instanceof String s) {
            g.writeString(s);
        } else if (value instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (value instanceof Integer || value instanceof Long || value instanceof Short
                || value instanceof Byte || value instanceof AtomicInteger || value instanceof AtomicLong) {
            g.writeNumber(((Number) value).longValue());
        } else if (value instanceof BigInteger i) {
            g.writeNumber(i);
        } else if (value instanceof BigDecimal d) {
            g.writeNumber(d);
        } else if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (!Double.isFinite(d)) throw new IllegalArgumentException("audit field '" + name + "' is not finite");
            g.writeNumber(d);
        } else if (value instanceof List<?> list && listAllowed) {
            g.writeStartArray();
            for (Object element : list) writeValue(g, name, element, false);
            g.writeEndArray();
        } else {
            String what = value == null ? "null" : value.getClass().getName();
            throw new IllegalArgumentException("audit field '" + name + "' has unsupported value type " + what);
        }
    }

    /** Chain state; touched only under the file lock by the writer thread (or the opening thread). */
    private static final class Chain implements AppendOnlyFile.Owner<Prepared> {
        private final Path path;
        private final Clock clock;
        private final AtomicLong appended;
        private long seq;
        private String prev = AuditFormat.GENESIS;

        Chain(Path path, Clock clock, AtomicLong appended) {
            this.path = path;
            this.clock = clock;
            this.appended = appended;
        }

        /** Another process appended (or a batch of ours failed): continue after whatever line is last now. */
        @Override
        public void catchUp(Unseen unseen) throws IOException {
            Optional<String> last = unseen.lastLine();
            if (last.isEmpty()) {
                seq = 0;
                prev = AuditFormat.GENESIS;
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
        }

        @Override
        public String encode(Prepared event) {
            long next = seq + 1;
            StringBuilder line = new StringBuilder(128 + event.fieldsJson().length())
                    .append("{\"seq\":").append(next)
                    .append(",\"ts\":\"").append(AuditFormat.TIMESTAMP.format(clock.instant()))
                    .append("\",\"type\":").append(event.typeJson());
            if (!event.fieldsJson().isEmpty()) line.append(',').append(event.fieldsJson());
            String unsealed = line.append(",\"prev\":\"").append(prev).append("\"}").toString();
            String hash = AuditFormat.sha256Hex(unsealed.getBytes(StandardCharsets.UTF_8));
            seq = next;
            prev = hash;
            return AuditFormat.seal(unsealed, hash);
        }

        @Override
        public void durable(List<Prepared> items) {
            appended.addAndGet(items.size());
        }
    }
}
