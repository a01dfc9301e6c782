package dev.airlock.core.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The lines of the hash chain, byte for byte: one place that writes them, for the audit file ({@link AuditLog}) and
 * for the PostgreSQL store's audit table, so that {@link AuditVerifier} checks either unchanged.
 */
public final class AuditLines {
    private static final JsonFactory JSON = new JsonFactory();

    private AuditLines() {}

    /** The hash a chain starts from. */
    public static final String GENESIS = AuditFormat.GENESIS;

    /**
     * A line of the chain: its seq, its exact text (no newline) and its hash. {@code shipped} is set for a
     * checkpoint: the JSON object logged for a collector to keep off the machine.
     */
    public record Line(long seq, String text, String hash, String shipped) {}

    /** The line after ({@code seq}, {@code prev}) recording {@code event}. */
    public static Line event(long seq, String prev, Instant ts, Prepared event) {
        return seal(seq + 1, prev, ts, event.typeJson(), event.fieldsJson(), false);
    }

    /**
     * A signed checkpoint after ({@code seq}, {@code prev}): it signs that line's seq and hash with the key
     * (fingerprint and public key included, so the line verifies on its own and the fingerprint is what gets pinned).
     * Every value is base64url or hex, so nothing needs escaping.
     */
    public static Line checkpoint(long seq, String prev, Instant ts, AuditKey key) {
        String sig = key.sign(AuditFormat.checkpointMessage(seq, prev, key.fingerprint()));
        String fields = "\"key\":\"" + key.fingerprint() + "\",\"public_key\":\"" + key.publicKey()
                + "\",\"signed_seq\":" + seq + ",\"signed_hash\":\"" + prev + "\",\"sig\":\"" + sig + "\"";
        return seal(seq + 1, prev, ts, "\"" + AuditFormat.CHECKPOINT + "\"", fields, true);
    }

    private static Line seal(long next, String prev, Instant ts, String typeJson, String fields, boolean checkpoint) {
        StringBuilder line = new StringBuilder(128 + fields.length())
                .append("{\"seq\":").append(next)
                .append(",\"ts\":\"").append(AuditFormat.TIMESTAMP.format(ts))
                .append("\",\"type\":").append(typeJson);
        if (!fields.isEmpty()) line.append(',').append(fields);
        String unsealed = line.append(",\"prev\":\"").append(prev).append("\"}").toString();
        String hash = AuditFormat.sha256Hex(unsealed.getBytes(StandardCharsets.UTF_8));
        String shipped = checkpoint ? "{\"seq\":" + next + "," + fields + ",\"hash\":\"" + hash + "\"}" : null;
        return new Line(next, AuditFormat.seal(unsealed, hash), hash, shipped);
    }

    /**
     * An event serialised on the caller's thread, so that the writer (which holds the chain's lock: a file lock, or a
     * database row lock) only concatenates and hashes.
     */
    public record Prepared(String typeJson, String fieldsJson) {}

    /**
     * Throws {@link IllegalArgumentException} for a reserved type or field name ({@code seq ts type prev hash}) or a
     * value that is not a String, finite Number, Boolean or a List of those: a caller bug, not an I/O outcome.
     */
    public static Prepared prepare(AuditEvent event) {
        if (event.type().isEmpty()) throw new IllegalArgumentException("audit event type is empty");
        if (event.type().equals(AuditFormat.CHECKPOINT)) {
            throw new IllegalArgumentException("audit event type '" + AuditFormat.CHECKPOINT + "' is reserved");
        }
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

}
