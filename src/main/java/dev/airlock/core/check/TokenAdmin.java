package dev.airlock.core.check;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.audit.AuditedChange;
import dev.airlock.core.audit.IssuedTokens;
import dev.airlock.core.crypto.Hashes;
import dev.airlock.core.crypto.SecretShapes;
import dev.airlock.core.policy.Agent;
import dev.airlock.core.policy.AuthMethod;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.store.AuditedWrites;
import dev.airlock.core.store.StateChange;
import dev.airlock.core.store.StateStore;
import dev.airlock.core.token.AccessToken;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * The administrative changes to agents' credentials: revocation (RFC 7009), freezing an environment, and issuing an
 * agent's client secret. Each goes through the store's {@link AuditedWrites}, so no change takes effect unrecorded;
 * the future completes once both are durable, and fails with {@link AuditedChange.NotDone} if the change did not take
 * effect.
 */
public final class TokenAdmin {
    private final Policy policy;
    private final StateStore store;
    private final AuditSink audit;
    private final AuditedWrites writes;
    private final IssuedTokens issued;

    /** @param issued which jtis were issued (the audit trail): {@link #revokeIssued} asks it */
    public TokenAdmin(Policy policy, StateStore store, AuditSink audit, IssuedTokens issued) {
        this.policy = policy;
        this.store = store;
        this.audit = audit;
        this.issued = issued;
        this.writes = store.audited(audit);
    }

    /**
     * An operator's change that has nothing to act on (a jti never issued, an environment not frozen): nothing is
     * written but, for a jti, an audit event of the refused attempt. {@code code} is the wire code over HTTP.
     */
    public static final class NothingToDo extends IllegalArgumentException {
        public final String code;

        NothingToDo(String code, String message) {
            super(message);
            this.code = code;
        }
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

    /** An agent id the policy does not declare: nothing to disable, enable or revoke. */
    public static final class NoSuchAgent extends IllegalArgumentException {
        public NoSuchAgent(String agentId) {
            super("no agent '" + agentId + "' in agents.yaml");
        }
    }

    /**
     * Disables an agent, or enables it again ({@code agent.disabled}, {@code agent.enabled}). While disabled, its
     * secret and assertions are refused ({@code ClientAuthenticator}) and so is every token it holds, grant tokens
     * included ({@link TokenUsability}): one switch, in effect on every replica as soon as they read the change.
     */
    public CompletableFuture<Void> setAgentDisabled(String agentId, boolean disabled, String by) {
        if (policy.agent(agentId).isEmpty()) return CompletableFuture.failedFuture(new NoSuchAgent(agentId));
        AuditEvent e = AuditEvent.of(disabled ? "agent.disabled" : "agent.enabled").with("client_id", agentId)
                .with("by", by).build();
        return writes.apply(e, new StateChange.AgentDisabled(agentId, disabled));
    }

    /**
     * Voids every token issued to {@code agentId} at or before {@code now} (its second: tokens carry {@code iat} in
     * whole seconds, so one minted in that same second is void too), without knowing their jtis
     * ({@code agent.tokens_revoked}). Completes with the instant stored. Tokens issued after it are unaffected.
     */
    public CompletableFuture<Instant> revokeAgentTokens(String agentId, Instant now, String by) {
        if (policy.agent(agentId).isEmpty()) return CompletableFuture.failedFuture(new NoSuchAgent(agentId));
        StateChange.AgentTokensVoid change = new StateChange.AgentTokensVoid(agentId, now);
        AuditEvent e = AuditEvent.of("agent.tokens_revoked").with("client_id", agentId)
                .with("issued_at_or_before", change.notBefore().getEpochSecond()).with("by", by).build();
        return writes.apply(e, change).thenApply(done -> change.notBefore());
    }

    /** One agent of the policy as {@code airlock agent list} shows it: declared there, run-time state from the store. */
    public record AgentState(String id, String auth, java.util.List<String> environments, boolean hasSecret,
                             boolean disabled, Instant tokensVoidUntil, java.util.List<String> introspect) {
        /** The one shape of {@code airlock agent list --json} and {@code GET /v1/admin/agents}. */
        public java.util.Map<String, Object> asMap() {
            java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
            out.put("id", id);
            out.put("auth", auth);
            out.put("environments", environments);
            out.put("has_secret", hasSecret);
            out.put("disabled", disabled);
            out.put("tokens_void_until", tokensVoidUntil == null ? null : tokensVoidUntil.toString());
            out.put("introspect", introspect);
            return out;
        }
    }

    /** Every agent of the policy, in its order. {@code hasSecret} is false for key-authenticated agents. */
    public java.util.List<AgentState> agents() {
        return policy.agents().stream().map(a -> new AgentState(a.id(), a.auth().wireName(),
                a.environments().keySet().stream().sorted().toList(),
                store.agentSecretHash(a.id()).isPresent() && a.auth() == AuthMethod.CLIENT_SECRET_BASIC,
                store.isAgentDisabled(a.id()), store.agentTokensVoidUntil(a.id()).orElse(null),
                a.introspect().stream().sorted().toList())).toList();
    }

    /**
     * Revocation by an operator who names a jti: only an id Airlock issued is revoked (issue 16: a mistyped id used to
     * be "revoked", which told the operator the wrong token was dealt with). An id not of the shape Airlock issues is
     * refused without reading the trail and without an event (it may be anything pasted, even a secret); a well-formed
     * id no issuance event names gets a {@code token.revoke_refused} event. Fails with {@link NothingToDo} for both.
     */
    public CompletableFuture<Void> revokeIssued(String jti, Instant expiresAt, String by) {
        if (!IssuedTokens.JTI_SHAPE.matcher(jti).matches()) {
            return CompletableFuture.failedFuture(new NothingToDo("unknown_jti", "not a token id Airlock issues (a jti"
                    + " is 22 characters of A-Z a-z 0-9 _ -, as the audit log shows it); nothing revoked"));
        }
        return issued.issued(jti).thenCompose(found -> {
            if (found) return revoke(jti, expiresAt, by, null);
            return audit.append(AuditEvent.of("token.revoke_refused").with("jti", jti).with("by", by)
                    .with("reason", "never_issued").build())
                    .thenCompose(v -> CompletableFuture.failedFuture(new NothingToDo("unknown_jti", "Airlock never"
                            + " issued a token with jti " + jti + " (no issuance of it in the audit log); nothing"
                            + " revoked")));
        });
    }

    /** Why an agent cannot be given a secret: not declared, or it authenticates with a key instead. */
    public static final class NoSecret extends IllegalArgumentException {
        NoSecret(String message) {
            super(message);
        }
    }

    /**
     * Issues a new client secret for {@code agentId}, replacing any earlier one (which stops working at once; tokens
     * already issued live on until they expire or are revoked). Only its SHA-256 is stored; the secret is returned
     * once, after its event ({@code agent.secret_issued}) and the hash are both durable, so a failure leaves the old
     * secret in effect, never a hash whose secret nobody was shown. Fails with {@link NoSecret} for an agent that is
     * not declared or that authenticates with {@code private_key_jwt}.
     */
    public CompletableFuture<String> issueSecret(String agentId, String by, SecureRandom random) {
        Agent agent = policy.agent(agentId).orElse(null);
        if (agent == null) {
            return CompletableFuture.failedFuture(new NoSecret("no agent '" + agentId
                    + "' in agents.yaml; declare it there first"));
        }
        if (agent.auth() != AuthMethod.CLIENT_SECRET_BASIC) {
            return CompletableFuture.failedFuture(new NoSecret("agent " + agentId + " authenticates with "
                    + agent.auth().wireName() + "; it has no secret (its public key is in the policy)"));
        }
        String secret = SecretShapes.CLIENT_SECRET_PREFIX + Hashes.randomToken(random, 32);
        AuditEvent e = AuditEvent.of("agent.secret_issued").with("client_id", agentId).with("by", by).build();
        return writes.apply(e, new StateChange.AgentSecret(agentId, Hashes.sha256Hex(secret))).thenApply(done -> secret);
    }

    /**
     * A new secret, and what became of the tokens the agent already holds: {@code tokensVoidUntil} when they were
     * revoked with it, else null; {@code revokeFailure} when that revocation was asked for and failed (the secret is
     * still in effect and must still be shown, or nobody would hold the agent's only working secret).
     */
    public record IssuedSecret(String secret, Instant tokensVoidUntil, String revokeFailure) {}

    /**
     * {@link #issueSecret}, then, if {@code revokeTokensAt} is not null, {@link #revokeAgentTokens} as of the later of
     * that instant and the moment the secret was stored: in this order so that a token the old secret obtained while
     * the new one was being written is void too. A re-issued secret alone leaves live tokens valid until they expire
     * (at most {@code Policy.MAX_TOKEN_LIFETIME}); a leaked secret usually means leaked tokens as well.
     */
    public CompletableFuture<IssuedSecret> issueSecret(String agentId, String by, SecureRandom random,
                                                       java.time.Clock revokeTokensClock) {
        CompletableFuture<String> issued = issueSecret(agentId, by, random);
        if (revokeTokensClock == null) return issued.thenApply(secret -> new IssuedSecret(secret, null, null));
        return issued.thenCompose(secret -> revokeAgentTokens(agentId, revokeTokensClock.instant(), by)
                .handle((at, failure) -> failure == null ? new IssuedSecret(secret, at, null)
                        : new IssuedSecret(secret, null, String.valueOf(
                                failure.getCause() != null ? failure.getCause().getMessage() : failure.getMessage()))));
    }

    /** What a re-issued secret did to the tokens the agent already holds, in words for the operator. */
    public static String liveTokensNote(String agentId, IssuedSecret issued) {
        if (issued.tokensVoidUntil() != null) {
            return "every token issued to " + agentId + " at or before " + issued.tokensVoidUntil() + " is revoked";
        }
        String how = "tokens already issued to " + agentId + " stay valid until they expire (at most "
                + dev.airlock.core.policy.Policy.MAX_TOKEN_LIFETIME.toMinutes() + " minutes)";
        if (issued.revokeFailure() != null) {
            return "revoking them failed (" + issued.revokeFailure() + "): " + how + "; run 'airlock agent"
                    + " revoke-tokens " + agentId + "'";
        }
        return how + "; to end them now run 'airlock agent revoke-tokens " + agentId + "' (or re-issue with"
                + " --revoke-tokens)";
    }

    public CompletableFuture<Void> setFrozen(String environment, boolean frozen, String by) {
        if (policy.environment(environment).isEmpty()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("unknown environment '" + environment + "'"));
        }
        if (!frozen && !store.isFrozen(environment)) {
            return CompletableFuture.failedFuture(new NothingToDo("not_frozen", "environment " + environment
                    + " is not frozen; nothing changed"));
        }
        AuditEvent e = AuditEvent.of(frozen ? "env.frozen" : "env.unfrozen").with("env", environment).with("by", by).build();
        return writes.apply(e, new StateChange.Freeze(environment, frozen));
    }
}
