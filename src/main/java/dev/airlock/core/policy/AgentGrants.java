package dev.airlock.core.policy;

import java.util.Set;

/**
 * What one agent may ask for in one environment.
 *
 * @param scopes        scopes the token endpoint may mint automatically; never destructive or grant-only
 * @param defaultScopes what a request without {@code scope} gets; a subset of {@code scopes}
 * @param grantable     scopes the agent may ask humans for through a grant (destructive or grant-only)
 */
public record AgentGrants(Set<String> scopes, Set<String> defaultScopes, Set<String> grantable) {
    public AgentGrants {
        scopes = Set.copyOf(scopes);
        defaultScopes = Set.copyOf(defaultScopes);
        grantable = Set.copyOf(grantable);
    }
}
