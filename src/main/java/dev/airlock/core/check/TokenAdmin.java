package dev.airlock.core.check;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.audit.AuditedChange;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.store.AuditedWrites;
import dev.airlock.core.store.StateChange;
import dev.airlock.core.store.StateStore;
import dev.airlock.core.token.AccessToken;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * State changes that take rights away: revocation (RFC 7009) and freezing an environment. Each goes through the
 * store's {@link AuditedWrites}, so no change takes effect unrecorded; the future completes once both are durable,
 * and fails with {@link AuditedChange.NotDone} if the change did not take effect.
 */
public final class TokenAdmin {
    private final Policy policy;
    private final AuditSink audit;
    private final AuditedWrites writes;

    public TokenAdmin(Policy policy, StateStore store, AuditSink audit) {
        this.policy = policy;
        this.audit = audit;
        this.writes = store.audited(audit);
    }

    /** Outcome of an RFC 7009 request by a client. */
    public enum RevokeResult { REVOKED, NOT_A_TOKEN, OTHER_CLIENTS_TOKEN }

    /**
     * RFC 7009 §2.1: a client may revoke only its own tokens; an invalid or expired token is not an error (§2.2),
     * since the client's goal, that the token be unusable, is met.
     *
     * @param v {@link TokenUsability#revocableBy} for this token and {@code clientId}: who owns it is decided there
     */
    public CompletableFuture<RevokeResult> revokeByClient(TokenUsability.Verdict v, String clientId, String address) {
        if (!v.verified()) return CompletableFuture.completedFuture(RevokeResult.NOT_A_TOKEN);
        AccessToken t = v.token();
        if (!v.ok()) {
            return audit.append(AuditEvent.of("token.revoke_refused").with("jti", t.jti()).with("by", clientId)
                    .with("reason", v.refusal().reason()).with("address", address).build())
                    .thenApply(x -> RevokeResult.OTHER_CLIENTS_TOKEN);
        }
        return revoke(t.jti(), t.expiresAt(), "client:" + clientId, t.environment()).thenApply(x -> RevokeResult.REVOKED);
    }

    /** Revocation by an operator, who may not have the token itself: the jti (from the audit log) is enough. */
    public CompletableFuture<Void> revoke(String jti, Instant expiresAt, String by, String environment) {
        AuditEvent e = AuditEvent.of("token.revoked").with("jti", jti).with("exp", expiresAt.getEpochSecond())
                .with("env", environment).with("by", by).build();
        return writes.apply(e, new StateChange.Revoke(jti, expiresAt));
    }

    public CompletableFuture<Void> setFrozen(String environment, boolean frozen, String by) {
        if (policy.environment(environment).isEmpty()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("unknown environment '" + environment + "'"));
        }
        AuditEvent e = AuditEvent.of(frozen ? "env.frozen" : "env.unfrozen").with("env", environment).with("by", by).build();
        return writes.apply(e, new StateChange.Freeze(environment, frozen));
    }
}
