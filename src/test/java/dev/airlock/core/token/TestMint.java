package dev.airlock.core.token;

import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.PolicyLoader;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;

/** Mints one ordinary staging token with whatever key the ring has active now, with the shipped policy. */
final class TestMint {
    static final String ISSUER = "https://airlock.test";
    private static Policy policy;

    private TestMint() {}

    static synchronized Policy policy() throws Exception {
        if (policy == null) policy = PolicyLoader.load(Path.of("scopes"));
        return policy;
    }

    static String mint(KeyRing ring, Clock clock) throws Exception {
        return new TokenMinter(ring, ISSUER, clock, new SecureRandom(), policy()).mint("coding-agent", "staging",
                Set.of("volume:read"), Duration.ofMinutes(5), null).jwt();
    }
}
