package dev.airlock.core.grant;

import java.util.List;

/**
 * Every precondition a grant is held to, evaluated now: one result per precondition and resource. A grant no
 * precondition applies to has an empty report, which passes.
 */
public record PreconditionReport(List<PreconditionResult> results) {
    public static final PreconditionReport NONE = new PreconditionReport(List.of());

    public PreconditionReport {
        results = List.copyOf(results);
    }

    public boolean passed() {
        return results.stream().allMatch(PreconditionResult::passed);
    }

    public boolean isEmpty() {
        return results.isEmpty();
    }

    /** The failures, one line each, for refusals: {@code volume:delete on vol-7f3a: failed: ...}. */
    public String failures() {
        StringBuilder s = new StringBuilder();
        for (PreconditionResult r : results) {
            if (r.passed()) continue;
            if (s.length() > 0) s.append("; ");
            s.append(r.precondition().scope()).append(" on ").append(r.resource()).append(": ").append(r.summary());
        }
        return s.toString();
    }
}
