package dev.airlock.testing;

import dev.airlock.core.grant.Grant;
import dev.airlock.core.ops.OpsAccount;
import dev.airlock.core.store.StateStore;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A real {@link StateStore} behind a decorator that a test overrides where it injects a fault or a pause (a failing
 * write, another writer between two reads). Everything it does not override goes to the real store: this is fault
 * injection around our store, not a mock of it.
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
