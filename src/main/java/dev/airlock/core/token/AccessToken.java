package dev.airlock.core.token;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * The claims of an Airlock token, minted or verified. {@code grant} is present exactly on one-shot grant tokens
 * ({@code typ: airlock-grant+jwt}, issued through a human grant; the raw claim object), never on an ordinary access
 * token ({@code typ: at+jwt}): {@link TokenVerifier} refuses any other combination.
 */
public record AccessToken(String jti, String subject, String clientId, String audience, String environment,
                          Set<String> scopes, Instant issuedAt, Instant notBefore, Instant expiresAt,
                          Map<String, Object> grant) {
    public AccessToken {
        scopes = Set.copyOf(scopes);
        grant = grant == null ? null : Map.copyOf(grant);
    }

    public boolean hasScope(String scope) {
        return scopes.contains(scope);
    }

    /** True for a one-shot grant token: decided and spent only online (/v1/check, the proxy). */
    public boolean isGrantToken() {
        return grant != null;
    }

    /** The id of the grant a grant token spends; null for an ordinary access token. */
    public String grantId() {
        return grant != null && grant.get("id") instanceof String id ? id : null;
    }
}
