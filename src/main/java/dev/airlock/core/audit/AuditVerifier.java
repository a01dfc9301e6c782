package dev.airlock.core.audit;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.airlock.core.audit.AuditVerification.Kind;
import dev.airlock.core.journal.LineReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Re-walks the hash chain written by {@link AuditLog} and reports the first problem with its 1-based line number.
 * The checks run in the order that names the cause best: a line must parse, then hash to its own {@code hash}
 * (else it was edited), then carry the next {@code seq} (a gap means lines were removed, unless a missing seq turns
 * up later: reordered; a repeat means a line was added), then point at its predecessor's hash.
 */
public final class AuditVerifier {

    private static final long MAX_LINE_BYTES = 16L << 20;
    private static final JsonMapper STRICT = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private AuditVerifier() {}

    /** Reads the whole log; throws {@link java.nio.file.NoSuchFileException} if it does not exist. */
    public static AuditVerification verify(Path file) throws IOException {
        try (LineReader lines = new LineReader(Files.newInputStream(file), MAX_LINE_BYTES)) {
            long prevSeq = 0;
            String prevHash = AuditFormat.GENESIS;
            long events = 0;
            LineReader.Line line;
            while ((line = lines.next()) != null) {
                long n = line.number();
                if (!line.complete()) {
                    return AuditVerification.failed(events, prevHash, n, Kind.TRUNCATED,
                            "last line has no newline: the write was cut off (truncated)");
                }
                Record record;
                try {
                    record = parse(line.bytes());
                } catch (IllegalArgumentException e) {
                    return AuditVerification.failed(events, prevHash, n, Kind.MALFORMED,
                            "not an audit record: " + e.getMessage() + " (malformed)");
                }
                if (!AuditFormat.contentHash(line.bytes()).equals(record.hash)) {
                    return AuditVerification.failed(events, prevHash, n, Kind.EDITED,
                            "hash does not match its content (edited)");
                }
                long expected = prevSeq + 1;
                String after = prevSeq == 0 ? "the log starts at seq " + record.seq
                        : "seq " + record.seq + " follows " + prevSeq;
                if (record.seq > expected) {
                    if (seqAppearsLater(lines, expected, record.seq)) {
                        return AuditVerification.failed(events, prevHash, n, Kind.REORDERED,
                                after + ": lines out of order (reordered)");
                    }
                    return AuditVerification.failed(events, prevHash, n, Kind.DELETED,
                            after + ": " + (record.seq - expected) + " line(s) missing (deleted)");
                }
                if (record.seq < expected) {
                    String what = record.seq == prevSeq ? "seq " + record.seq + " repeats line " + (n - 1) + "'s seq"
                            : "seq " + record.seq + " goes back after " + prevSeq;
                    return AuditVerification.failed(events, prevHash, n, Kind.INSERTED, what + " (inserted)");
                }
                if (!record.prev.equals(prevHash)) {
                    String what = n == 1 ? "prev is not 64 zeros although this is the first line"
                            : "prev does not match line " + (n - 1) + "'s hash";
                    return AuditVerification.failed(events, prevHash, n, Kind.BROKEN_CHAIN,
                            what + " (inserted or reordered)");
                }
                prevSeq = record.seq;
                prevHash = record.hash;
                events++;
            }
            return AuditVerification.ok(events, prevHash);
        }
    }

    private record Record(long seq, String prev, String hash) {}

    private static Record parse(byte[] line) {
        JsonNode node;
        try {
            node = STRICT.readTree(line);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON");
        }
        if (node == null || !node.isObject()) throw new IllegalArgumentException("not a JSON object");
        JsonNode seq = node.get("seq");
        if (seq == null || !seq.isIntegralNumber() || !seq.canConvertToLong() || seq.longValue() < 1) {
            throw new IllegalArgumentException("\"seq\" is missing or not a positive integer");
        }
        for (String name : new String[] {"ts", "type"}) {
            if (node.get(name) == null || !node.get(name).isTextual()) {
                throw new IllegalArgumentException("\"" + name + "\" is missing or not a string");
            }
        }
        JsonNode prev = node.get("prev");
        if (prev == null || !AuditFormat.isHex64(prev.textValue())) {
            throw new IllegalArgumentException("\"prev\" is missing or not 64 hex digits");
        }
        String hash = AuditFormat.claimedHash(line);
        if (hash == null || !hash.equals(node.path("hash").textValue())) {
            throw new IllegalArgumentException("\"hash\" is missing, not 64 hex digits or not the last member");
        }
        return new Record(seq.longValue(), prev.textValue(), hash);
    }

    /** On a seq gap only: a missing seq that turns up further down means lines were moved, not removed. */
    private static boolean seqAppearsLater(LineReader lines, long fromInclusive, long toExclusive) throws IOException {
        LineReader.Line line;
        while ((line = lines.next()) != null) {
            try {
                long seq = STRICT.readTree(line.bytes()).path("seq").asLong(-1);
                if (seq >= fromInclusive && seq < toExclusive) return true;
            } catch (IOException e) {
                // a malformed line further down cannot tell us anything about order
            }
        }
        return false;
    }
}
