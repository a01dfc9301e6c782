package dev.airlock.core.check;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.grant.GrantRedemption;
import dev.airlock.core.oauth.GrantGuidance;
import dev.airlock.core.policy.Environment;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.ResourcePattern;
import dev.airlock.core.policy.Scope;
import dev.airlock.core.store.StateStore;
import dev.airlock.core.token.AccessToken;
import dev.airlock.core.token.TokenVerifier;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The isolation check (DESIGN flow 3): environment isolation is checked, not assumed. The order of the checks is the
 * order of the refusals' precedence: a bad token first, then state (revoked, frozen), then the token's environment,
 * then the action, then the resource's owner.
 */
public final class CheckService {

    /** {@code resource} may be null; the others are required (the HTTP layer refuses a request without them). */
    public record Request(String token, String environment, String action, String resource, String address) {}

    private final Policy policy;
    private final StateStore store;
    private final TokenVerifier verifier;
    private final AuditSink audit;
    private final String baseUrl;
    private final GrantRedemption grants;

    public CheckService(Policy policy, StateStore store, TokenVerifier verifier, AuditSink audit, String baseUrl,
                        GrantRedemption grants) {
        this.grants = grants;
        this.policy = policy;
        this.store = store;
        this.verifier = verifier;
        this.audit = audit;
        this.baseUrl = baseUrl;
    }

    /**
     * Decides, spends one use of a grant token when the answer is yes (compare-and-set: of two concurrent checks with
     * a one-shot token exactly one is allowed), and audits, in that order, before anyone is told.
     */
    public CompletableFuture<Decision> check(Request req) {
        Decision d = decide(req);
        if (d.allowed() && d.token().grant() != null) {
            return grants.spend(d.token(), req.resource(), req.address()).thenCompose(refusal -> audited(req,
                    refusal == null ? d : Decision.deny(refusal.code(), refusal.reason(), d.token())));
        }
        return audited(req, d);
    }

    private CompletableFuture<Decision> audited(Request req, Decision d) {
        AccessToken t = d.token();
        AuditEvent event = AuditEvent.of("check").with("allowed", d.allowed()).with("code", d.code())
                .with("reason", d.reason()).with("env", req.environment()).with("action", req.action())
                .with("resource", req.resource()).with("jti", t == null ? null : t.jti())
                .with("client_id", t == null ? null : t.clientId()).with("address", req.address()).build();
        return audit.append(event).thenApply(v -> d);
    }

    /** The decision alone, without auditing. Pure apart from reading revocations and freezes. */
    public Decision decide(Request req) {
        TokenVerifier.Result v = verifier.verify(req.token());
        if (!v.ok()) {
            String code = v.rejection().code().equals("expired") ? "token_expired" : "token_invalid";
            return Decision.deny(code, "token refused: " + v.rejection().reason(), null);
        }
        AccessToken t = v.token();
        if (store.isRevoked(t.jti())) return Decision.deny("token_revoked", "token " + t.jti() + " was revoked", t);
        if (store.isFrozen(t.environment())) {
            return Decision.deny("environment_frozen", "environment " + t.environment() + " is frozen by ops", t);
        }
        Environment env = policy.environment(req.environment()).orElse(null);
        if (env == null) return Decision.deny("unknown_environment", "unknown environment '" + req.environment() + "'", t);
        if (!t.environment().equals(env.name()) || !t.audience().equals(env.audience())) {
            return Decision.deny("wrong_environment", "token is for " + t.environment() + ", not " + env.name(), t);
        }
        if (t.grant() != null && policy.environment(t.environment()).isEmpty()) {
            return Decision.deny("unknown_environment", "environment " + t.environment() + " is no longer in the policy", t);
        }
        Scope scope = policy.scope(req.action()).orElse(null);
        if (scope == null) return Decision.deny("unknown_action", "unknown action '" + req.action() + "'", t);
        if (!t.hasScope(scope.name())) {
            Decision d = Decision.deny("scope_missing", "token does not carry " + scope.name(), t);
            if (!scope.automatic()) {
                d = d.withGuidance(GrantGuidance.structured(baseUrl, env.name(), List.of(scope.name()), true));
            }
            return d;
        }
        return resource(req, t, env, scope);
    }

    private Decision resource(Request req, AccessToken t, Environment env, Scope scope) {
        Decision d = ownership(req, t, env, scope);
        if (!d.allowed() || t.grant() == null) return d;
        // A grant token acts only on what people approved, and only as many times as they approved.
        GrantRedemption.UseRefusal refusal = grants.useProblem(t, req.resource());
        if (refusal != null) return Decision.deny(refusal.code(), refusal.reason(), t);
        Object grantId = t.grant().get("id");
        return Decision.allow(t, d.reason() + "; approved in grant " + grantId);
    }

    private Decision ownership(Request req, AccessToken t, Environment env, Scope scope) {
        String id = req.resource();
        if (id == null || id.isEmpty()) {
            if (scope.destructive()) {
                return Decision.deny("resource_required", scope.name() + " is destructive: name the resource", t);
            }
            return Decision.allow(t, "token carries " + scope.name() + " for " + env.name());
        }
        Environment owner = policy.ownerOf(id).orElse(null);
        if (owner == null) {
            if (scope.destructive()) {
                return Decision.deny("resource_unknown", "resource " + id + " is not owned by any environment in the"
                        + " policy; destructive actions need a known resource", t);
            }
            return Decision.allow(t, "token carries " + scope.name() + " for " + env.name() + "; resource " + id
                    + " is not listed in the policy");
        }
        if (!owner.name().equals(env.name())) {
            return Decision.deny("resource_in_other_environment", "resource " + id + " belongs to " + owner.name(), t);
        }
        for (ResourcePattern p : owner.resources()) {
            if (p.matches(id) && p.type() != null && !p.type().equals(scope.resourceType())) {
                return Decision.deny("resource_type_mismatch", "resource " + id + " is a " + p.type() + ", not a "
                        + scope.resourceType(), t);
            }
        }
        return Decision.allow(t, "token carries " + scope.name() + " and " + id + " belongs to " + env.name());
    }
}
