package dev.airlock.core.auth;

import dev.airlock.core.policy.Agent;
import java.time.Duration;

/**
 * The result of client authentication: an agent, or a refusal with a reason that is safe to show the caller.
 *
 * @param overLimit the credentials were good but a limit refused them for now (not a failed attempt); retry after
 *                  {@code retryAfter}
 */
public record AuthOutcome(Agent agent, String reason, Duration retryAfter, boolean overLimit) {
    public static AuthOutcome ok(Agent agent) {
        return new AuthOutcome(agent, null, null, false);
    }

    public static AuthOutcome refused(String reason) {
        return new AuthOutcome(null, reason, null, false);
    }

    public static AuthOutcome throttled(Duration retryAfter) {
        return new AuthOutcome(null, "too many failed attempts; retry later", retryAfter, false);
    }

    public static AuthOutcome overLimit(String reason, Duration retryAfter) {
        return new AuthOutcome(null, reason, retryAfter, true);
    }

    public boolean ok() {
        return agent != null;
    }
}
