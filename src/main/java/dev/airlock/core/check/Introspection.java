package dev.airlock.core.check;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.grant.GrantRedemption;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.store.StateStore;
import dev.airlock.core.token.AccessToken;
import dev.airlock.core.token.TokenVerifier;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * RFC 7662 token introspection. Anything not usable right now (bad signature, expired, revoked, environment frozen
 * or gone from the policy, a grant token whose uses are spent) is simply {@code {"active": false}}: §2.2 says to give no reason to the caller.
 */
public final class Introspection {
    private final Policy policy;
    private final StateStore store;
    private final TokenVerifier verifier;
    private final AuditSink audit;
    private final String issuer;
    private final GrantRedemption grants;

    public Introspection(Policy policy, StateStore store, TokenVerifier verifier, AuditSink audit, String issuer,
                         GrantRedemption grants) {
        this.grants = grants;
        this.issuer = issuer;
        this.policy = policy;
        this.store = store;
        this.verifier = verifier;
        this.audit = audit;
    }

    public CompletableFuture<Map<String, Object>> introspect(String token, String callerClientId, String address) {
        TokenVerifier.Result v = verifier.verify(token);
        String inactive = !v.ok() ? v.rejection().code()
                : store.isRevoked(v.token().jti()) ? "revoked"
                : store.isFrozen(v.token().environment()) ? "environment_frozen"
                : policy.environment(v.token().environment()).isEmpty() ? "unknown_environment"
                // The check refuses a token whose aud is not its env's audience (wrong_environment); so must this.
                : !policy.environment(v.token().environment()).get().audience().equals(v.token().audience())
                        ? "wrong_audience"
                : v.token().grant() != null && !grants.usable(v.token()) ? "grant_spent" : null;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("active", inactive == null);
        if (inactive == null) {
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
            if (t.grant() != null) out.put("grant", t.grant());
        }
        AuditEvent e = AuditEvent.of("token.introspected").with("by", callerClientId)
                .with("jti", v.ok() ? v.token().jti() : null).with("active", inactive == null)
                .with("reason", inactive).with("address", address).build();
        return audit.append(e).thenApply(x -> out);
    }
}
