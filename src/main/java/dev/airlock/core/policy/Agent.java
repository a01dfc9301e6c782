package dev.airlock.core.policy;

import com.nimbusds.jose.jwk.JWKSet;
import java.util.Map;
import java.util.Optional;

/**
 * A client that asks for tokens.
 *
 * @param publicKeys the agent's public keys for {@code private_key_jwt}; null for secret-authenticated agents
 * @param owner      the person responsible for the agent (may be null); used to keep owners from approving their agent's grants
 * @param introspect environments whose tokens this client may introspect (RFC 7662): a resource server, such as a
 *                   gateway in front of an API. Empty for an agent that only gets tokens: it may not introspect
 */
public record Agent(String id, String description, AuthMethod auth, JWKSet publicKeys, String owner,
                    Map<String, AgentGrants> environments, java.util.Set<String> introspect) {
    public Agent {
        environments = Map.copyOf(environments);
        description = description == null ? "" : description;
        introspect = java.util.Set.copyOf(introspect);
    }

    /** An agent that gets tokens and introspects none. */
    public Agent(String id, String description, AuthMethod auth, JWKSet publicKeys, String owner,
                 Map<String, AgentGrants> environments) {
        this(id, description, auth, publicKeys, owner, environments, java.util.Set.of());
    }

    /** Whether this client may ask RFC 7662 introspection about tokens of {@code environment}. */
    public boolean introspects(String environment) {
        return introspect.contains(environment);
    }

    public Optional<AgentGrants> in(String environment) {
        return Optional.ofNullable(environments.get(environment));
    }
}
