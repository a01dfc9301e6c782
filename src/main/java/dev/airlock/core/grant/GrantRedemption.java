package dev.airlock.core.grant;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.oauth.OAuthError;
import dev.airlock.core.policy.Agent;
import dev.airlock.core.policy.CanonicalId;
import dev.airlock.core.policy.Environment;
import dev.airlock.core.policy.GrantRules;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.store.StateStore;
import dev.airlock.core.token.AccessToken;
import dev.airlock.core.token.GrantClaim;
import dev.airlock.core.token.TokenMinter;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turning an approved grant into its one-shot token (OpenID CIBA poll mode, §10.1 and §11), and spending that token's
 * uses (one by default) as checks allow actions with it. Both are compare-and-set transitions on the grant, so two
 * concurrent redemptions yield one token and two concurrent checks one allowed action.
 */
public final class GrantRedemption {
    /** CIBA §11: on slow_down the interval "MUST be increased by at least 5 seconds for all subsequent requests". */
    static final Duration SLOW_DOWN_STEP = Duration.ofSeconds(5);

    /** Exactly one of {@code minted} and {@code error}. */
    public record Outcome(TokenMinter.Minted minted, OAuthError error) {}

    private record Poll(Instant last, Duration interval) {}

    private final Policy policy;
    private final StateStore store;
    private final GrantLedger ledger;
    private final TokenMinter minter;
    /** Poll pacing is advisory state: lost on restart, which only forgives one fast poll. */
    private final Map<String, Poll> polls = new ConcurrentHashMap<>();

    private final PreconditionGate preconditions;

    GrantRedemption(Policy policy, StateStore store, GrantLedger ledger, TokenMinter minter,
                    PreconditionGate preconditions) {
        this.preconditions = preconditions;
        this.policy = policy;
        this.store = store;
        this.ledger = ledger;
        this.minter = minter;
    }

    /** The poll interval the agent was told (it grows after slow_down). */
    public Duration interval(String grantId) {
        Poll p = polls.get(grantId);
        return p != null ? p.interval : policy.grantRules(store.grant(grantId).map(Grant::environment).orElse("")).pollInterval();
    }

    public CompletableFuture<Outcome> poll(Agent agent, String authReqId, String address) {
        return ledger.current(authReqId).thenCompose(found -> {
            Grant g = found.filter(x -> x.agentId().equals(agent.id())).orElse(null);
            if (g == null) return error("invalid_grant", "unknown auth_req_id");
            // Every status listed and no default: only APPROVED redeems, and a status added later is a compile error
            // here rather than a token (a switch expression over an enum must be exhaustive).
            return switch (g.status()) {
                case PENDING -> paced(g) ? error("authorization_pending", "waiting for approvals: "
                        + g.approvals().size() + " of " + g.requiredApprovals())
                        : error("slow_down", "polling faster than every " + interval(g.id()).toSeconds() + " s");
                case APPROVED -> redeem(agent, g, address);
                case DENIED -> error("access_denied", "denied by " + g.decidedBy() + ": " + g.denyReason());
                case CANCELLED -> error("access_denied", "the grant was cancelled");
                case EXPIRED -> error("expired_token", "the grant expired before it was approved and redeemed");
                case REDEEMED -> error("invalid_grant", "this grant was already redeemed; its token is one-shot");
            };
        });
    }

    /** True if this poll respects the interval; records it either way and widens the interval after a fast one. */
    private boolean paced(Grant g) {
        Instant now = ledger.now();
        Duration base = policy.grantRules(g.environment()).pollInterval();
        boolean[] ok = {true};
        polls.compute(g.id(), (id, p) -> {
            if (p == null) return new Poll(now, base);
            if (now.isBefore(p.last.plus(p.interval))) {
                ok[0] = false;
                return new Poll(now, p.interval.plus(SLOW_DOWN_STEP));
            }
            return new Poll(now, p.interval);
        });
        return ok[0];
    }

    private CompletableFuture<Outcome> redeem(Agent agent, Grant g, String address) {
        if (store.isFrozen(g.environment())) {
            return error("access_denied", "environment " + g.environment() + " is frozen by ops");
        }
        Environment env = policy.environment(g.environment()).orElse(null);
        if (env == null) return error("access_denied", "environment " + g.environment() + " is no longer in the policy");
        if (preconditions.guards(g)) return afterPreconditions(agent, g, env, address);
        return mint(agent, g, env, address);
    }

    /**
     * Issue 16: the preconditions are evaluated again just before the token exists (a backup may have been deleted
     * since the approval). While one fails there is no token and the grant stays approved, unspent: the agent is told
     * why with {@code authorization_pending} (CIBA §11: keep polling) and gets its token at a later poll once the check
     * passes, until the grant expires. Each such poll asks the provider, so these polls are paced like pending ones.
     */
    private CompletableFuture<Outcome> afterPreconditions(Agent agent, Grant g, Environment env, String address) {
        if (!paced(g)) return error("slow_down", "polling faster than every " + interval(g.id()).toSeconds() + " s");
        return preconditions.evaluate(g, PreconditionGate.Occasion.REDEEM, agent.id()).thenCompose(report ->
                report.passed() ? mint(agent, g, env, address)
                        : error("authorization_pending", "approved, but no token while a precondition fails: "
                        + report.failures() + ". The grant stays approved until " + g.expiresAt() + "; Airlock"
                        + " checks again at each poll"));
    }

    private CompletableFuture<Outcome> mint(Agent agent, Grant g, Environment env, String address) {
        GrantRules rules = policy.grantRules(env.name());
        // The minter checks the claim against the token (agent, environment, scopes) and clamps the lifetime.
        GrantClaim claim = new GrantClaim(g.id(), g.agentId(), g.environment(), Set.copyOf(g.scopes()), g.resources(),
                g.approverNames(), rules.uses());
        TokenMinter.Minted minted = minter.mint(agent.id(), env.name(), Set.copyOf(g.scopes()), rules.tokenLifetime(),
                claim);
        // Event first, then the grant (GrantLedger): if either cannot be written the poll fails (503) and the grant
        // stays approved, so the agent's next poll after recovery gets a token (issue 13, finding 1).
        return ledger.apply(GrantTransition.REDEEM, g.id(), agent.id(), cur -> Optional.of(GrantLedger.Step.to(
                        cur.next(GrantStatus.REDEEMED, cur.approvals(), cur.decidedBy(), null, cur.decidedAt(),
                                minted.token().jti(), rules.uses(), minted.token().expiresAt()))
                        .with("jti", minted.token().jti()).with("exp", minted.token().expiresAt().getEpochSecond())
                        .with("uses", rules.uses()).with("address", address)))
                .thenCompose(r -> switch (r.kind()) {
                    case APPLIED -> {
                        polls.remove(g.id());
                        yield CompletableFuture.completedFuture(new Outcome(minted, null));
                    }
                    // No longer approved (another poll redeemed it, or it expired): this token is discarded unseen and
                    // the poll answers from the grant as it stands.
                    case REFUSED -> poll(agent, g.id(), address);
                    case CONTENDED -> error("slow_down", "the grant kept changing while it was being redeemed; poll again"
                            + " in " + interval(g.id()).toSeconds() + " s");
                });
    }

    /** Why a grant token may not be used: a stable code and a reason for people. */
    public record UseRefusal(String code, String reason) {}

    /** Why a grant token may not be used for this resource now, or null if it may (before spending a use). */
    public UseRefusal useProblem(AccessToken t, String resource) {
        Grant g = grantOf(t);
        if (g == null) return new UseRefusal("grant_unknown", "grant token does not match a redeemed grant");
        if (resource == null || resource.isEmpty()) {
            return new UseRefusal("resource_required", "grant tokens act only on the granted resources: name one");
        }
        // Compared in canonical form (issue 12): grants store canonical ids, but one filed before that did not.
        String canonical = CanonicalId.of(resource);
        if (g.resources().stream().noneMatch(r -> CanonicalId.of(r).equals(canonical))) {
            return new UseRefusal("resource_not_granted", "resource " + resource + " is not in grant " + g.id()
                    + " (granted: " + String.join(", ", g.resources()) + ")");
        }
        if (g.usesLeft() <= 0) return new UseRefusal("grant_used", "grant already used");
        return null;
    }

    /**
     * Whether a grant token still stands, whatever it is used for: bound to its redeemed grant (the grant's token is
     * this very jti) with a use left. Null if it does; else the refusal. For {@code core.check.TokenUsability}.
     */
    public UseRefusal standing(AccessToken t) {
        return standing(grantOf(t));
    }

    private static UseRefusal standing(Grant g) {
        if (g == null) return new UseRefusal("grant_unknown", "grant token does not match a redeemed grant");
        if (g.usesLeft() <= 0) return new UseRefusal("grant_used", "grant already used");
        return null;
    }

    private Grant grantOf(AccessToken t) {
        String id = t.grantId();
        Grant g = id == null ? null : store.grant(id).orElse(null);
        return g != null && g.status() == GrantStatus.REDEEMED && t.jti().equals(g.tokenJti()) ? g : null;
    }

    /** Spends one use of the grant behind {@code t}. Completes with null when spent, else with the refusal. */
    public CompletableFuture<UseRefusal> spend(AccessToken t, String resource, String address) {
        UseRefusal problem = useProblem(t, resource);
        if (problem != null) return CompletableFuture.completedFuture(problem);
        // The compare-and-set below saves the version after this snapshot, so this snapshot is the one that must still
        // have a use: a concurrent spend may have taken the last one since useProblem read the grant, and saving
        // "one less" on top of it would succeed and spend a use that is not there.
        Grant g = grantOf(t);
        problem = standing(g);
        if (problem != null) return CompletableFuture.completedFuture(problem);
        // Event first, then the grant (GrantLedger): a use that cannot be audited is not spent and the request is not
        // allowed (it fails, 503); never an allowed action without its grant.used event (issue 13, must-show 1). The
        // step re-checks the grant as the ledger read it: a concurrent spend may have taken the last use meanwhile.
        return ledger.apply(GrantTransition.USE, g.id(), t.clientId(), cur -> {
            if (!t.jti().equals(cur.tokenJti()) || standing(cur) != null) return Optional.empty();
            return Optional.of(GrantLedger.Step.to(cur.next(cur.status(), cur.approvals(), cur.decidedBy(),
                            cur.denyReason(), cur.decidedAt(), cur.tokenJti(), cur.usesLeft() - 1, cur.tokenExpiresAt()))
                    .with("jti", t.jti()).with("resource", resource).with("uses_left", cur.usesLeft() - 1)
                    .with("address", address));
        }).thenApply(r -> switch (r.kind()) {
            case APPLIED -> (UseRefusal) null;
            case REFUSED -> {
                UseRefusal now = standing(r.grant() != null && t.jti().equals(r.grant().tokenJti()) ? r.grant() : null);
                yield now != null ? now : new UseRefusal("grant_used", "grant already used");
            }
            case CONTENDED -> new UseRefusal("grant_contended",
                    "the grant kept changing while this use was being recorded; try again");
        });
    }

    private static CompletableFuture<Outcome> error(String code, String description) {
        return CompletableFuture.completedFuture(new Outcome(null, OAuthError.of(code, description)));
    }
}
