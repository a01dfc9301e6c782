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

    public ClientCredentialsGrant(Policy policy, StateStore store, TokenMinter minter, AuditSink audit) {
        this.policy = policy;
        this.store = store;
        this.minter = minter;
        this.audit = audit;
    }

    /**
     * What {@code agent} would get for {@code req}: one environment and only scopes it may have automatically there, or
     * the refusal. The one rule for every way an agent obtains an ordinary access token (this grant, and token
     * exchange, which must never yield more than this).
     *
     * @param env    the environment, once it is known (also on some refusals, for the audit record)
     * @param scopes the scopes to mint, when {@code error} is null
     */
    public record Decision(Environment env, Set<String> scopes, OAuthError error) {}

    public Decision decide(Agent agent, Request req) {
        Set<String> envs = new LinkedHashSet<>();
        if (req.environment() != null) {
            Environment e = policy.environment(req.environment()).orElse(null);
            if (e == null) return new Decision(null, null, target("unknown environment '" + req.environment() + "'"));
            envs.add(e.name());
        }
        for (String r : req.resources()) {
            Environment e = policy.environmentByAudience(r).orElse(null);
            if (e == null) return new Decision(null, null, target("unknown resource (environment audience) '" + r + "'"));
            envs.add(e.name());
        }
        if (envs.isEmpty()) {
            return new Decision(null, null, target("name one environment: environment=<name> or resource=<audience>"));
        }
        if (envs.size() > 1) {
            return new Decision(null, null, target("a token is for exactly one environment; this request names "
                    + String.join(", ", envs)));
        }
        Environment env = policy.environment(envs.iterator().next()).orElseThrow();
        AgentGrants grants = agent.in(env.name()).orElse(null);
        if (grants == null) {
            return new Decision(env, null, target(agent.id() + " may not request tokens for " + env.name()));
        }
        if (store.isFrozen(env.name())) {
            return new Decision(env, null, target("environment " + env.name()
                    + " is frozen by ops: no tokens are issued for it until it is unfrozen"));
        }
        Set<String> scopes;
        try {
            scopes = ScopeParser.parse(req.scope());
        } catch (IllegalArgumentException e) {
            return new Decision(env, null, OAuthError.of("invalid_scope", e.getMessage()));
        }
        if (scopes.isEmpty()) {
            if (grants.defaultScopes().isEmpty()) {
                return new Decision(env, null, OAuthError.of("invalid_scope", agent.id() + " has no default scopes in "
                        + env.name() + "; name them with scope=. Allowed: " + sorted(grants.scopes())));
            }
            scopes = grants.defaultScopes();
        }
        OAuthError scopeError = checkScopes(agent, env, grants, scopes);
        return scopeError != null ? new Decision(env, null, scopeError) : new Decision(env, scopes, null);
    }

    public CompletableFuture<Outcome> issue(Agent agent, Request req) {
        Decision d = decide(agent, req);
        if (d.error() != null) return refuse(agent, req, d.env(), d.error());
        Environment env = d.env();
        Set<String> scopes = d.scopes();
        // The minter clamps the lifetime and refuses any scope that is not automatic: a second line behind checkScopes.
        TokenMinter.Minted minted = minter.mint(agent.id(), env.name(), scopes, env.tokenLifetime(), null);
        AuditEvent event = AuditEvent.of("token.minted").with("client_id", agent.id()).with("env", env.name())
                .with("scope", String.join(" ", new TreeSet<>(scopes))).with("jti", minted.token().jti())
                .with("exp", minted.token().expiresAt().getEpochSecond()).with("address", req.address()).build();
        return audit.append(event).thenApply(v -> new Outcome(minted, null));
    }

    private OAuthError checkScopes(Agent agent, Environment env, AgentGrants grants, Set<String> scopes) {
        List<String> needGrant = new ArrayList<>();
        List<String> why = new ArrayList<>();
        List<String> notAllowed = new ArrayList<>();
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
            if (!s.automatic()) {
                needGrant.add(name);
                why.add(s.whyNotAutomatic());
            } else if (!grants.scopes().contains(name)) notAllowed.add(name);
        }
        if (!needGrant.isEmpty()) {
            boolean mayAsk = grants.grantable().containsAll(needGrant);
            String base = minter.issuer();
            return new OAuthError(400, "invalid_scope", GrantGuidance.sentence(base, env.name(), needGrant, mayAsk,
                    String.join("; ", why)),
                    Map.of("grant_request", GrantGuidance.structured(base, env.name(), needGrant, mayAsk)), null);
        }
        if (!notAllowed.isEmpty()) {
            return OAuthError.of("invalid_scope", agent.id() + " may not request " + String.join(" ", notAllowed)
                    + " in " + env.name() + "; allowed there: " + sorted(grants.scopes()));
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
