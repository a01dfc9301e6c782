package dev.airlock.core.audit;

import java.util.Optional;
import java.util.Set;

/**
 * The result of {@link AuditVerifier#verify}: how many lines checked out before the first problem (all of them when
 * there is none), the hash of the last good line (64 zeros for an empty log), the first problem, if any, and what the
 * signed checkpoints among the good lines cover.
 */
public record AuditVerification(long events, String lastHash, Optional<Problem> problem, Signing signing) {

    public enum Kind {
        EDITED, DELETED, INSERTED, REORDERED, BROKEN_CHAIN, MALFORMED, TRUNCATED,
        /** A checkpoint whose signature does not hold: the lines before it were rewritten, or it was forged. */
        SIGNATURE,
        /** A checkpoint signed by a key other than the pinned one, or none at all where a key was pinned. */
        KEY,
        /** The head recorded elsewhere ({@code --expect}) is not in the log: its end was cut off, or it was rewritten. */
        HEAD_MISSING
    }

    /** {@code message} is complete and, when it is about one line, starts with its number: {@code line 7: … (edited)}. */
    public record Problem(long line, Kind kind, String message) {}

    /**
     * @param checkpoints        good signed checkpoints
     * @param keys               the fingerprints of the keys that signed them
     * @param signedThroughLine  the last line a checkpoint covers (the line before the last checkpoint); 0 if none
     * @param unsignedAfter      lines after the last checkpoint, which no signature covers yet
     */
    public record Signing(long checkpoints, Set<String> keys, long signedThroughLine, long unsignedAfter) {
        public Signing {
            keys = Set.copyOf(keys);
        }
    }

    public boolean ok() {
        return problem.isEmpty();
    }

    static AuditVerification ok(long events, String lastHash, Signing signing) {
        return new AuditVerification(events, lastHash, Optional.empty(), signing);
    }

    static AuditVerification failed(long events, String lastHash, long line, Kind kind, String what, Signing signing) {
        return new AuditVerification(events, lastHash,
                Optional.of(new Problem(line, kind, "line " + line + ": " + what)), signing);
    }

    /** A problem with the log as a whole, not with one of its lines. */
    static AuditVerification failedWhole(long events, String lastHash, Kind kind, String what, Signing signing) {
        return new AuditVerification(events, lastHash, Optional.of(new Problem(0, kind, what)), signing);
    }
}
