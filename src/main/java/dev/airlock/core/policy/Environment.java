package dev.airlock.core.policy;

import java.time.Duration;
import java.util.List;

/**
 * An isolation domain. Tokens are minted for exactly one environment; its audience is the token's {@code aud}.
 *
 * @param tokenLifetime lifetime of tokens minted for this environment; the loader refuses one above
 *                      {@link Policy#MAX_TOKEN_LIFETIME}, and minting clamps again (defence in depth)
 */
public record Environment(String name, String audience, Duration tokenLifetime, List<ResourcePattern> resources) {
    public static String defaultAudience(String name) {
        return "urn:airlock:env:" + name;
    }

    public Environment {
        resources = List.copyOf(resources);
    }

    public boolean owns(String resourceId) {
        for (ResourcePattern r : resources) {
            if (r.matches(resourceId)) return true;
        }
        return false;
    }
}
