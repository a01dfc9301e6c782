package dev.airlock.core.store;

import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.audit.AuditedChange;
import dev.airlock.core.grant.Grant;
import dev.airlock.core.ops.OpsAccount;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The state Airlock must not forget: revocations, frozen environments, agent secret hashes, client-assertion ids seen
 * (RFC 7523 §3 replay protection), human grants and ops accounts.
 *
 * <p>Reads are in memory and never block. Every write returns a future that completes only once the
 * change is durable (fsync'd or committed); callers answer their client after that, never before.
 * Writes made by other processes sharing the store (the CLI while a server runs, or other replicas)
 * become visible after {@link #refresh()}; a server calls it at least once a second.
 *
 * <p>One contract test ({@code StateStoreContract}) runs against every implementation.
 */
public interface StateStore extends AutoCloseable {

    /** Remembered until {@link Retention} allows forgetting it, past {@code tokenExpiresAt} by both clocks. */
    CompletableFuture<Void> revoke(String jti, Instant tokenExpiresAt);

    boolean isRevoked(String jti);

    CompletableFuture<Void> setFrozen(String environment, boolean frozen);

    boolean isFrozen(String environment);

    Set<String> frozenEnvironments();

    /** Stores the SHA-256 (hex) of an agent's client secret, replacing any earlier one. */
    CompletableFuture<Void> putAgentSecretHash(String agentId, String sha256Hex);

    Optional<String> agentSecretHash(String agentId);

    /**
     * Disables an agent (its secret, its assertions and every token it holds are refused) or enables it again. Run-time
     * state, not policy: an operator stops one agent at once, on every replica, without editing {@code agents.yaml}.
     */
    CompletableFuture<Void> setAgentDisabled(String agentId, boolean disabled);

    boolean isAgentDisabled(String agentId);

    /**
     * Voids every token issued to {@code agentId} at or before {@code notBefore} (whole seconds: tokens carry
     * {@code iat} in seconds). Only moves forward: an earlier instant than the one stored changes nothing, so a
     * stepped-back clock never revives a token an operator voided.
     */
    CompletableFuture<Void> voidAgentTokens(String agentId, Instant notBefore);

    /** The instant at or before which every token issued to {@code agentId} is void, if any was set. */
    Optional<Instant> agentTokensVoidUntil(String agentId);

    /**
     * Records that a client assertion with this {@code jti} was used. Completes with {@code false}, and records
     * nothing, if the same client already used that jti and the store still remembers it: a replay. Fails with
     * {@link AssertionLimits.Reached}, and records nothing, if the id is not a replay but recording it would pass
     * one of the store's {@link AssertionLimits} (counting remembered ids only): the caller must refuse the assertion,
     * since accepting it unrecorded would allow its replay. Ids, like revocations, are forgotten only as
     * {@link Retention} allows, so that no wall-clock step makes a used assertion usable again.
     */
    CompletableFuture<Boolean> recordAssertion(String clientId, String jti, Instant assertionExpiresAt);

    // --- Versioned records: grants and ops accounts. ---
    //
    // save(next) succeeds only if the stored version is next.version() - 1 (or nothing is stored and next.version() is
    // 1). Two concurrent saves of the same version: exactly one completes true, the other false, and the loser's
    // record is not written. That is what makes "two approvers racing on a quorum of one", "two concurrent redemptions"
    // and "two concurrent uses of a one-shot token" produce exactly one transition.
    //
    // A save that completes false has already brought the winner into this store's reads (the embedded store decides
    // after catching up with the journal; PostgreSQL re-reads the record), so the caller's retry, without a
    // refresh(), decides on it: a replica never loops on a version another replica already replaced.

    Optional<Grant> grant(String id);

    /** Every grant known, in creation order (newest last). */
    List<Grant> grants();

    CompletableFuture<Boolean> saveGrant(Grant next);

    /**
     * Forgets these grants if they are still final (a grant that changed since is kept): the count cap on finished
     * grants ({@code GrantLimits}). The caller audits first. Memory and the next snapshot drop them; a line still in
     * the journal may bring one back at a restart, and the next sweep forgets it again.
     */
    void forgetGrants(java.util.Collection<String> ids);

    Optional<OpsAccount> opsAccount(String name);

    List<OpsAccount> opsAccounts();

    CompletableFuture<Boolean> saveOpsAccount(OpsAccount next);

    /**
     * The audited write path over this store ({@link AuditedWrites}), whose events go to {@code audit}. By default
     * the event is written first and the change after it ({@link AuditedChange}); a store that can commit both in
     * one transaction returns its own, and its audit log must then be the one {@code audit} writes to.
     */
    default AuditedWrites audited(AuditSink audit) {
        return new AuditedChange(audit, this);
    }

    /** Picks up changes other processes made. Cheap when nothing changed. */
    void refresh();

    /**
     * How late a change another process made (the CLI, another replica) can be when it becomes visible here: the time
     * since this process last knew it had every such change (its last {@link #refresh} that completed, or, for a
     * shared database, its last notification and re-read). An upper bound on propagation lag, which DESIGN.md wants
     * under a second for revocations and grant decisions; it grows without limit when refreshing fails or stalls, which
     * is what an operator must be told. Read by a gauge ({@code airlock_store_propagation_lag_seconds}); zero for a
     * store no other process writes.
     */
    default java.time.Duration propagationLag() {
        return java.time.Duration.ZERO;
    }

    @Override
    void close();
}
