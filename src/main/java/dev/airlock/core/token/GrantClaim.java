package dev.airlock.core.token;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a one-shot grant token carries beyond an access token's claims: the approved grant it spends, who approved it,
 * the only resources it acts on, and how many acts. The minter mints a grant token only when this agrees with the
 * token asked for (same agent, environment and scopes), so a grant's approval can never be attached to anything else.
 *
 * @param agentId     the agent that filed the grant (its requester; the only one who may redeem it)
 * @param environment the environment the grant was approved for
 * @param scopes      exactly the approved scopes
 */
public record GrantClaim(String id, String agentId, String environment, Set<String> scopes, List<String> resources,
                         List<String> approvers, int uses) {
    public GrantClaim {
        Objects.requireNonNull(id);
        Objects.requireNonNull(agentId);
        Objects.requireNonNull(environment);
        scopes = Set.copyOf(scopes);
        resources = List.copyOf(resources);
        approvers = List.copyOf(approvers);
    }
}
