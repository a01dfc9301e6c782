package dev.airlock.core.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

/**
 * Checks one {@code audit.checkpoint} line for {@link AuditVerifier}, once the chain itself checked out up to it: it
 * must sign exactly the line before it, carry a public key matching its fingerprint, verify under that key, and,
 * when the operator pinned keys ({@code --audit-key}), be signed by one of them. The signature is what an attacker
 * who can write the file cannot recompute.
 */
final class CheckpointCheck {
    private CheckpointCheck() {}

    /** Null when the checkpoint is good; else why not, and whether the key (not the signature) is the problem. */
    record Failure(boolean keyNotPinned, String message) {}

    static Failure check(JsonNode line, long prevSeq, String prevHash, Set<String> pinned) {
        String key = line.path("key").asText(null);
        String publicKey = line.path("public_key").asText(null);
        JsonNode signedSeq = line.get("signed_seq");
        String signedHash = line.path("signed_hash").asText(null);
        String sig = line.path("sig").asText(null);
        if (key == null || publicKey == null || signedSeq == null || !signedSeq.canConvertToLong() || signedHash == null
                || sig == null) {
            return new Failure(false, "checkpoint lacks key, public_key, signed_seq, signed_hash or sig (forged)");
        }
        if (signedSeq.longValue() != prevSeq || !signedHash.equals(prevHash)) {
            return new Failure(false, "checkpoint signed seq " + signedSeq.longValue() + " with hash " + signedHash
                    + ", but the line before it is seq " + prevSeq + " with hash " + prevHash
                    + " (the lines before it were rewritten)");
        }
        if (!key.equals(AuditKey.fingerprint(publicKey))) {
            return new Failure(false, "checkpoint's public key does not have the fingerprint it claims (forged)");
        }
        if (!AuditKey.verify(publicKey, AuditFormat.checkpointMessage(prevSeq, prevHash, key), sig)) {
            return new Failure(false, "checkpoint signature does not verify (forged, or the lines before it rewritten)");
        }
        if (!pinned.isEmpty() && !pinned.contains(key)) {
            return new Failure(true, "checkpoint is signed by audit key " + key + ", not by the pinned key "
                    + String.join(" or ", pinned) + " (the audit key was replaced)");
        }
        return null;
    }
}
