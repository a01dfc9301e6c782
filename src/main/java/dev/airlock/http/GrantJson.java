package dev.airlock.http;

import dev.airlock.core.grant.Approval;
import dev.airlock.core.grant.Grant;
import dev.airlock.core.grant.GrantDecisions;
import dev.airlock.core.grant.GrantStatus;
import dev.airlock.core.grant.GrantTerms;
import dev.airlock.core.grant.PreconditionReport;
import dev.airlock.core.grant.PreconditionResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A grant as JSON, for the requesting agent and for people. Besides the request itself it carries what approving it
 * would permit ({@code scope_risks}, {@code destructive}, {@code uses}, {@code token_lifetime_seconds}: the effective
 * permission is scope × resources × uses × lifetime) and, for a person, what that person may do with it ({@code you}),
 * so the ops page and the CLI show the facts that matter before anyone types a code.
 */
final class GrantJson {
    private GrantJson() {}

    /** @param you the viewer's standing, or null when the viewer is the agent */
    static Map<String, Object> render(Grant g, Instant now, GrantTerms terms, GrantDecisions.Standing you) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", g.id());
        m.put("status", g.statusAt(now).label());
        m.put("agent", g.agentId());
        if (g.onBehalfOf() != null) {
            // Whom the agent acts for (RFC 8693 delegation): approvers judge the request knowing who is behind it.
            Map<String, Object> u = new LinkedHashMap<>();
            u.put("issuer", g.onBehalfOf().issuerId());
            u.put("iss", g.onBehalfOf().issuer());
            u.put("sub", g.onBehalfOf().subject());
            if (g.onBehalfOf().name() != null) u.put("name", g.onBehalfOf().name());
            m.put("on_behalf_of", u);
        }
        m.put("environment", g.environment());
        m.put("scopes", g.scopes());
        m.put("scope_risks", risks(terms));
        m.put("destructive", terms.destructive());
        m.put("resources", g.resources());
        m.put("reason", g.reason());
        if (g.command() != null) m.put("command", g.command());
        m.put("uses", terms.uses());
        m.put("token_lifetime_seconds", terms.tokenLifetime().toSeconds());
        m.put("approvals_required", g.requiredApprovals());
        m.put("approval_factor", terms.factor().label()); // passkey, totp or any: what each approval must carry
        List<Map<String, Object>> approvals = new ArrayList<>();
        for (Approval a : g.approvals()) approvals.add(Map.of("by", a.by(), "at", a.at().toString()));
        m.put("approvals", approvals);
        m.put("created_at", g.createdAt().toString());
        m.put("expires_at", g.expiresAt().toString());
        if (g.decidedBy() != null) m.put("decided_by", g.decidedBy());
        if (g.denyReason() != null) m.put("deny_reason", g.denyReason());
        // When a finished grant ended (its decision, cancellation or expiry), for "grants list --status all".
        GrantStatus shown = g.statusAt(now);
        if (shown == GrantStatus.DENIED || shown == GrantStatus.EXPIRED || shown == GrantStatus.CANCELLED) {
            m.put("ended_at", (g.decidedAt() != null && shown == g.status() ? g.decidedAt() : g.expiresAt()).toString());
        }
        if (g.status() == GrantStatus.REDEEMED) {
            m.put("uses_left", g.usesLeft());
            m.put("token_expires_at", g.tokenExpiresAt().toString());
        }
        if (you != null) m.put("you", you(you));
        return m;
    }

    /**
     * Issue 16: each precondition evaluated for each resource: passed with the backup found and its age, or failed
     * with why. {@code passed} is false while any fails: then nobody can approve, and an approved grant yields no token.
     */
    static Map<String, Object> preconditions(PreconditionReport report) {
        List<Map<String, Object>> results = new ArrayList<>();
        for (PreconditionResult r : report.results()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("scope", r.precondition().scope());
            m.put("provider", r.precondition().provider());
            m.put("resource", r.resource());
            m.put("passed", r.passed());
            if (r.item() != null) m.put("item", r.item());
            if (r.age() != null) m.put("age_seconds", r.age().getSeconds());
            m.put("summary", r.summary());
            results.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("passed", report.passed());
        out.put("results", results);
        return out;
    }

    private static List<Map<String, Object>> risks(GrantTerms terms) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (GrantTerms.ScopeRisk s : terms.scopes()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("scope", s.name());
            r.put("risk", s.riskLabel());
            r.put("grant_required", s.grantRequired());
            if (!s.description().isEmpty()) r.put("description", s.description());
            out.add(r);
        }
        return out;
    }

    private static Map<String, Object> you(GrantDecisions.Standing s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("may_decide", s.mayApprove() || s.mayDeny());
        out.put("may_approve", s.mayApprove());
        out.put("may_deny", s.mayDeny());
        if (s.code() != null) out.put("code", s.code());
        if (s.why() != null) out.put("why", s.why());
        return out;
    }
}
