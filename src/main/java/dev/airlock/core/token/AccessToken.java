package dev.airlock.core.token;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * The claims of an Airlock access token, minted or verified. {@code grant} is present only on one-shot tokens
 * issued through a human grant (a later issue); it is the raw claim object.
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
}
