package dev.airlock.store.embedded;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-memory view that answers every read. Keys are never deleted except for expiry, and an unfreeze is kept as
 * {@code frozen=false} rather than removed: a snapshot taken by another process is then a superset, key by key, of
 * what any process holds, so applying it on top of our maps (after a compaction we did not do) is correct.
 */
final class StateMemory {

    record AssertionKey(String client, String jti) {}

    final ConcurrentHashMap<String, Long> revoked = new ConcurrentHashMap<>();
    final ConcurrentHashMap<String, Boolean> frozen = new ConcurrentHashMap<>();
    final ConcurrentHashMap<String, String> secrets = new ConcurrentHashMap<>();
    final ConcurrentHashMap<AssertionKey, Long> assertions = new ConcurrentHashMap<>();

    void apply(StateOp op) {
        if (op instanceof StateOp.Revoke r) {
            revoked.merge(r.jti(), r.exp(), Math::max);
        } else if (op instanceof StateOp.Freeze f) {
            frozen.put(f.env(), f.frozen());
        } else if (op instanceof StateOp.Secret s) {
            secrets.put(s.agent(), s.sha256());
        } else if (op instanceof StateOp.Assertion a) {
            assertions.merge(new AssertionKey(a.client(), a.jti()), a.exp(), Math::max);
        }
    }

    /**
     * Atomically reserves a client assertion id: true if unseen or expired. Done in memory before the journal
     * write so two concurrent uses of one jti in this process get exactly one {@code true}. A reservation whose
     * write then fails is kept: the jti stays burnt, which costs the client a fresh assertion, never a replay.
     */
    boolean reserveAssertion(String client, String jti, long exp, long nowSeconds) {
        boolean[] fresh = {false};
        assertions.compute(new AssertionKey(client, jti), (key, seen) -> {
            if (seen != null && seen >= nowSeconds) return seen;
            fresh[0] = true;
            return exp;
        });
        return fresh[0];
    }

    /**
     * Forgets revocations and assertion ids whose tokens have expired (exp &lt; now): an expired token is refused
     * on its own, so remembering it protects nothing and would grow without bound.
     */
    void purgeExpired(long nowSeconds) {
        revoked.values().removeIf(exp -> exp < nowSeconds);
        assertions.values().removeIf(exp -> exp < nowSeconds);
    }

    /** Everything still live, one op per key: the content of a snapshot. */
    List<StateOp> liveOps(long nowSeconds) {
        List<StateOp> ops = new ArrayList<>();
        frozen.forEach((env, isFrozen) -> ops.add(new StateOp.Freeze(env, isFrozen)));
        secrets.forEach((agent, sha) -> ops.add(new StateOp.Secret(agent, sha)));
        for (Map.Entry<String, Long> r : revoked.entrySet()) {
            if (r.getValue() >= nowSeconds) ops.add(new StateOp.Revoke(r.getKey(), r.getValue()));
        }
        for (Map.Entry<AssertionKey, Long> a : assertions.entrySet()) {
            if (a.getValue() >= nowSeconds) {
                ops.add(new StateOp.Assertion(a.getKey().client(), a.getKey().jti(), a.getValue()));
            }
        }
        return ops;
    }
}
