package dev.airlock.app;

import com.nimbusds.jose.JWSAlgorithm;
import java.nio.file.Path;
import java.time.Clock;

/**
 * Typed settings for one Airlock instance.
 *
 * @param issuer    the {@code iss} of every token and the base of every URL Airlock tells clients about
 *                  (RFC 8414 §2: it must be the URL the metadata is served under)
 * @param masterKey base64 master key, or null to use {@code <data>/master.key}
 */
public record AirlockConfig(Path dataDir, Path policyDir, String issuer, JWSAlgorithm algorithm, String masterKey,
                            Clock clock) {
    public static final String DEFAULT_DATA = ".airlock";
    public static final String DEFAULT_POLICY = "scopes";

    public static JWSAlgorithm parseAlgorithm(String name) {
        return switch (name) {
            case "EdDSA", "Ed25519" -> JWSAlgorithm.EdDSA;
            case "ES256" -> JWSAlgorithm.ES256;
            default -> throw new IllegalArgumentException("signing algorithm must be EdDSA or ES256, not " + name);
        };
    }
}
