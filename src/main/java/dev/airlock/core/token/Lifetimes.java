package dev.airlock.core.token;

import dev.airlock.core.policy.Policy;
import java.time.Duration;

/**
 * One place that decides how long a token lives: the wanted lifetime, clamped to the environment's and the hard cap.
 * Package-private: only {@link TokenMinter} calls it, on every token, so no caller can skip the clamp.
 */
final class Lifetimes {
    private Lifetimes() {}

    static Duration capped(Duration wanted, Duration environmentCap) {
        Duration d = wanted;
        if (environmentCap != null && d.compareTo(environmentCap) > 0) d = environmentCap;
        if (d.compareTo(Policy.MAX_TOKEN_LIFETIME) > 0) d = Policy.MAX_TOKEN_LIFETIME;
        if (d.isNegative() || d.isZero()) throw new IllegalArgumentException("token lifetime must be positive");
        return d;
    }
}
