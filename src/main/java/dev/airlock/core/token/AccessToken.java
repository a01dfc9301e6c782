package dev.airlock.core.token;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * The claims of an Airlock token, minted or verified. {@code grant} is present exactly on one-shot grant tokens
 * ({@code typ: airlock-grant+jwt}, issued through a human grant; the raw claim object), never on an ordinary access
 * token ({@code typ: at+jwt}): {@link TokenVerifier} refuses any other combination.
 *
 * <p>{@code onBehalfOf} is present exactly on a delegated token (RFC 8693 token exchange): then {@code subject} is the
 * user's {@link OnBehalfOf#canonicalSubject()} and {@code clientId} is the actor, the agent (the token's
 * {@code act.sub}, §4.1); otherwise {@code subject} equals {@code clientId}. Rights are always the agent's: whatever
 * decides by client uses {@code clientId}, never {@code subject}.
 */
public record AccessToken(String jti, String subject, String clientId, String audience, String environment,
                          Set<String> scopes, Instant issuedAt, Instant notBefore, Instant expiresAt,
                          Map<String, Object> grant, OnBehalfOf onBehalfOf) {
    public AccessToken {
        scopes = Set.copyOf(scopes);
        grant = grant == null ? null : Map.copyOf(grant);
    }

    /** A token of the agent itself (no delegation). */
    public AccessToken(String jti, String subject, String clientId, String audience, String environment,
                       Set<String> scopes, Instant issuedAt, Instant notBefore, Instant expiresAt,
                       Map<String, Object> grant) {
        this(jti, subject, clientId, audience, environment, scopes, issuedAt, notBefore, expiresAt, grant, null);
    }

    /** True for a token minted by token exchange, acting for a user. */
    public boolean isDelegated() {
        return onBehalfOf != null;
    }

    /** The actor: the agent that holds and uses the token (for an undelegated token, also its subject). */
    public String actor() {
        return clientId;
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
