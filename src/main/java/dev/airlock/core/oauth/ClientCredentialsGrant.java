package dev.airlock.core.oauth;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.policy.Agent;
import dev.airlock.core.policy.AgentGrants;
import dev.airlock.core.policy.Environment;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.Scope;
import dev.airlock.core.store.StateStore;
import dev.airlock.core.token.TokenMinter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * {@code grant_type=client_credentials} (RFC 6749 §4.4) for an already authenticated agent: one environment, only
 * scopes the agent may get automatically, never a destructive one. Every outcome is audited before it is returned.
 */
public final class ClientCredentialsGrant {

    /** The request after HTTP parsing. {@code environment} and {@code scope} may be null; {@code resources} not. */
    public record Request(String environment, List<String> resources, String scope, String address) {
        public Request {
            resources = List.copyOf(resources);
        }
    }

    /** Exactly one of {@code minted} and {@code error}. */
    public record Outcome(TokenMinter.Minted minted, OAuthError error) {}

    private final Policy policy;
    private final StateStore store;
    private final TokenMinter minter;
    private final AuditSink audit;

    /** The MCP gateways' URLs by their {@link ResourceIndicator#canonical} form. */
    private final Map<String, String> gateways;

    public ClientCredentialsGrant(Policy policy, StateStore store, TokenMinter minter, AuditSink audit) {
        this(policy, store, minter, audit, Set.of());
    }

    /** @param gateways the URLs of this Airlock's MCP gateways ({@code <issuer>/mcp/<server>}), valid RFC 8707 resources */
    public ClientCredentialsGrant(Policy policy, StateStore store, TokenMinter minter, AuditSink audit,
                                  Set<String> gateways) {
        Map<String, String> g = new java.util.HashMap<>();
        for (String url : gateways) g.put(ResourceIndicator.canonical(url), url);
        this.gateways = Map.copyOf(g);
        this.policy = policy;
        this.store = store;
        this.minter = minter;
        this.audit = audit;
    }

    /**
     * What {@code agent} would get for {@code req}: one environment, the audience (the environment's, or one MCP
     * gateway's), and only scopes it may have automatically there, or the refusal. The one rule for every way an agent
     * obtains an ordinary access token (this grant, and token exchange, which must never yield more than this).
     *
     * @param env     the environment, once it is known (also on some refusals, for the audit record)
     * @param scopes  the scopes to mint, when {@code error} is null
     * @param gateway the MCP gateway URL the token is bound to (RFC 8707 {@code resource}), or null
     */
    public record Decision(Environment env, Set<String> scopes, String gateway, OAuthError error) {
        static Decision refused(Environment env, OAuthError error) {
            return new Decision(env, null, null, error);
        }
    }

    public Decision decide(Agent agent, Request req) {
        String gateway = null;
        for (String r : req.resources()) {
            String canonical = ResourceIndicator.canonical(r);
            String g = canonical == null ? null : gateways.get(canonical);
            if (g != null) gateway = g;
        }
        if (gateway != null && req.resources().size() > 1) {
            // RFC 8707 §2: a server may refuse several resources; a token bound to a gateway is bound to it alone.
            return Decision.refused(null, target("a token for an MCP gateway is for that gateway only; this request"
                    + " names " + req.resources().size() + " resources"));
        }
        if (gateway != null) return decideFor(agent, req, gateway);
        Set<String> envs = new LinkedHashSet<>();
        if (req.environment() != null) {
            Environment e = policy.environment(req.environment()).orElse(null);
            if (e == null) return Decision.refused(null, target("unknown environment '" + req.environment() + "'"));
            envs.add(e.name());
        }
        for (String r : req.resources()) {
            Environment e = policy.environmentByAudience(r).orElse(null);
            if (e == null) return Decision.refused(null, target("unknown resource (environment audience) '" + r + "'"));
            envs.add(e.name());
        }
        if (envs.isEmpty()) {
            return Decision.refused(null, target("name one environment: environment=<name> or resource=<audience>"));
        }
        if (envs.size() > 1) {
            return Decision.refused(null, target("a token is for exactly one environment; this request names "
                    + String.join(", ", envs)));
        }
        return decideIn(agent, req, policy.environment(envs.iterator().next()).orElseThrow(), null);
    }

    /**
     * RFC 8707 {@code resource=<issuer>/mcp/<server>}: a token whose audience is that gateway, for one environment:
     * {@code environment=} when given, else the only environment the agent has in the policy. An agent with several
     * must say which (refused as {@code invalid_target}, naming them): guessing could hand a production token to a
     * client that meant staging.
     */
    private Decision decideFor(Agent agent, Request req, String gateway) {
        Environment env;
        if (req.environment() != null) {
            env = policy.environment(req.environment()).orElse(null);
            if (env == null) return Decision.refused(null, target("unknown environment '" + req.environment() + "'"));
        } else {
            Set<String> mine = new TreeSet<>(agent.environments().keySet());
            if (mine.size() != 1) {
                return Decision.refused(null, target(mine.isEmpty() ? agent.id() + " may not request tokens for any"
                        + " environment" : gateway + " is served in every environment; " + agent.id() + " has "
                        + String.join(", ", mine) + ": name one with environment=<name>"));
            }
            env = policy.environment(mine.iterator().next()).orElseThrow();
        }
        return decideIn(agent, req, env, gateway);
    }

    private Decision decideIn(Agent agent, Request req, Environment env, String gateway) {
        AgentGrants grants = agent.in(env.name()).orElse(null);
        if (grants == null) {
            return Decision.refused(env, target(agent.id() + " may not request tokens for " + env.name()));
        }
        if (store.isFrozen(env.name())) {
            return Decision.refused(env, target("environment " + env.name()
                    + " is frozen by ops: no tokens are issued for it until it is unfrozen"));
        }
        Set<String> scopes;
        try {
            scopes = ScopeParser.parse(req.scope());
        } catch (IllegalArgumentException e) {
            return Decision.refused(env, OAuthError.of("invalid_scope", e.getMessage()));
        }
        if (scopes.isEmpty()) {
            if (grants.defaultScopes().isEmpty()) {
                return Decision.refused(env, OAuthError.of("invalid_scope", agent.id() + " has no default scopes in "
                        + env.name() + "; name them with scope=. Allowed: " + sorted(grants.scopes())));
            }
            scopes = grants.defaultScopes();
        }
        OAuthError scopeError = checkScopes(agent, env, grants, scopes);
        return scopeError != null ? Decision.refused(env, scopeError) : new Decision(env, scopes, gateway, null);
    }

    public CompletableFuture<Outcome> issue(Agent agent, Request req) {
        Decision d = decide(agent, req);
        if (d.error() != null) return refuse(agent, req, d.env(), d.error());
        Environment env = d.env();
        Set<String> scopes = d.scopes();
        // The minter clamps the lifetime and refuses any scope that is not automatic: a second line behind checkScopes.
        TokenMinter.Minted minted = minter.mint(agent.id(), env.name(), scopes, env.tokenLifetime(), null, d.gateway());
        AuditEvent event = AuditEvent.of("token.minted").with("client_id", agent.id()).with("env", env.name())
                .with("scope", String.join(" ", new TreeSet<>(scopes))).with("jti", minted.token().jti())
                .with("exp", minted.token().expiresAt().getEpochSecond()).with("address", req.address())
                .with("aud", minted.token().audience()).build();
        return audit.append(event).thenApply(v -> new Outcome(minted, null));
    }

    private OAuthError checkScopes(Agent agent, Environment env, AgentGrants grants, Set<String> scopes) {
        List<String> needGrant = new ArrayList<>();
        List<String> why = new ArrayList<>();
        // Scopes neither this endpoint nor a grant gives this agent here: saying "ask for a grant" of them would send
        // the agent to the grant endpoint, which refuses them too (issue 16).
        List<String> notAtAll = new ArrayList<>();
        List<String> whyNotAtAll = new ArrayList<>();
        for (String name : scopes) {
            if (name.indexOf('*') >= 0) {
                return OAuthError.of("invalid_scope", "wildcards are not accepted ('" + name
                        + "'): name each scope. Allowed here: " + sorted(grants.scopes()));
            }
            Scope s = policy.scope(name).orElse(null);
            if (s == null) {
                String lower = name.toLowerCase(Locale.ROOT);
                String hint = !lower.equals(name) && policy.scope(lower).isPresent()
                        ? " (scopes are case-sensitive; the scope is '" + lower + "')" : "";
                return OAuthError.of("invalid_scope", "unknown scope '" + name + "'" + hint);
            }
            if (s.automatic() ? !grants.scopes().contains(name) : !grants.grantable().contains(name)) {
                notAtAll.add(name);
                if (!s.automatic()) whyNotAtAll.add(name + " is only ever issued through a human grant: "
                        + s.whyNotAutomatic());
            } else if (!s.automatic()) {
                needGrant.add(name);
                why.add(s.whyNotAutomatic());
            }
        }
        if (!notAtAll.isEmpty()) {
            String because = whyNotAtAll.isEmpty() ? "" : " (" + String.join("; ", whyNotAtAll) + ")";
            return new OAuthError(400, "invalid_scope", GrantGuidance.notAtAll(agent.id(), notAtAll, env.name())
                    + because + " Allowed there without people: " + sorted(grants.scopes())
                    + (grants.grantable().isEmpty() ? "" : "; through a grant: " + sorted(grants.grantable())) + ".",
                    Map.of("grant_request", GrantGuidance.structured(minter.issuer(), env.name(), notAtAll, false)),
                    null);
        }
        if (!needGrant.isEmpty()) {
            String base = minter.issuer();
            return new OAuthError(400, "invalid_scope", GrantGuidance.sentence(base, env.name(), needGrant,
                    String.join("; ", why)),
                    Map.of("grant_request", GrantGuidance.structured(base, env.name(), needGrant, true)), null);
        }
        return null;
    }

    private static OAuthError target(String description) {
        return OAuthError.of("invalid_target", description);
    }

    private static String sorted(Set<String> s) {
        return s.isEmpty() ? "(none)" : String.join(" ", new TreeSet<>(s));
    }

    private CompletableFuture<Outcome> refuse(Agent agent, Request req, Environment env, OAuthError error) {
        AuditEvent event = AuditEvent.of("token.refused").with("client_id", agent.id())
                .with("env", env != null ? env.name() : req.environment())
                .with("scope", req.scope()).with("error", error.error()).with("reason", error.description())
                .with("address", req.address()).build();
        return audit.append(event).thenApply(v -> new Outcome(null, error));
    }
}
