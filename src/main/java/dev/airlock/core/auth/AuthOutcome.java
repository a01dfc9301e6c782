package dev.airlock.core.auth;

import dev.airlock.core.policy.Agent;
import java.time.Duration;

/** The result of client authentication: an agent, or a refusal with a reason that is safe to show the caller. */
public record AuthOutcome(Agent agent, String reason, Duration retryAfter) {
    public static AuthOutcome ok(Agent agent) {
        return new AuthOutcome(agent, null, null);
    }

    public static AuthOutcome refused(String reason) {
        return new AuthOutcome(null, reason, null);
    }

    public static AuthOutcome throttled(Duration retryAfter) {
        return new AuthOutcome(null, "too many failed attempts; retry later", retryAfter);
    }

    public boolean ok() {
        return agent != null;
    }
}
