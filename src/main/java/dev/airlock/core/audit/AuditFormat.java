package dev.airlock.core.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Set;

/**
 * The line format shared by {@link AuditLog} (writer) and {@link AuditVerifier} (reader).
 *
 * <p>{@code hash} is the SHA-256 of the exact bytes of the line without its {@code ,"hash":"…"} member, which is
 * always last. The verifier strips that suffix from the raw bytes instead of re-serialising the JSON, so the check
 * does not depend on any JSON library producing byte-identical output.
 */
final class AuditFormat {
    static final String GENESIS = "0".repeat(64);
    static final Set<String> RESERVED = Set.of("seq", "ts", "type", "prev", "hash");
    static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private static final byte[] HASH_PREFIX = ",\"hash\":\"".getBytes(StandardCharsets.US_ASCII);
    /** {@code ,"hash":"} + 64 hex + {@code "}}. */
    static final int HASH_SUFFIX_LENGTH = HASH_PREFIX.length + 64 + 2;

    /** The type of a signed checkpoint line ({@link AuditLog} writes them, {@link AuditVerifier} checks them). */
    static final String CHECKPOINT = "audit.checkpoint";

    private AuditFormat() {}

    /**
     * What a checkpoint signs: the seq and hash of the line before it, which commits to every line up to it (each
     * hash covers its {@code prev}), and the signing key's fingerprint. Prefixed with a fixed label and version so the
     * signature cannot be taken for one over anything else.
     */
    static byte[] checkpointMessage(long signedSeq, String signedHash, String keyFingerprint) {
        return ("airlock-audit-checkpoint/1\n" + signedSeq + "\n" + signedHash + "\n" + keyFingerprint)
                .getBytes(StandardCharsets.UTF_8);
    }

    static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** Appends the hash member to a line serialised without it (which ends with '}'). */
    static String seal(String unsealed, String hash) {
        return unsealed.substring(0, unsealed.length() - 1) + ",\"hash\":\"" + hash + "\"}";
    }

    /** The hash a line claims in its final member, or null if the line does not end with one. */
    static String claimedHash(byte[] line) {
        int start = line.length - HASH_SUFFIX_LENGTH;
        if (start < 1 || line[line.length - 1] != '}' || line[line.length - 2] != '"') return null;
        if (!Arrays.equals(line, start, start + HASH_PREFIX.length, HASH_PREFIX, 0, HASH_PREFIX.length)) return null;
        String hex = new String(line, start + HASH_PREFIX.length, 64, StandardCharsets.US_ASCII);
        return isHex64(hex) ? hex : null;
    }

    /** SHA-256 of the line with its final hash member removed, i.e. what the writer hashed. */
    static String contentHash(byte[] line) {
        int keep = line.length - HASH_SUFFIX_LENGTH;
        byte[] unsealed = Arrays.copyOf(line, keep + 1);
        unsealed[keep] = '}';
        return sha256Hex(unsealed);
    }

    static boolean isHex64(String s) {
        return s != null && s.length() == 64 && s.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }
}
