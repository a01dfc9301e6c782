package dev.airlock.core.store;

import dev.airlock.core.grant.Grant;
import dev.airlock.core.ops.OpsAccount;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A state change as data, so that a store can commit it together with its audit event ({@link AuditedWrites}): a
 * lambda can only be run, a value can be written in the same transaction as the event that records it.
 *
 * @param <T> what the change answers: {@code Void}, or {@code Boolean} for a compare-and-set save
 */
public sealed interface StateChange<T> {

    /**
     * One case per kind of change: what a {@code switch} over this sealed type would be on a later Java, and as
     * exhaustive (a new kind of change does not compile until every store handles it).
     */
    interface Cases<R> {
        R revoke(Revoke change);

        R freeze(Freeze change);

        R agentSecret(AgentSecret change);

        R agentDisabled(AgentDisabled change);

        R agentTokensVoid(AgentTokensVoid change);

        R saveGrant(SaveGrant change);

        R saveOpsAccount(SaveOpsAccount change);

        R forgetGrants(ForgetGrants change);
    }

    <R> R match(Cases<R> cases);

    /** {@link StateStore#revoke}. */
    record Revoke(String jti, Instant expiresAt) implements StateChange<Void> {
        public Revoke {
            Objects.requireNonNull(jti);
            Objects.requireNonNull(expiresAt);
        }

        @Override
        public <R> R match(Cases<R> cases) {
            return cases.revoke(this);
        }
    }

    /** {@link StateStore#setFrozen}. */
    record Freeze(String environment, boolean frozen) implements StateChange<Void> {
        public Freeze {
            Objects.requireNonNull(environment);
        }

        @Override
        public <R> R match(Cases<R> cases) {
            return cases.freeze(this);
        }
    }

    /** {@link StateStore#putAgentSecretHash}. */
    record AgentSecret(String agentId, String sha256Hex) implements StateChange<Void> {
        public AgentSecret {
            Objects.requireNonNull(agentId);
            Objects.requireNonNull(sha256Hex);
        }

        @Override
        public <R> R match(Cases<R> cases) {
            return cases.agentSecret(this);
        }
    }

    /** {@link StateStore#setAgentDisabled}. */
    record AgentDisabled(String agentId, boolean disabled) implements StateChange<Void> {
        public AgentDisabled {
            Objects.requireNonNull(agentId);
        }

        @Override
        public <R> R match(Cases<R> cases) {
            return cases.agentDisabled(this);
        }
    }

    /** {@link StateStore#voidAgentTokens}: kept to the second, as tokens' {@code iat} is. */
    record AgentTokensVoid(String agentId, Instant notBefore) implements StateChange<Void> {
        public AgentTokensVoid {
            Objects.requireNonNull(agentId);
            notBefore = Instant.ofEpochSecond(notBefore.getEpochSecond());
        }

        @Override
        public <R> R match(Cases<R> cases) {
            return cases.agentTokensVoid(this);
        }
    }

    /** {@link StateStore#saveGrant}: {@code false} if the compare-and-set lost. */
    record SaveGrant(Grant grant) implements StateChange<Boolean> {
        public SaveGrant {
            Objects.requireNonNull(grant);
        }

        @Override
        public <R> R match(Cases<R> cases) {
            return cases.saveGrant(this);
        }
    }

    /** {@link StateStore#saveOpsAccount}: {@code false} if the compare-and-set lost. */
    record SaveOpsAccount(OpsAccount account) implements StateChange<Boolean> {
        public SaveOpsAccount {
            Objects.requireNonNull(account);
        }

        @Override
        public <R> R match(Cases<R> cases) {
            return cases.saveOpsAccount(this);
        }
    }

    /** {@link StateStore#forgetGrants}: the ones still final are forgotten. */
    record ForgetGrants(List<String> ids) implements StateChange<Void> {
        public ForgetGrants {
            ids = List.copyOf(ids);
        }

        @Override
        public <R> R match(Cases<R> cases) {
            return cases.forgetGrants(this);
        }
    }
}
