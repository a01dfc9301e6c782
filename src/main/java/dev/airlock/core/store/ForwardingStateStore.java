package dev.airlock.core.store;

import dev.airlock.core.grant.Grant;
import dev.airlock.core.ops.OpsAccount;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link StateStore} that passes every call to another: the base of a decorator that changes a few of them (the
 * metrics' timed writes; in tests, a failing write or a pause between two reads: fault injection around our store,
 * not a mock of it). One place lists the store's methods, so a method added to the store cannot be forgotten by one
 * decorator and forwarded by another.
 *
 * <p>{@link #audited} is not forwarded: by default the audited path runs over this decorator (event, then this
 * decorator's raw write), so an overridden write is what the audited path calls. A decorator that must keep the real
 * store's own audited path (PostgreSQL's one transaction) overrides it and asks {@link #real}.
 */
public class ForwardingStateStore implements StateStore {
    protected final StateStore real;

    public ForwardingStateStore(StateStore real) {
        this.real = Objects.requireNonNull(real, "real");
    }

    @Override
    public CompletableFuture<Void> revoke(String jti, Instant tokenExpiresAt) {
        return real.revoke(jti, tokenExpiresAt);
    }

    @Override
    public boolean isRevoked(String jti) {
        return real.isRevoked(jti);
    }

    @Override
    public CompletableFuture<Void> setFrozen(String environment, boolean frozen) {
        return real.setFrozen(environment, frozen);
    }

    @Override
    public boolean isFrozen(String environment) {
        return real.isFrozen(environment);
    }

    @Override
    public Set<String> frozenEnvironments() {
        return real.frozenEnvironments();
    }

    @Override
    public CompletableFuture<Void> putAgentSecretHash(String agentId, String sha256Hex) {
        return real.putAgentSecretHash(agentId, sha256Hex);
    }

    @Override
    public Optional<String> agentSecretHash(String agentId) {
        return real.agentSecretHash(agentId);
    }

    @Override
    public CompletableFuture<Void> setAgentDisabled(String agentId, boolean disabled) {
        return real.setAgentDisabled(agentId, disabled);
    }

    @Override
    public boolean isAgentDisabled(String agentId) {
        return real.isAgentDisabled(agentId);
    }

    @Override
    public CompletableFuture<Void> voidAgentTokens(String agentId, Instant notBefore) {
        return real.voidAgentTokens(agentId, notBefore);
    }

    @Override
    public Optional<Instant> agentTokensVoidUntil(String agentId) {
        return real.agentTokensVoidUntil(agentId);
    }

    @Override
    public CompletableFuture<Boolean> recordAssertion(String clientId, String jti, Instant assertionExpiresAt) {
        return real.recordAssertion(clientId, jti, assertionExpiresAt);
    }

    @Override
    public Optional<Grant> grant(String id) {
        return real.grant(id);
    }

    @Override
    public List<Grant> grants() {
        return real.grants();
    }

    @Override
    public CompletableFuture<Boolean> saveGrant(Grant next) {
        return real.saveGrant(next);
    }

    @Override
    public void forgetGrants(Collection<String> ids) {
        real.forgetGrants(ids);
    }

    @Override
    public Optional<OpsAccount> opsAccount(String name) {
        return real.opsAccount(name);
    }

    @Override
    public List<OpsAccount> opsAccounts() {
        return real.opsAccounts();
    }

    @Override
    public CompletableFuture<Boolean> saveOpsAccount(OpsAccount next) {
        return real.saveOpsAccount(next);
    }

    @Override
    public void refresh() {
        real.refresh();
    }

    @Override
    public void close() {
        real.close();
    }

    @Override
    public java.time.Duration propagationLag() {
        return real.propagationLag();
    }
}
