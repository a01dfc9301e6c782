package dev.airlock.core.grant;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.policy.Agent;
import dev.airlock.core.policy.ApprovalFactor;
import dev.airlock.core.policy.GrantRules;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.TrustedIssuer;
import dev.airlock.core.token.OnBehalfOf;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The approvers' side: list, approve with a fresh second factor, deny with a reason. Rules, in the order they are
 * checked (cheap and state-free first, so that a refusal never spends the approver's code):
 * the approver is in one of the environment's approver groups; is not the owner of the requesting agent (policy
 * links them with {@code owner:}) nor named like it; the grant is pending; the approver has not approved it already
 * (one person counts once); the kind of factor grants.yaml asks for ({@code approval_factor}); then the factor
 * itself, a TOTP code or a passkey's assertion over the grant's derived challenge. A lost compare-and-set race
 * re-reads and re-decides, without asking for a second code.
 */
public final class GrantDecisions {
    public static final int MAX_DENY_REASON = 1000;

    private final Policy policy;
    private final GrantLedger ledger;
    private final FreshFactor factor;
    private final PasskeyFactor passkeys;
    private final dev.airlock.core.store.StateStore store;

    private final PreconditionGate preconditions;

    GrantDecisions(Policy policy, dev.airlock.core.store.StateStore store, GrantLedger ledger, FreshFactor factor,
                   PasskeyFactor passkeys, PreconditionGate preconditions) {
        this.preconditions = preconditions;
        this.policy = policy;
        this.passkeys = passkeys;
        this.store = store;
        this.ledger = ledger;
        this.factor = factor;
    }

    /** One page of the grants with the given status (null: all), newest first, expiry applied. */
    public CompletableFuture<GrantPage> list(GrantStatus status, GrantPage.Request page) {
        return ledger.expireDue().thenApply(n -> {
            java.time.Instant now = ledger.now();
            return GrantPage.of(store.grants(), g -> status == null || g.statusAt(now) == status, page);
        });
    }

    /** What approving {@code g} would permit, with each scope's risk. */
    public GrantTerms terms(Grant g) {
        return GrantTerms.of(policy, g);
    }

    public CompletableFuture<GrantOutcome> view(String id) {
        return ledger.current(id).thenApply(g -> g.map(GrantOutcome::ok).orElseGet(GrantRequests::notFound));
    }

    /** With a TOTP code: the CLI's way, and the page's where the policy allows it. */
    public CompletableFuture<GrantOutcome> approve(Approver who, String id, String code, String address) {
        return approve(who, id, new ApprovalProof.Code(code), address);
    }

    public CompletableFuture<GrantOutcome> approve(Approver who, String id, ApprovalProof proof, String address) {
        return ledger.current(id).thenCompose(found -> {
            if (found.isEmpty()) return done(GrantRequests.notFound());
            Grant g = found.get();
            GrantOutcome refusal = refuseApproval(who, g);
            if (refusal == null) refusal = refuseFactor(g, proof);
            if (refusal != null) return refused(who, g, "grant.approve_refused", refusal, address);
            // A failing precondition (issue 16) is refused before the factor: no code or passkey challenge is spent.
            return preconditionRefusal(who, g, address).thenCompose(failed -> failed.isPresent() ? done(failed.get())
                    : approveWithFactor(who, g, proof, address));
        });
    }

    private CompletableFuture<GrantOutcome> approveWithFactor(Approver who, Grant g, ApprovalProof proof,
                                                              String address) {
        String id = g.id();
        if (proof instanceof ApprovalProof.Passkey p) {
            // Verified against the grant as stored now: the challenge is recomputed from its terms.
            return passkeys.verify(who.name(), p.session(), g, p.assertion()).thenCompose(v -> v.ok()
                    ? addApproval(who, id, address, proof.factor())
                    : refused(who, g, "grant.approve_refused", GrantOutcome.refused(v.status(), v.code(),
                            v.message()), address));
        }
        String code = ((ApprovalProof.Code) proof).code();
        if (code == null || code.isBlank()) {
            return refused(who, g, "grant.approve_refused",
                    GrantOutcome.refused(400, "code_required", "approving needs a fresh one-time code"), address);
        }
        return factor.verify(who.name(), code).thenCompose(valid -> valid
                ? addApproval(who, id, address, proof.factor())
                : refused(who, g, "grant.approve_refused", GrantOutcome.refused(403, "code_invalid",
                        "one-time code is wrong, expired or already used; wait for the next one"), address));
    }

    /**
     * Issue 16: a grant that a precondition guards may be approved only while the precondition holds, evaluated now by
     * Airlock itself, never taken from an earlier look. Checked before the code, so that a refusal does not spend it.
     * Empty when it holds (or none applies); else the refusal, audited, with each failure's reason.
     */
    private CompletableFuture<Optional<GrantOutcome>> preconditionRefusal(Approver who, Grant g, String address) {
        if (!preconditions.guards(g)) return CompletableFuture.completedFuture(Optional.empty());
        return preconditions.evaluate(g, PreconditionGate.Occasion.APPROVE, who.name()).thenCompose(report -> {
            if (report.passed()) return CompletableFuture.completedFuture(Optional.<GrantOutcome>empty());
            GrantOutcome r = new GrantOutcome(null, 409, "precondition_failed", "approval refused while a precondition"
                    + " fails: " + report.failures(), java.util.Map.of("preconditions",
                    report.results().stream().map(PreconditionResult::summary).toList()));
            return refused(who, g, "grant.approve_refused", r, address).thenApply(Optional::of);
        });
    }

    /**
     * The factor grants.yaml asks for this grant ({@code approval_factor} by environment and risk), or null. Checked
     * before the factor itself, so a refused kind never spends a code or a passkey's challenge.
     */
    private GrantOutcome refuseFactor(Grant g, ApprovalProof proof) {
        GrantTerms terms = terms(g);
        ApprovalFactor needed = terms.factor();
        String which = (terms.destructive() ? "destructive" : "other") + " grants in " + g.environment();
        if (proof instanceof ApprovalProof.Code && !needed.allowsTotp()) {
            return GrantOutcome.refused(403, "passkey_required", "approving this grant needs a passkey (grants.yaml"
                    + " approval_factor: passkey for " + which + "): open it on the ops page and approve with your"
                    + " passkey; if you have none, add one there under Passkeys first. A one-time code is not"
                    + " accepted here, and the CLI cannot sign with a passkey");
        }
        if (proof instanceof ApprovalProof.Passkey && !needed.allowsPasskey()) {
            return GrantOutcome.refused(403, "totp_required", "approving this grant needs a one-time code (grants.yaml"
                    + " approval_factor: totp for " + which + ")");
        }
        return null;
    }

    /**
     * After the code was accepted: add the approval, through the ledger's one write path, which re-reads and re-applies
     * these rules to the fresh state after a lost race (without asking for a second code).
     */
    private CompletableFuture<GrantOutcome> addApproval(Approver who, String id, String address, String factorName) {
        return ledger.current(id).thenCompose(found -> {
            Grant g = found.orElseThrow();
            GrantOutcome refusal = refuseApproval(who, g);
            if (refusal != null) return refused(who, g, "grant.approve_refused", refusal, address);
            return ledger.apply(GrantTransition.APPROVE, id, who.name(), cur -> {
                if (refuseApproval(who, cur) != null) return Optional.empty();
                List<Approval> approvals = new ArrayList<>(cur.approvals());
                approvals.add(new Approval(who.name(), ledger.now()));
                boolean quorum = approvals.size() >= cur.requiredApprovals();
                return Optional.of(GrantLedger.Step.to(cur.next(quorum ? GrantStatus.APPROVED : GrantStatus.PENDING,
                                approvals, quorum ? who.name() : null, null, quorum ? ledger.now() : null, null, 0, null))
                        .with("approvals", approvals.size()).with("approvals_required", cur.requiredApprovals())
                        .with("factor", factorName).with("address", address));
            }).thenCompose(r -> decided(who, r, "grant.approve_refused", x -> refuseApproval(who, x), address));
        });
    }

    public CompletableFuture<GrantOutcome> deny(Approver who, String id, String reason, String address) {
        if (reason == null || reason.isBlank() || reason.length() > MAX_DENY_REASON || ReasonRules.hasControl(reason)) {
            return done(GrantOutcome.refused(400, "reason", "a denial needs a reason (up to " + MAX_DENY_REASON
                    + " characters): the agent is told it"));
        }
        return ledger.current(id).thenCompose(found -> {
            if (found.isEmpty()) return done(GrantRequests.notFound());
            Grant g = found.get();
            GrantOutcome refusal = refuse(who, g);
            if (refusal != null) return refused(who, g, "grant.deny_refused", refusal, address);
            return ledger.apply(GrantTransition.DENY, id, who.name(), cur -> refuse(who, cur) != null ? Optional.empty()
                    : Optional.of(GrantLedger.Step.to(cur.next(GrantStatus.DENIED, cur.approvals(), who.name(),
                            reason.strip(), ledger.now(), null, 0, null))
                            .with("reason", reason.strip()).with("address", address)))
                    .thenCompose(r -> decided(who, r, "grant.deny_refused", x -> refuse(who, x), address));
        });
    }

    /**
     * The answer to a decision the ledger applied or refused. Refused on the grant as it stands: by these rules
     * ({@code rule}), or, if they pass, because the grant expired meanwhile (the ledger refuses every decision on it).
     */
    private CompletableFuture<GrantOutcome> decided(Approver who, GrantLedger.Result r, String refusedType,
                                                    Function<Grant, GrantOutcome> rules, String address) {
        Grant g = r.grant();
        GrantOutcome rule = g == null ? null : rules.apply(g);
        return switch (r.kind()) {
            case APPLIED -> done(GrantOutcome.ok(g));
            case REFUSED -> g == null ? done(GrantRequests.notFound()) : refused(who, g, refusedType, rule != null ? rule
                    : GrantOutcome.refused(409, "grant_expired", "grant is expired; only pending grants can be decided"),
                    address);
            case CONTENDED -> refused(who, g, refusedType, GrantOutcome.refused(409, "grant_contended",
                    "the grant kept changing while the decision was being written; look at it again"), address);
        };
    }

    /**
     * What {@code who} may do with {@code g}, by the very rules {@link #approve} and {@link #deny} apply, so that the
     * ops page and the CLI can say so before asking for a one-time code that could not count.
     *
     * @param mayApprove false for a non-approver, the agent's owner, a grant no longer pending, or a person who already
     *                   approved it
     * @param mayDeny    false for the same, except that a person who approved may still deny
     * @param code       the refusal code approving would get ({@code null} when {@code mayApprove})
     * @param why        the refusal's words ({@code null} when {@code mayApprove})
     */
    public record Standing(boolean mayApprove, boolean mayDeny, String code, String why) {}

    public Standing standing(Approver who, Grant g) {
        GrantOutcome both = refuse(who, g);
        if (both != null) return new Standing(false, false, both.code(), both.message());
        GrantOutcome approval = refuseApproval(who, g);
        if (approval != null) return new Standing(false, true, approval.code(), approval.message());
        return new Standing(true, true, null, null);
    }

    /** {@link #refuse}, then the user it was filed for never approves, then one person counts once; or null. */
    private GrantOutcome refuseApproval(Approver who, Grant g) {
        GrantOutcome refusal = refuse(who, g);
        if (refusal == null) refusal = forTheUser(who, g);
        if (refusal == null && g.approvedBy(who.name())) {
            refusal = GrantOutcome.refused(409, "already_approved_by_you",
                    "you already approved this grant; one person counts once");
        }
        return refusal;
    }

    /**
     * A grant filed on a user's behalf (RFC 8693 delegation) is that user's request as much as the agent's: the user
     * approving it would be requester = approver (DESIGN flow 2). The user's ops account is the one identity.yaml
     * links to their subject, or the one named by their issuer's {@code name_claim}; if the issuer has left the policy
     * since, the name alone still counts (fail closed). Denying stays open to them: stopping one's own agent is safe.
     */
    private GrantOutcome forTheUser(Approver who, Grant g) {
        OnBehalfOf u = g.onBehalfOf();
        if (u == null) return null;
        TrustedIssuer t = policy.trustedIssuer(u.issuerId()).orElse(null);
        boolean same = t != null ? t.isOpsAccountOf(who.name(), u.subject(), u.name()) : who.name().equals(u.name());
        if (!same) return null;
        return GrantOutcome.refused(403, "on_behalf_of_cannot_approve", who.name() + " is the user on whose behalf "
                + g.agentId() + " filed this grant (" + u.canonicalSubject() + ") and cannot approve it; another"
                + " person must");
    }

    /** The state-free rules every decision passes, or null. */
    private GrantOutcome refuse(Approver who, Grant g) {
        GrantRules rules = policy.grantRules(g.environment());
        if (Collections.disjoint(who.groups(), rules.approverGroups())) {
            return GrantOutcome.refused(403, "not_an_approver", who.name() + " is not in an approver group of "
                    + g.environment() + " (" + String.join(", ", rules.approverGroups()) + ")");
        }
        Agent agent = policy.agent(g.agentId()).orElse(null);
        if (who.name().equals(g.agentId()) || (agent != null && who.name().equals(agent.owner()))) {
            return GrantOutcome.refused(403, "requester_cannot_approve", who.name()
                    + " owns the requesting agent " + g.agentId() + " and cannot decide its grants");
        }
        if (g.status() != GrantStatus.PENDING) {
            return GrantOutcome.refused(409, "grant_" + g.status().label(), "grant is " + g.status().label()
                    + "; only pending grants can be decided");
        }
        return null;
    }

    private CompletableFuture<GrantOutcome> refused(Approver who, Grant g, String type, GrantOutcome r, String address) {
        return ledger.auditOnly(AuditEvent.of(type).with("grant_id", g.id()).with("by", who.name())
                .with("code", r.code()).with("reason", r.message()).with("address", address).build()).thenApply(v -> r);
    }

    private static CompletableFuture<GrantOutcome> done(GrantOutcome o) {
        return CompletableFuture.completedFuture(o);
    }
}
