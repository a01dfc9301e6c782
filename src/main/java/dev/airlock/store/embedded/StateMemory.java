package dev.airlock.store.embedded;

import dev.airlock.core.grant.Grant;
import dev.airlock.core.ops.OpsAccount;
import dev.airlock.core.store.AssertionLimits;
import dev.airlock.core.store.Retention;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-memory view that answers every read. Keys are never deleted except for expiry, and an unfreeze is kept as
 * {@code frozen=false} rather than removed: a snapshot taken by another process is then a superset, key by key, of
 * what any process holds, so applying it on top of our maps (after a compaction we did not do) is correct.
 */
public final class StateMemory {

    /** A revocation: the token's {@code exp}, and the monotonic time before which it is kept ({@link Retention}). */
    record Revoked(long exp, long holdUntil) {}

    final ConcurrentHashMap<String, Revoked> revoked = new ConcurrentHashMap<>();
    final ConcurrentHashMap<String, Boolean> frozen = new ConcurrentHashMap<>();
    final ConcurrentHashMap<String, String> secrets = new ConcurrentHashMap<>();
    /** Kept as {@code false} after an enable, like an unfreeze, so snapshots stay supersets key by key. */
    final ConcurrentHashMap<String, Boolean> agentsDisabled = new ConcurrentHashMap<>();
    final ConcurrentHashMap<String, Long> agentTokensVoid = new ConcurrentHashMap<>();
    private final Retention retention;
    private final UsedAssertions assertions;
    final ConcurrentHashMap<String, Grant> grants = new ConcurrentHashMap<>();
    final ConcurrentHashMap<String, OpsAccount> opsAccounts = new ConcurrentHashMap<>();
    /** Versions admitted into the batch being written but not yet durable; see {@link #admit}. Writer thread only. */
    private final Map<String, Long> admitted = new HashMap<>();

    public boolean isRevoked(String jti) {
        return revoked.containsKey(jti);
    }

    public boolean isFrozen(String env) {
        return Boolean.TRUE.equals(frozen.get(env));
    }

    public java.util.Set<String> frozenEnvironments() {
        return frozen.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey)
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    public java.util.Optional<String> agentSecretHash(String agentId) {
        return java.util.Optional.ofNullable(secrets.get(agentId));
    }

    public boolean isAgentDisabled(String agentId) {
        return Boolean.TRUE.equals(agentsDisabled.get(agentId));
    }

    public java.util.Optional<java.time.Instant> agentTokensVoidUntil(String agentId) {
        Long second = agentTokensVoid.get(agentId);
        return second == null ? java.util.Optional.empty() : java.util.Optional.of(java.time.Instant.ofEpochSecond(second));
    }

    public java.util.Optional<Grant> grant(String id) {
        return java.util.Optional.ofNullable(grants.get(id));
    }

    /** In creation order (newest last). */
    public List<Grant> grants() {
        return grants.values().stream().sorted(java.util.Comparator.comparing(Grant::createdAt)
                .thenComparing(Grant::id)).toList();
    }

    public java.util.Optional<OpsAccount> opsAccount(String name) {
        return java.util.Optional.ofNullable(opsAccounts.get(name));
    }

    public List<OpsAccount> opsAccounts() {
        return opsAccounts.values().stream().sorted(java.util.Comparator.comparing(OpsAccount::name)).toList();
    }

    /** How long a grant that can no longer change is kept (for GET /v1/grants/{id} and the ops history). */
    static final Duration FINAL_GRANT_RETENTION = Duration.ofDays(30);

    public StateMemory(AssertionLimits assertionLimits, Retention retention) {
        this.retention = retention;
        this.assertions = new UsedAssertions(assertionLimits, retention);
    }

    public void apply(StateOp op) {
        if (op instanceof StateOp.Revoke r) {
            Revoked learned = new Revoked(r.exp(), retention.holdUntil(r.exp(), retention.read()));
            // Held for the longer of the two, whichever line came first.
            revoked.merge(r.jti(), learned, (old, neu) -> new Revoked(Math.max(old.exp(), neu.exp()),
                    neu.holdUntil() - old.holdUntil() > 0 ? neu.holdUntil() : old.holdUntil()));
        } else if (op instanceof StateOp.Freeze f) {
            frozen.put(f.env(), f.frozen());
        } else if (op instanceof StateOp.Secret s) {
            secrets.put(s.agent(), s.sha256());
        } else if (op instanceof StateOp.AgentDisabled d) {
            agentsDisabled.put(d.agent(), d.disabled());
        } else if (op instanceof StateOp.AgentTokensVoid v) {
            agentTokensVoid.merge(v.agent(), v.second(), Math::max);
        } else if (op instanceof StateOp.Assertion a) {
            assertions.remember(a.client(), a.jti(), a.exp());
        } else if (op instanceof StateOp.SaveGrant g) {
            grants.merge(g.grant().id(), g.grant(), (old, neu) -> neu.version() > old.version() ? neu : old);
        } else if (op instanceof StateOp.SaveOps s) {
            opsAccounts.merge(s.account().name(), s.account(), (old, neu) -> neu.version() > old.version() ? neu : old);
        }
    }

    /**
     * The compare-and-set, decided under the journal lock after catching up with every other process: a versioned
     * record is written only if it is exactly one version past what is stored (or admitted earlier in this batch).
     */
    boolean admit(StateOp op) {
        String key;
        long version;
        long stored;
        if (op instanceof StateOp.SaveGrant g) {
            key = "g:" + g.grant().id();
            version = g.grant().version();
            Grant current = grants.get(g.grant().id());
            stored = current == null ? 0 : current.version();
        } else if (op instanceof StateOp.SaveOps s) {
            key = "o:" + s.account().name();
            version = s.account().version();
            OpsAccount current = opsAccounts.get(s.account().name());
            stored = current == null ? 0 : current.version();
        } else {
            return true;
        }
        long current = Math.max(stored, admitted.getOrDefault(key, 0L));
        if (version != current + 1) return false;
        admitted.put(key, version);
        return true;
    }

    /** The batch was written (its ops are applied) or abandoned (the owner resynchronises): forget admissions. */
    void clearAdmitted() {
        admitted.clear();
    }

    /**
     * Atomically reserves a client assertion id: true if unseen or forgotten. Done in memory before the journal
     * write so two concurrent uses of one jti in this process get exactly one {@code true}. A reservation whose
     * write then fails is kept: the jti stays burnt, which costs the client a fresh assertion, never a replay.
     *
     * @throws AssertionLimits.Reached if a cap is reached; nothing is reserved
     */
    public boolean reserveAssertion(String client, String jti, long exp) {
        return assertions.reserve(client, jti, exp, retention.read());
    }

    /**
     * Forgets revocations and assertion ids once {@link Retention} allows it (their tokens expired long enough ago,
     * by both clocks, that no tolerated clock step revives them): an expired token is refused on its own, so
     * remembering it longer protects nothing and would grow without bound. Assertion ids are also purged as new ones
     * are reserved (cheaply, oldest first); this pass covers a process that reserves none.
     */
    public void purgeExpired() {
        purgeExpired(op -> {});
    }

    /**
     * As {@link #purgeExpired()}, telling {@code forgotten} each revocation and grant it drops, and the assertion ids
     * dropped since the last call if {@link #trackForgottenAssertions} was called: a shared store deletes its rows.
     */
    public void purgeExpired(java.util.function.Consumer<StateOp> forgotten) {
        Retention.Reading now = retention.read();
        revoked.entrySet().removeIf(e -> {
            boolean forget = retention.mayForget(e.getValue().exp(), e.getValue().holdUntil(), now);
            if (forget) forgotten.accept(new StateOp.Revoke(e.getKey(), e.getValue().exp()));
            return forget;
        });
        assertions.purge(now);
        assertions.drainForgotten().forEach(forgotten);
        long keepAfter = now.wallSecond() - FINAL_GRANT_RETENTION.toSeconds();
        grants.values().removeIf(g -> {
            boolean forget = g.status().isFinal() && lastMoment(g) < keepAfter;
            if (forget) forgotten.accept(new StateOp.SaveGrant(g));
            return forget;
        });
    }

    /** Keeps the assertion ids purged (also those purged while reserving) for {@link #purgeExpired(java.util.function.Consumer)}. */
    public void trackForgottenAssertions() {
        assertions.trackForgotten();
    }

    /** The assertion ids forgotten since the last drain (tracked only after {@link #trackForgottenAssertions}). */
    public List<StateOp> drainForgottenAssertions() {
        return assertions.drainForgotten();
    }

    /** The count cap ({@code GrantLimits}): only a grant still final is dropped, so a racing save is never lost. */
    public void forgetGrants(java.util.Collection<String> ids) {
        for (String id : ids) grants.computeIfPresent(id, (k, g) -> g.status().isFinal() ? null : g);
    }

    private static long lastMoment(Grant g) {
        long t = g.expiresAt().getEpochSecond();
        if (g.tokenExpiresAt() != null) t = Math.max(t, g.tokenExpiresAt().getEpochSecond());
        if (g.decidedAt() != null) t = Math.max(t, g.decidedAt().getEpochSecond());
        return t;
    }

    /**
     * Everything still live, one op per key: the content of a snapshot. Every revocation and assertion id still
     * remembered is in it, expired or not: dropping one here would forget it at the next start, whatever the clocks.
     */
    List<StateOp> liveOps() {
        List<StateOp> ops = new ArrayList<>();
        frozen.forEach((env, isFrozen) -> ops.add(new StateOp.Freeze(env, isFrozen)));
        secrets.forEach((agent, sha) -> ops.add(new StateOp.Secret(agent, sha)));
        agentsDisabled.forEach((agent, disabled) -> ops.add(new StateOp.AgentDisabled(agent, disabled)));
        agentTokensVoid.forEach((agent, second) -> ops.add(new StateOp.AgentTokensVoid(agent, second)));
        opsAccounts.values().forEach(a -> ops.add(new StateOp.SaveOps(a)));
        grants.values().stream().sorted(java.util.Comparator.comparing(Grant::createdAt).thenComparing(Grant::id))
                .forEach(g -> ops.add(new StateOp.SaveGrant(g)));
        revoked.forEach((jti, r) -> ops.add(new StateOp.Revoke(jti, r.exp())));
        ops.addAll(assertions.liveOps());
        return ops;
    }
}
