package dev.airlock.core.audit;

import java.util.Optional;

/**
 * The result of {@link AuditVerifier#verify}: how many lines checked out before the first problem (all of them when
 * there is none), the hash of the last good line (64 zeros for an empty log), and the first problem, if any.
 */
public record AuditVerification(long events, String lastHash, Optional<Problem> problem) {

    public enum Kind { EDITED, DELETED, INSERTED, REORDERED, BROKEN_CHAIN, MALFORMED, TRUNCATED }

    /** {@code message} is complete and starts with the line number, e.g. {@code line 7: … (edited)}. */
    public record Problem(long line, Kind kind, String message) {}

    public boolean ok() {
        return problem.isEmpty();
    }

    static AuditVerification ok(long events, String lastHash) {
        return new AuditVerification(events, lastHash, Optional.empty());
    }

    static AuditVerification failed(long events, String lastHash, long line, Kind kind, String what) {
        return new AuditVerification(events, lastHash,
                Optional.of(new Problem(line, kind, "line " + line + ": " + what)));
    }
}
