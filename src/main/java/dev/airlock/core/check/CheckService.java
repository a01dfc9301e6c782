package dev.airlock.core.check;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.grant.Grant;
import dev.airlock.core.grant.GrantRedemption;
import dev.airlock.core.oauth.GrantGuidance;
import dev.airlock.core.policy.Agent;
import dev.airlock.core.policy.AgentGrants;
import dev.airlock.core.policy.CanonicalId;
import dev.airlock.core.policy.Environment;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.ResourcePattern;
import dev.airlock.core.policy.Scope;
import dev.airlock.core.store.StateStore;
import dev.airlock.core.token.AccessToken;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The isolation check (DESIGN flow 3): environment isolation is checked, not assumed. The order of the checks is the
 * order of the refusals' precedence: the token first (whether it is usable at all is {@link TokenUsability}'s answer:
 * verified, not revoked, environment known and not frozen, audience, grant standing), then the environment asked
 * about, then the action, then the resource's owner, then what a grant token was approved for.
 */
public final class CheckService {

    /**
     * {@code resource} may be null; the others are required (the HTTP layer refuses a request without them).
     * {@code resource} is kept in {@link CanonicalId canonical form}: every rule below, the reason, the grant use and the
     * audit event see the one identity of the resource, whatever spelling was asked about (issue 12).
     */
    public record Request(String token, String environment, String action, String resource, String address) {
        public Request {
            resource = resource == null ? null : CanonicalId.of(resource);
        }
    }

    private final Policy policy;
    private final StateStore store;
    private final TokenUsability tokens;
    private final AuditSink audit;
    private final String baseUrl;
    private final GrantRedemption grants;

    public CheckService(Policy policy, StateStore store, TokenUsability tokens, AuditSink audit, String baseUrl,
                        GrantRedemption grants) {
        this.grants = grants;
        this.policy = policy;
        this.store = store;
        this.tokens = tokens;
        this.audit = audit;
        this.baseUrl = baseUrl;
    }

    /**
     * Decides, spends one use of a grant token when the answer is yes (compare-and-set: of two concurrent checks with
     * a one-shot token exactly one is allowed), and audits, in that order, before anyone is told.
     */
    public CompletableFuture<Decision> check(Request req) {
        Decision d = decide(req);
        if (d.allowed() && d.token().isGrantToken()) {
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

    /**
     * "Would a token of mine for {@code environment} allow {@code action} on {@code resource}?", asked by an agent about
     * itself (Airlock's own MCP server, tool {@code check}): decided for the token the agent could get there without
     * a human (every scope of its {@code scopes} list in that environment), with the same rules {@link #decide}
     * applies, and without minting anything. A scope only people can grant is refused with {@code grant_required} and
     * the instructions for asking, unless the resource is another environment's, which is said first (asking for it
     * here would not help). Audited as a {@code check} event with {@code preview: true} and no {@code jti}.
     */
    public CompletableFuture<Decision> preview(Agent agent, Request req) {
        Decision d = previewDecision(agent, req);
        AuditEvent event = AuditEvent.of("check").with("allowed", d.allowed()).with("code", d.code())
                .with("reason", d.reason()).with("env", req.environment()).with("action", req.action())
                .with("resource", req.resource()).with("client_id", agent.id()).with("preview", true)
                .with("address", req.address()).build();
        return audit.append(event).thenApply(v -> d);
    }

    private Decision previewDecision(Agent agent, Request req) {
        Environment env = policy.environment(req.environment()).orElse(null);
        if (env == null) return Decision.deny("unknown_environment", "unknown environment '" + req.environment() + "'", null);
        AgentGrants mine = agent.in(env.name()).orElse(null);
        if (mine == null) {
            return Decision.deny("environment_not_allowed", agent.id() + " gets nothing in " + env.name(), null);
        }
        if (store.isFrozen(env.name())) {
            return Decision.deny("environment_frozen", "environment " + env.name() + " is frozen by ops", null);
        }
        Scope scope = policy.scope(req.action()).orElse(null);
        if (scope == null) return Decision.deny("unknown_action", "unknown action '" + req.action() + "'", null);
        Decision owned = ownership(req, null, env, scope);
        if (scope.automatic()) {
            if (!mine.scopes().contains(scope.name())) {
                return Decision.deny("scope_missing", agent.id() + " may not get " + scope.name() + " in " + env.name()
                        + "; it may get " + String.join(" ", new java.util.TreeSet<>(mine.scopes())), null);
            }
            return owned;
        }
        if (owned.code().equals("resource_in_other_environment")) {
            String owner = policy.ownerOf(req.resource()).map(Environment::name).orElseThrow();
            boolean mayAsk = agent.in(owner).map(g -> g.grantable().contains(scope.name())).orElse(false);
            return owned.withGuidance(GrantGuidance.structured(baseUrl, owner, List.of(scope.name()), mayAsk));
        }
        boolean mayAsk = mine.grantable().contains(scope.name());
        return Decision.deny("grant_required", scope.name() + " in " + env.name() + " is never issued automatically ("
                + scope.whyNotAutomatic() + "): " + (mayAsk ? "people must approve it for exact resources"
                : "and " + agent.id() + " may not ask for it there"), null)
                .withGuidance(GrantGuidance.structured(baseUrl, env.name(), List.of(scope.name()), mayAsk));
    }

    /** The decision alone, without auditing. Pure apart from reading revocations, freezes and grants. */
    public Decision decide(Request req) {
        TokenUsability.Verdict v = tokens.forAction(req.token());
        return v.ok() ? decideVerified(v.token(), req) : refused(v);
    }

    private static Decision refused(TokenUsability.Verdict v) {
        return Decision.deny(v.refusal().code(), v.refusal().reason(), v.token());
    }

    /**
     * The token alone ({@link TokenUsability#forAction}): allowed (with the token) or refused with the same codes
     * {@link #decide} uses. For callers that must know who asks before they know what is asked.
     */
    public Decision authenticate(String token) {
        return authenticate(token, null);
    }

    /** As {@link #authenticate(String)}, at the MCP gateway {@code gateway} ({@link TokenUsability#forAction(String, String)}). */
    public Decision authenticate(String token, String gateway) {
        TokenUsability.Verdict v = tokens.forAction(token, gateway);
        return v.ok() ? Decision.allow(v.token(), "token valid for " + v.token().environment()) : refused(v);
    }

    // --- several actions at once (the enforcement proxy: one request, every action it would take) ---

    /**
     * One action of a request that takes several: a scope and the one resource it touches, or null for none; the
     * resource is kept in canonical form, as in {@link Request}.
     */
    public record Item(String action, String resource) {
        public Item {
            resource = resource == null ? null : CanonicalId.of(resource);
        }
    }

    /**
     * The decision on a whole request, and which item it fell on.
     *
     * @param refused the index of the first refused item; -1 when the request is allowed or refused before any item
     *                (a token that is not usable)
     */
    public record Outcome(Decision decision, int refused) {}

    /**
     * Decides every item for the environment of the token itself, the way {@link #decide} decides one: all must be
     * allowed or the whole request is refused. Nothing is spent and nothing audited; see {@link #spend}.
     *
     * <p>Precedence: the token ({@link TokenUsability#forAction}), then isolation over all items (a resource owned by
     * another environment is the refusal that tells the agent what is really wrong: asking for {@code volume:delete}
     * in staging would not help it delete a production volume), then each item in order, then, for a grant token,
     * whether the grant has a use left for every item.
     */
    public Outcome decideAll(String token, List<Item> items) {
        return decideAll(token, null, items);
    }

    /**
     * As {@link #decideAll(String, List)}, at the MCP gateway {@code gateway}, whose tokens are bound to its URL
     * ({@link TokenUsability#forAction(String, String)}); null for the proxy.
     */
    public Outcome decideAll(String token, String gateway, List<Item> items) {
        if (items.isEmpty()) throw new IllegalArgumentException("nothing to decide");
        TokenUsability.Verdict v = tokens.forAction(token, gateway);
        if (!v.ok()) {
            Decision d = refused(v);
            // A used-up grant is the one token refusal a new grant fixes.
            if (d.code().equals("grant_used")) d = guided(d, v.token(), v.token().environment(), items.get(0).action());
            return new Outcome(d, -1);
        }
        AccessToken t = v.token();
        for (int i = 0; i < items.size(); i++) {
            Item item = items.get(i);
            Environment owner = item.resource() == null ? null : policy.ownerOf(item.resource()).orElse(null);
            if (owner != null && !owner.name().equals(t.environment())) {
                Decision d = Decision.deny("resource_in_other_environment", "resource " + item.resource()
                        + " belongs to " + owner.name() + ", and this token is for " + t.environment(), t);
                return new Outcome(guided(d, t, owner.name(), item.action()), i);
            }
        }
        for (int i = 0; i < items.size(); i++) {
            Item item = items.get(i);
            Decision d = decideVerified(t, new Request(token, t.environment(), item.action(), item.resource(), null));
            if (!d.allowed()) return new Outcome(guided(d.withGuidance(null), t, t.environment(), item.action()), i);
        }
        if (t.isGrantToken()) {
            // Each item is one act the approvers allowed once: two deletions in one request need two uses.
            int left = store.grant(t.grantId()).map(Grant::usesLeft).orElse(0);
            if (left < items.size()) {
                Decision d = Decision.deny("grant_used", left == 0 ? "grant already used" : "this request takes "
                        + items.size() + " uses of grant " + t.grantId() + " and it has " + left + " left", t);
                return new Outcome(guided(d, t, t.environment(), items.get(0).action()), 0);
            }
        }
        String what = items.size() == 1 ? "1 action" : items.size() + " actions";
        return new Outcome(Decision.allow(t, what + " allowed for " + t.environment()), -1);
    }

    /**
     * Spends the grant uses an allowed {@link #decideAll} needs (one per item; nothing for a token without a grant).
     * Each use is a compare-and-set on the grant, so of two concurrent requests with a one-shot token exactly one
     * is allowed. A request of several items that loses a race part-way is refused and the uses it spent are not
     * given back: failing closed costs the agent a new grant, never an unapproved act.
     */
    public CompletableFuture<Decision> spend(Decision allowed, List<Item> items, String address) {
        if (!allowed.allowed()) throw new IllegalArgumentException("only an allowed decision is spent");
        AccessToken t = allowed.token();
        if (!t.isGrantToken()) return CompletableFuture.completedFuture(allowed);
        CompletableFuture<Decision> chain = CompletableFuture.completedFuture(allowed);
        for (Item item : items) {
            chain = chain.thenCompose(d -> !d.allowed() ? CompletableFuture.completedFuture(d)
                    : grants.spend(t, item.resource(), address).thenApply(refusal -> refusal == null ? d
                    : guided(Decision.deny(refusal.code(), refusal.reason(), t), t, t.environment(), item.action())));
        }
        String grantId = t.grantId();
        return chain.thenApply(d -> d.allowed() ? Decision.allow(t, d.reason() + "; approved in grant " + grantId) : d);
    }

    /** Refusals a human grant could fix carry the instructions for asking one, for the environment that can give it. */
    private Decision guided(Decision d, AccessToken t, String environment, String action) {
        Scope scope = policy.scope(action).orElse(null);
        if (scope == null || scope.automatic() || !GUIDED.contains(d.code())) return d;
        boolean mayAsk = policy.agent(t.clientId()).flatMap(a -> a.in(environment))
                .map(g -> g.grantable().contains(scope.name())).orElse(false);
        return d.withGuidance(GrantGuidance.structured(baseUrl, environment, List.of(scope.name()), mayAsk));
    }

    private static final java.util.Set<String> GUIDED = java.util.Set.of("scope_missing", "resource_in_other_environment",
            "grant_used", "resource_not_granted");

    /** A usable token ({@link TokenUsability#forAction}), and the action asked for. */
    private Decision decideVerified(AccessToken t, Request req) {
        Environment env = policy.environment(req.environment()).orElse(null);
        if (env == null) return Decision.deny("unknown_environment", "unknown environment '" + req.environment() + "'", t);
        if (!t.environment().equals(env.name())) {
            return Decision.deny("wrong_environment", "token is for " + t.environment() + ", not " + env.name(), t);
        }
        Scope scope = policy.scope(req.action()).orElse(null);
        if (scope == null) return Decision.deny("unknown_action", "unknown action '" + req.action() + "'", t);
        if (!t.hasScope(scope.name())) {
            // Guidance says whether this agent may ask at all (issue 16: "agent_may_request": true for a scope the
            // grant endpoint then refused it sent the agent round in a loop).
            return guided(Decision.deny("scope_missing", "token does not carry " + scope.name(), t), t, env.name(),
                    scope.name());
        }
        return resource(req, t, env, scope);
    }

    private Decision resource(Request req, AccessToken t, Environment env, Scope scope) {
        Decision d = ownership(req, t, env, scope);
        if (!d.allowed() || !t.isGrantToken()) return d;
        // A grant token acts only on what people approved, and only as many times as they approved.
        GrantRedemption.UseRefusal refusal = grants.useProblem(t, req.resource());
        if (refusal != null) return Decision.deny(refusal.code(), refusal.reason(), t);
        return Decision.allow(t, d.reason() + "; approved in grant " + t.grantId());
    }

    private Decision ownership(Request req, AccessToken t, Environment env, Scope scope) {
        String id = req.resource();
        if (id == null || id.isEmpty()) {
            if (scope.destructive()) {
                return Decision.deny("resource_required", scope.whyNotAutomatic() + "; name the resource", t);
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
        for (ResourcePattern p : policy.patternsMatching(owner, id)) {
            if (p.type() != null && !p.type().equals(scope.resourceType())) {
                return Decision.deny("resource_type_mismatch", "resource " + id + " is a " + p.type() + ", not a "
                        + scope.resourceType(), t);
            }
        }
        return Decision.allow(t, "token carries " + scope.name() + " and " + id + " belongs to " + env.name());
    }
}
