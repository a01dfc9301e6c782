package dev.airlock.core.grant;

import dev.airlock.core.policy.Precondition;
import java.time.Duration;
import java.util.Objects;

/**
 * One precondition evaluated for one resource of a grant: passed (with the backup found and its age) or failed (with
 * why). No part of the provider's answer is kept but the item's id, cleaned to printable text.
 *
 * @param item   the id of the backup that passed, or of the closest miss; null when none
 * @param age    that item's age by Airlock's clock; null when unknown
 * @param reason for a failure, why; for a pass, null
 */
public record PreconditionResult(Precondition precondition, String resource, boolean passed, String item,
                                 Duration age, String reason) {
    public PreconditionResult {
        Objects.requireNonNull(precondition, "precondition");
        Objects.requireNonNull(resource, "resource");
        if (!passed) Objects.requireNonNull(reason, "reason");
    }

    static PreconditionResult passed(Precondition p, String resource, String item, Duration age) {
        return new PreconditionResult(p, resource, true, item, age, null);
    }

    static PreconditionResult failed(Precondition p, String resource, String reason) {
        return new PreconditionResult(p, resource, false, null, null, reason);
    }

    /** What approvers read: {@code passed: snap-1 (3h old), younger than 24h, stored outside vol-7f3a}. */
    public String summary() {
        Precondition.Expect e = precondition.expect();
        if (!passed) return "failed: " + reason;
        return "passed: " + item + " (" + Precondition.text(age) + " old) in " + e.list() + ", younger than "
                + Precondition.text(e.youngerThan()) + (e.outsideField() == null ? "" : ", stored outside "
                + Precondition.fill(e.outsideNotEquals(), resource));
    }
}
