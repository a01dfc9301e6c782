package dev.airlock.core.store;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The state Airlock must not forget: revocations, frozen environments, agent secret hashes and
 * client-assertion ids seen (RFC 7523 §3 replay protection).
 *
 * <p>Reads are in memory and never block. Every write returns a future that completes only once the
 * change is durable (fsync'd or committed); callers answer their client after that, never before.
 * Writes made by other processes sharing the store (the CLI while a server runs, or other replicas)
 * become visible after {@link #refresh()}; a server calls it at least once a second.
 *
 * <p>One contract test ({@code StateStoreContract}) runs against every implementation.
 */
public interface StateStore extends AutoCloseable {

    CompletableFuture<Void> revoke(String jti, Instant tokenExpiresAt);

    boolean isRevoked(String jti);

    CompletableFuture<Void> setFrozen(String environment, boolean frozen);

    boolean isFrozen(String environment);

    Set<String> frozenEnvironments();

    /** Stores the SHA-256 (hex) of an agent's client secret, replacing any earlier one. */
    CompletableFuture<Void> putAgentSecretHash(String agentId, String sha256Hex);

    Optional<String> agentSecretHash(String agentId);

    /**
     * Records that a client assertion with this {@code jti} was used. Completes with {@code false}, and records
     * nothing, if the same client already used that jti and it has not yet expired: a replay.
     */
    CompletableFuture<Boolean> recordAssertion(String clientId, String jti, Instant assertionExpiresAt);

    /** Picks up changes other processes made. Cheap when nothing changed. */
    void refresh();

    @Override
    void close();
}
