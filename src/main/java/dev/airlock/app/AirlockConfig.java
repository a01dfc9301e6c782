package dev.airlock.app;

import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.store.embedded.FileStateStore;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;

/**
 * Typed settings for one Airlock instance.
 *
 * @param issuer    the {@code iss} of every token and the base of every URL Airlock tells clients about
 *                  (RFC 8414 §2: it must be the URL the metadata is served under)
 * @param masterKey base64 master key, or null to use {@code <data>/master.key}
 * @param journalCompactBytes compact {@code state.journal} into {@code state.snapshot} once it passes this size
 */
public record AirlockConfig(Path dataDir, Path policyDir, String issuer, JWSAlgorithm algorithm, String masterKey,
                            Clock clock, long journalCompactBytes) {
    public static final String DEFAULT_DATA = ".airlock";
    public static final long DEFAULT_JOURNAL_COMPACT_BYTES = FileStateStore.DEFAULT_COMPACT_ABOVE_BYTES;
    public static final long MIN_JOURNAL_COMPACT_BYTES = 4096;

    public AirlockConfig {
        requireIssuerUrl(issuer);
        if (journalCompactBytes < MIN_JOURNAL_COMPACT_BYTES) {
            throw new IllegalArgumentException("--compact-journal-above must be at least " + MIN_JOURNAL_COMPACT_BYTES
                    + " bytes, not " + journalCompactBytes);
        }
    }

    /** With the journal compacted above {@value #DEFAULT_JOURNAL_COMPACT_BYTES} bytes. */
    public AirlockConfig(Path dataDir, Path policyDir, String issuer, JWSAlgorithm algorithm, String masterKey,
                         Clock clock) {
        this(dataDir, policyDir, issuer, algorithm, masterKey, clock, DEFAULT_JOURNAL_COMPACT_BYTES);
    }

    /**
     * RFC 8414 §2: the issuer is a URL with a scheme and host and no query or fragment; https in production, http
     * allowed for loopback and behind a proxy that ends TLS. Every token's {@code iss}, every advertised URL and the
     * ops page's origin check derive from it, so a malformed one is refused at start, not discovered by clients.
     */
    static void requireIssuerUrl(String issuer) {
        URI u;
        try {
            u = new URI(Objects.requireNonNull(issuer, "issuer"));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--issuer is not a URL: " + e.getMessage());
        }
        String scheme = u.getScheme();
        if (!("https".equals(scheme) || "http".equals(scheme)) || u.getHost() == null || u.getRawQuery() != null
                || u.getRawFragment() != null || u.getRawUserInfo() != null) {
            throw new IllegalArgumentException("--issuer must be an http(s) URL with a host and no user, query or"
                    + " fragment, like https://airlock.example.com: " + issuer);
        }
    }
    public static final String DEFAULT_POLICY = "scopes";

    public static JWSAlgorithm parseAlgorithm(String name) {
        return switch (name) {
            case "EdDSA", "Ed25519" -> JWSAlgorithm.EdDSA;
            case "ES256" -> JWSAlgorithm.ES256;
            default -> throw new IllegalArgumentException("signing algorithm must be EdDSA or ES256, not " + name);
        };
    }
}
