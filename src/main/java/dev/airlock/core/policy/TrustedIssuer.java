package dev.airlock.core.policy;

import com.nimbusds.jose.JWSAlgorithm;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * An identity provider whose users' tokens agents may exchange for delegated Airlock tokens (RFC 8693), from
 * {@code identity.yaml}. Everything a subject token is checked against is here, explicit, nothing discovered at run
 * time: the exact {@code iss}, where its keys are, which audience (Airlock's) the token must carry, which signature
 * algorithms (asymmetric only), which claim names the user, how old a token may be, and which agents may act for
 * its users.
 *
 * @param id           short name; delegated tokens' {@code sub} is {@code <id>:<subject>}
 * @param subjectClaim the claim holding the user's stable id ({@code sub} unless set)
 * @param nameClaim    the claim holding the user's ops account name (and display name), or null
 * @param agents       the agents that may exchange this issuer's tokens
 * @param opsAccounts  ops account name to the subject of the same person at this issuer: that account can never
 *                     approve a grant filed on that person's behalf
 */
public record TrustedIssuer(String id, String issuer, URI jwksUri, String audience, Set<JWSAlgorithm> algorithms,
                            String subjectClaim, String nameClaim, Duration maxTokenAge, Set<String> agents,
                            Map<String, String> opsAccounts) {
    /** Asymmetric signatures only: an HMAC key would be a secret shared with the IdP, and {@code none} is no signature. */
    public static final Set<JWSAlgorithm> SUPPORTED = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384,
            JWSAlgorithm.RS512, JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256,
            JWSAlgorithm.ES384, JWSAlgorithm.ES512);
    public static final Duration DEFAULT_MAX_TOKEN_AGE = Duration.ofHours(1);
    public static final Duration MAX_MAX_TOKEN_AGE = Duration.ofHours(24);

    public TrustedIssuer {
        Objects.requireNonNull(id);
        Objects.requireNonNull(issuer);
        Objects.requireNonNull(jwksUri);
        Objects.requireNonNull(audience);
        Objects.requireNonNull(subjectClaim);
        Objects.requireNonNull(maxTokenAge);
        algorithms = Set.copyOf(algorithms);
        if (algorithms.isEmpty() || !SUPPORTED.containsAll(algorithms)) {
            throw new IllegalArgumentException("algorithms must be a non-empty subset of " + SUPPORTED);
        }
        agents = Set.copyOf(agents);
        opsAccounts = Map.copyOf(opsAccounts);
    }

    /** Whether {@code account} is the ops account of this issuer's user {@code subject} (by link or by name claim). */
    public boolean isOpsAccountOf(String account, String subject, String name) {
        if (nameClaim != null && name != null && name.equals(account)) return true;
        return subject.equals(opsAccounts.get(account));
    }

    public Optional<String> linkedSubject(String opsAccount) {
        return Optional.ofNullable(opsAccounts.get(opsAccount));
    }

    /** {@code jwks_uri} must be https; plain http only on a loopback host (tests, a local IdP), where nobody is between. */
    static String jwksUriProblem(URI u) {
        if (!u.isAbsolute() || u.getHost() == null) return "jwks_uri must be an absolute URL";
        if (u.getRawUserInfo() != null) return "jwks_uri must not carry credentials";
        if (u.getRawFragment() != null) return "jwks_uri must not have a fragment";
        String scheme = u.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (scheme.equals("https")) return null;
        if (scheme.equals("http") && List.of("127.0.0.1", "localhost", "[::1]").contains(u.getHost())) return null;
        return "jwks_uri must be https (plain http only on a loopback host)";
    }
}
