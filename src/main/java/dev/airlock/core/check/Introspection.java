package dev.airlock.core.check;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.token.AccessToken;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * RFC 7662 token introspection, for resource servers the policy names ({@code introspect:} in agents.yaml). Anything
 * {@link TokenUsability#forIntrospectionBy} does not accept (bad signature, expired, revoked, agent disabled,
 * environment frozen or gone from the policy or not served by the caller, wrong audience, and every grant token, which
 * only /v1/check and the proxy decide) is simply {@code {"active": false}}: §2.2 says to give no reason to the caller. The
 * reason is in the audit log.
 */
public final class Introspection {
    private final TokenUsability tokens;
    private final AuditSink audit;
    private final String issuer;

    public Introspection(TokenUsability tokens, AuditSink audit, String issuer) {
        this.tokens = tokens;
        this.audit = audit;
        this.issuer = issuer;
    }

    /**
     * The caller may not introspect at all ({@link TokenUsability#forIntrospectionBy}): an authenticated client that
     * is not a resource server. Answered 403 with an OAuth error body, never {@code active: false}, which would let an
     * operator's misconfigured gateway believe every token inactive, or an agent believe its token was.
     */
    public static final class NotAllowed extends RuntimeException {
        NotAllowed(String reason) {
            super(reason, null, false, false);
        }
    }

    /** Completes with the RFC 7662 answer; fails with {@link NotAllowed} for a caller that may not introspect. */
    public CompletableFuture<Map<String, Object>> introspect(String token, String callerClientId, String address) {
        TokenUsability.Verdict v = tokens.forIntrospectionBy(token, callerClientId);
        if (!v.ok() && v.refusal().code().equals("introspection_not_allowed")) {
            AuditEvent refused = AuditEvent.of("token.introspect_refused").with("by", callerClientId)
                    .with("reason", v.refusal().code()).with("address", address).build();
            return audit.append(refused).thenCompose(x -> CompletableFuture.failedFuture(
                    new NotAllowed(v.refusal().reason())));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("active", v.ok());
        if (v.ok()) {
            AccessToken t = v.token();
            out.put("scope", String.join(" ", new TreeSet<>(t.scopes())));
            out.put("client_id", t.clientId());
            out.put("sub", t.subject());
            out.put("aud", t.audience());
            out.put("iss", issuer);
            out.put("env", t.environment());
            out.put("token_type", "Bearer");
            out.put("exp", t.expiresAt().getEpochSecond());
            out.put("iat", t.issuedAt().getEpochSecond());
            out.put("nbf", t.notBefore().getEpochSecond());
            out.put("jti", t.jti());
            if (t.isDelegated()) {
                // RFC 8693 §4.1 and RFC 7662 §2.2: sub is the user, act the agent that holds the token.
                out.put("act", Map.of("sub", t.actor()));
                Map<String, Object> user = new LinkedHashMap<>();
                user.put("issuer", t.onBehalfOf().issuerId());
                user.put("iss", t.onBehalfOf().issuer());
                user.put("sub", t.onBehalfOf().subject());
                if (t.onBehalfOf().name() != null) user.put("name", t.onBehalfOf().name());
                out.put("on_behalf_of", user);
            }
        }
        AuditEvent e = AuditEvent.of("token.introspected").with("by", callerClientId)
                .with("jti", v.verified() ? v.token().jti() : null)
                .with("sub", v.verified() && v.token().isDelegated() ? v.token().subject() : null).with("active", v.ok())
                .with("reason", v.ok() ? null : v.refusal().code()).with("address", address).build();
        return audit.append(e).thenApply(x -> out);
    }
}
