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
import java.util.Set;
import java.util.TreeSet;

/**
 * Re-walks the hash chain written by {@link AuditLog} and reports the first problem with its 1-based line number.
 * The checks run in the order that names the cause best: a line must parse, then hash to its own {@code hash}
 * (else it was edited), then carry the next {@code seq} (a gap means lines were removed, unless a missing seq turns
 * up later: reordered; a repeat means a line was added), then point at its predecessor's hash; a signed checkpoint
 * must then hold its signature ({@link CheckpointCheck}), which a rewrite of the lines before it cannot.
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
        return verify(file, Set.of(), null);
    }

    /**
     * Also checks every signed checkpoint ({@link CheckpointCheck}) and, when given, that each was signed by one of
     * {@code pinnedKeys} (fingerprints recorded elsewhere; then the log must hold at least one checkpoint), and that
     * a line with hash {@code expectedHead} (a head recorded elsewhere, e.g. a shipped checkpoint) is in the log:
     * lines cut off its end, checkpoints with them, leave a chain that is otherwise intact.
     */
    public static AuditVerification verify(Path file, Set<String> pinnedKeys, String expectedHead) throws IOException {
        return verify(Files.newInputStream(file), pinnedKeys, expectedHead);
    }

    /** As {@link #verify(Path, Set, String)}, over the log's lines as a stream (the PostgreSQL store's rows). */
    public static AuditVerification verify(java.io.InputStream log, Set<String> pinnedKeys, String expectedHead)
            throws IOException {
        try (LineReader lines = new LineReader(log, MAX_LINE_BYTES)) {
            long prevSeq = 0;
            String prevHash = AuditFormat.GENESIS;
            long events = 0;
            Signed signed = new Signed();
            boolean headSeen = expectedHead == null;
            LineReader.Line line;
            while ((line = lines.next()) != null) {
                long n = line.number();
                if (!line.complete()) {
                    return AuditVerification.failed(events, prevHash, n, Kind.TRUNCATED,
                            "last line has no newline: the write was cut off (truncated)", signed.at(events));
                }
                Record record;
                try {
                    record = parse(line.bytes());
                } catch (IllegalArgumentException e) {
                    return AuditVerification.failed(events, prevHash, n, Kind.MALFORMED,
                            "not an audit record: " + e.getMessage() + " (malformed)", signed.at(events));
                }
                if (!AuditFormat.contentHash(line.bytes()).equals(record.hash)) {
                    return AuditVerification.failed(events, prevHash, n, Kind.EDITED,
                            "hash does not match its content (edited)", signed.at(events));
                }
                long expected = prevSeq + 1;
                String after = prevSeq == 0 ? "the log starts at seq " + record.seq
                        : "seq " + record.seq + " follows " + prevSeq;
                if (record.seq > expected) {
                    if (seqAppearsLater(lines, expected, record.seq)) {
                        return AuditVerification.failed(events, prevHash, n, Kind.REORDERED,
                                after + ": lines out of order (reordered)", signed.at(events));
                    }
                    return AuditVerification.failed(events, prevHash, n, Kind.DELETED,
                            after + ": " + (record.seq - expected) + " line(s) missing (deleted)", signed.at(events));
                }
                if (record.seq < expected) {
                    String what = record.seq == prevSeq ? "seq " + record.seq + " repeats line " + (n - 1) + "'s seq"
                            : "seq " + record.seq + " goes back after " + prevSeq;
                    return AuditVerification.failed(events, prevHash, n, Kind.INSERTED, what + " (inserted)",
                            signed.at(events));
                }
                if (!record.prev.equals(prevHash)) {
                    String what = n == 1 ? "prev is not 64 zeros although this is the first line"
                            : "prev does not match line " + (n - 1) + "'s hash";
                    return AuditVerification.failed(events, prevHash, n, Kind.BROKEN_CHAIN,
                            what + " (inserted or reordered)", signed.at(events));
                }
                if (AuditFormat.CHECKPOINT.equals(record.node.path("type").asText())) {
                    CheckpointCheck.Failure bad = CheckpointCheck.check(record.node, prevSeq, prevHash, pinnedKeys);
                    if (bad != null) {
                        return AuditVerification.failed(events, prevHash, n, bad.keyNotPinned() ? Kind.KEY
                                : Kind.SIGNATURE, bad.message(), signed.at(events));
                    }
                    signed.checkpoint(record.node.path("key").asText(), n);
                }
                headSeen |= record.hash.equals(expectedHead);
                prevSeq = record.seq;
                prevHash = record.hash;
                events++;
            }
            AuditVerification.Signing signing = signed.at(events);
            if (!pinnedKeys.isEmpty() && signing.checkpoints() == 0 && events > 0) {
                return AuditVerification.failedWhole(events, prevHash, Kind.KEY, "no line is signed by the pinned key "
                        + String.join(" or ", pinnedKeys) + ": the log has no checkpoint (stripped, or never signed)",
                        signing);
            }
            if (!headSeen) {
                return AuditVerification.failedWhole(events, prevHash, Kind.HEAD_MISSING, "no line has the expected"
                        + " hash " + expectedHead + ": lines after it were cut off the end of the log (truncated),"
                        + " or the log was rewritten", signing);
            }
            return AuditVerification.ok(events, prevHash, signing);
        }
    }

    /** What the good checkpoints seen so far cover. */
    private static final class Signed {
        private long checkpoints;
        private final Set<String> keys = new TreeSet<>();
        private long checkpointLine;

        void checkpoint(String key, long line) {
            checkpoints++;
            keys.add(key);
            checkpointLine = line;
        }

        AuditVerification.Signing at(long goodLines) {
            return new AuditVerification.Signing(checkpoints, keys, Math.max(0, checkpointLine - 1),
                    checkpoints == 0 ? goodLines : goodLines - checkpointLine);
        }
    }

    private record Record(long seq, String prev, String hash, JsonNode node) {}

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
        return new Record(seq.longValue(), prev.textValue(), hash, node);
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
