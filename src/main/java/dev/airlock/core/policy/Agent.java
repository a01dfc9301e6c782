package dev.airlock.core.policy;

import com.nimbusds.jose.jwk.JWKSet;
import java.util.Map;
import java.util.Optional;

/**
 * A client that asks for tokens.
 *
 * @param publicKeys the agent's public keys for {@code private_key_jwt}; null for secret-authenticated agents
 * @param owner      the person responsible for the agent (may be null); used to keep owners from approving their agent's grants
 */
public record Agent(String id, String description, AuthMethod auth, JWKSet publicKeys, String owner,
                    Map<String, AgentGrants> environments) {
    public Agent {
        environments = Map.copyOf(environments);
        description = description == null ? "" : description;
    }

    public Optional<AgentGrants> in(String environment) {
        return Optional.ofNullable(environments.get(environment));
    }
}
