package dev.airlock.core.grant;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.crypto.Hashes;
import dev.airlock.core.crypto.SecretShapes;
import dev.airlock.core.oauth.GrantGuidance;
import dev.airlock.core.policy.Agent;
import dev.airlock.core.policy.AgentGrants;
import dev.airlock.core.policy.CanonicalId;
import dev.airlock.core.policy.Environment;
import dev.airlock.core.policy.GrantLimits;
import dev.airlock.core.policy.GrantRules;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.ResourcePattern;
import dev.airlock.core.policy.Scope;
import dev.airlock.core.store.StateStore;
import dev.airlock.core.token.OnBehalfOf;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The agent's side of a grant (DESIGN flow 2): ask for exact scopes on exact resources with a reason, look at it,
 * cancel it. Everything a request names is checked against the policy before any person is bothered.
 */
public final class GrantRequests {
    public static final int MAX_SCOPES = 8;
    public static final int MAX_RESOURCES = 16;
    public static final int MAX_COMMAND = 2000;
    public static final int MAX_REASON = ReasonRules.MAX_CHARS;

    /** What the agent sent. Lists may be empty but not null. */
    public record Request(String environment, List<String> scopes, List<String> resources, String reason, String command,
                          String address) {}

    private final Policy policy;
    private final StateStore store;
    private final GrantLedger ledger;
    private final SecureRandom random;
    private final String tokenEndpoint;

    GrantRequests(Policy policy, StateStore store, GrantLedger ledger, SecureRandom random, String tokenEndpoint) {
        this.policy = policy;
        this.store = store;
        this.ledger = ledger;
        this.random = random;
        this.tokenEndpoint = tokenEndpoint;
    }

    public CompletableFuture<GrantOutcome> request(Agent agent, Request req) {
        return request(agent, req, null);
    }

    /**
     * @param onBehalfOf the user the agent's token acts for (RFC 8693 token exchange), or null: recorded in the grant,
     *                   shown to approvers, and never an approver of it
     */
    public CompletableFuture<GrantOutcome> request(Agent agent, Request req, OnBehalfOf onBehalfOf) {
        GrantOutcome refusal = validate(agent, req);
        if (refusal != null) {
            return ledger.auditOnly(AuditEvent.of("grant.request_refused").with("agent", agent.id())
                    .with("on_behalf_of", onBehalfOf == null ? null : onBehalfOf.canonicalSubject())
                    .with("env", req.environment()).with("scopes", String.join(" ", req.scopes()))
                    .with("resources", String.join(" ", req.resources())).with("code", refusal.code())
                    .with("reason", refusal.message()).with("address", req.address()).build())
                    .thenApply(v -> refusal);
        }
        Environment env = policy.environment(req.environment()).orElseThrow();
        GrantRules rules = policy.grantRules(env.name());
        // Stored canonical (issue 12): approvers see one identity per resource, VOL-7F3A and vol-7f3a are one entry,
        // and a use is matched against the form every check is made in.
        List<String> resources = req.resources().stream().map(CanonicalId::of).distinct().toList();
        boolean destructive = req.scopes().stream().anyMatch(s -> policy.scope(s).orElseThrow().destructive());
        Instant now = ledger.now();
        Grant g = new Grant("gr_" + Hashes.randomToken(random, 16), agent.id(), env.name(),
                List.copyOf(new LinkedHashSet<>(req.scopes())), resources,
                req.reason().strip(), blankToNull(req.command()),
                destructive ? rules.destructiveApprovals() : rules.otherApprovals(), List.of(), GrantStatus.PENDING,
                now, now.plus(rules.pendingLifetime()), null, null, null, null, 0, null, 1, onBehalfOf);
        return ledger.apply(GrantTransition.REQUEST, g.id(), agent.id(), none -> Optional.of(GrantLedger.Step.to(g)
                        .with("scopes", String.join(" ", g.scopes())).with("resources", String.join(" ", g.resources()))
                        .with("approvals_required", g.requiredApprovals())
                        .with("on_behalf_of_name", onBehalfOf == null ? null : onBehalfOf.name())
                        .with("address", req.address())))
                .thenApply(r -> switch (r.kind()) {
                    case APPLIED -> GrantOutcome.ok(r.grant());
                    case REFUSED, CONTENDED -> GrantOutcome.refused(409, "conflict", "grant id collision; retry");
                });
    }

    /** Only the requesting agent sees its grant; to anyone else it does not exist. */
    public CompletableFuture<GrantOutcome> view(Agent agent, String id) {
        return ledger.current(id).thenApply(g -> g.filter(x -> x.agentId().equals(agent.id()))
                .map(GrantOutcome::ok).orElseGet(GrantRequests::notFound));
    }

    /** One page of the agent's own grants with the given status (null: all), newest first, expiry applied. */
    public CompletableFuture<GrantPage> list(Agent agent, GrantStatus status, GrantPage.Request page) {
        return ledger.expireDue().thenApply(n -> {
            Instant now = ledger.now();
            return GrantPage.of(store.grants(), g -> g.agentId().equals(agent.id())
                    && (status == null || g.statusAt(now) == status), page);
        });
    }

    public CompletableFuture<GrantOutcome> cancel(Agent agent, String id) {
        return ledger.current(id).thenCompose(found -> {
            Optional<Grant> mine = found.filter(x -> x.agentId().equals(agent.id()));
            if (mine.isEmpty()) return CompletableFuture.completedFuture(notFound());
            Grant g = mine.get();
            if (g.status().isFinal()) return CompletableFuture.completedFuture(alreadyFinal(g));
            return ledger.apply(GrantTransition.CANCEL, id, agent.id(), cur -> Optional.of(GrantLedger.Step.to(
                            cur.next(GrantStatus.CANCELLED, cur.approvals(), agent.id(), null, ledger.now(), null, 0, null))))
                    .thenCompose(r -> switch (r.kind()) {
                        case APPLIED -> CompletableFuture.completedFuture(GrantOutcome.ok(r.grant()));
                        // No longer cancellable (decided or expired meanwhile): answered from the grant as it stands.
                        case REFUSED -> cancel(agent, id);
                        case CONTENDED -> CompletableFuture.completedFuture(GrantOutcome.refused(409, "grant_contended",
                                "the grant kept changing while it was being cancelled; try again"));
                    });
        });
    }

    private static GrantOutcome alreadyFinal(Grant g) {
        return GrantOutcome.refused(409, "grant_" + g.status().label(), "grant is already " + g.status().label());
    }

    private GrantOutcome validate(Agent agent, Request req) {
        Environment env = req.environment() == null ? null : policy.environment(req.environment()).orElse(null);
        if (env == null) return bad("unknown_environment", "unknown environment '" + req.environment() + "'");
        AgentGrants allowed = agent.in(env.name()).orElse(null);
        if (allowed == null) return forbidden("environment_not_allowed", agent.id() + " may not request anything in " + env.name());
        if (req.scopes().isEmpty() || req.scopes().size() > MAX_SCOPES) {
            return bad("scopes", "name between 1 and " + MAX_SCOPES + " scopes");
        }
        List<String> automatic = new ArrayList<>();
        for (String name : req.scopes()) {
            Scope s = policy.scope(name).orElse(null);
            if (s == null) return bad("unknown_scope", "unknown scope '" + name + "' (scopes are case-sensitive)");
            // Pointing to the token endpoint is right only where it would mint the scope (issue 16: it refused an
            // automatic scope the agent is not given there, and the agent went back and forth).
            boolean reachable = s.automatic() ? allowed.scopes().contains(name) : allowed.grantable().contains(name);
            if (!reachable) {
                return forbidden("scope_not_grantable", GrantGuidance.notAtAll(agent.id(), List.of(name), env.name()));
            }
            if (s.automatic()) automatic.add(name);
        }
        if (!automatic.isEmpty()) {
            return new GrantOutcome(null, 400, "no_grant_needed", String.join(" ", automatic) + " needs no human:"
                    + " request it at POST " + tokenEndpoint + " with grant_type=client_credentials",
                    Map.of("token_endpoint", tokenEndpoint));
        }
        GrantOutcome r = resources(env, req);
        if (r != null) return r;
        String why = ReasonRules.problem(req.reason());
        if (why != null) return bad("reason", why);
        if (req.command() != null && (req.command().length() > MAX_COMMAND || ReasonRules.hasControl(req.command()))) {
            return bad("command", "command must be at most " + MAX_COMMAND + " characters, without control characters");
        }
        // A credential pasted into the reason or command (a model quoting its own configuration) would be stored with
        // the grant and shown to every approver: refused, without echoing it. Audit and logs redact it anyway.
        if (SecretShapes.containsSecret(req.reason()) || (req.command() != null && SecretShapes.containsSecret(req.command()))) {
            return bad("secret_in_request", "reason and command must not contain a credential (a client secret, token,"
                    + " passphrase or key): it would be stored and shown to approvers. Remove it and ask again");
        }
        if (store.isFrozen(env.name())) {
            return new GrantOutcome(null, 409, "environment_frozen", "environment " + env.name() + " is frozen by ops", Map.of());
        }
        GrantRules rules = policy.grantRules(env.name());
        if (rules.approverGroups().isEmpty()) {
            return new GrantOutcome(null, 409, "no_approvers", "nobody may approve grants in " + env.name()
                    + " (no approver_groups in grants.yaml); ask the people who run Airlock", Map.of());
        }
        GrantOutcome cap = liveCap(agent);
        if (cap != null) return cap;
        boolean destructive = req.scopes().stream().anyMatch(s -> policy.scope(s).orElseThrow().destructive());
        return destructive ? DestructiveBudget.refusal(policy, store.grants(), agent.id(), env.name(), ledger.now())
                : null;
    }

    /**
     * Live grants are capped by refusing the request, never by forgetting one (issue 13): per agent, so one agent in
     * a loop cannot fill the total, and in all, so many agents cannot either. Both from grants.yaml {@code limits}.
     */
    private GrantOutcome liveCap(Agent agent) {
        Instant now = ledger.now();
        GrantLimits limits = policy.grantLimits();
        long mine = 0;
        long all = 0;
        for (Grant g : store.grants()) {
            if (g.statusAt(now) != GrantStatus.PENDING) continue;
            all++;
            if (g.agentId().equals(agent.id())) mine++;
        }
        if (mine >= limits.pendingPerAgent()) {
            return new GrantOutcome(null, 429, "too_many_pending", agent.id() + " already has " + mine
                    + " pending grants, the limit (grants.yaml limits.pending_per_agent); wait for decisions or cancel"
                    + " some", Map.of());
        }
        if (all >= limits.pendingTotal()) {
            return new GrantOutcome(null, 429, "too_many_pending_total", "all agents together have " + all
                    + " pending grants, the limit (grants.yaml limits.pending_total); wait for people to decide some",
                    Map.of());
        }
        return null;
    }

    private GrantOutcome resources(Environment env, Request req) {
        if (req.resources().isEmpty() || req.resources().size() > MAX_RESOURCES) {
            return bad("resources", "name between 1 and " + MAX_RESOURCES + " exact resource ids");
        }
        for (String id : req.resources()) {
            // The star is looked for in the canonical form too: a full-width one (U+FF0A) folds into '*'.
            if (id == null || id.isEmpty() || id.length() > 256 || CanonicalId.of(id).indexOf('*') >= 0
                    || ReasonRules.hasControl(id)) {
                return bad("resources", "resources must be exact ids (no wildcards), up to 256 characters");
            }
            Environment owner = policy.ownerOf(id).orElse(null);
            String canonical = CanonicalId.of(id);
            if (owner == null) {
                return bad("resource_unknown", "resource " + canonical + " is not owned by any environment in the policy");
            }
            if (!owner.name().equals(env.name())) {
                return bad("resource_in_other_environment", "resource " + canonical + " belongs to " + owner.name()
                        + ", not " + env.name());
            }
            for (ResourcePattern p : policy.patternsMatching(owner, id)) {
                if (p.type() != null && req.scopes().stream()
                        .noneMatch(s -> policy.scope(s).orElseThrow().resourceType().equals(p.type()))) {
                    return bad("resource_type_mismatch", "resource " + canonical + " is a " + p.type()
                            + "; none of the requested scopes acts on a " + p.type());
                }
            }
        }
        return null;
    }

    static GrantOutcome notFound() {
        return GrantOutcome.refused(404, "unknown_grant", "no such grant");
    }

    private static GrantOutcome bad(String code, String message) {
        return GrantOutcome.refused(400, code, message);
    }

    private static GrantOutcome forbidden(String code, String message) {
        return GrantOutcome.refused(403, code, message);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
