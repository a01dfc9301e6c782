package dev.airlock.core.grant;

import dev.airlock.core.policy.ApprovalFactor;
import dev.airlock.core.policy.GrantRules;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.Risk;
import dev.airlock.core.policy.Scope;
import dev.airlock.core.token.TokenMinter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What approving a grant would permit, as an approver must weigh it: each scope with its risk from the policy, on the
 * grant's exact resources, for so many uses of a token that lives so long (the effective permission is scope ×
 * resources × uses × lifetime). Read from the policy now loaded, which is also what redemption will use.
 *
 * @param scopes        the grant's scopes, in its order, each with its risk
 * @param destructive   true if any scope is destructive (or no longer known to the policy): the approver is told
 *                      that the action cannot be undone. It follows the risk, never the environment's name
 * @param uses          how many actions the one-shot token may take
 * @param tokenLifetime how long that token lives once collected
 * @param factor        the second factor each approval must carry (grants.yaml {@code approval_factor}, by risk)
 */
public record GrantTerms(List<ScopeRisk> scopes, boolean destructive, int uses, Duration tokenLifetime,
                         ApprovalFactor factor) {
    public GrantTerms {
        scopes = List.copyOf(scopes);
    }

    /**
     * One scope of a grant as {@code scopes.yaml} describes it.
     *
     * @param known         false when the policy no longer has this scope (it changed after the grant was filed);
     *                      such a scope is shown as risk {@code unknown} and counted as destructive, so the approver
     *                      is warned rather than reassured (fail closed)
     * @param grantRequired the policy's {@code grant_required}: a human is needed even though it is not destructive
     */
    public record ScopeRisk(String name, Risk risk, boolean known, boolean grantRequired, String description) {
        /** {@code read}, {@code write}, {@code destructive}, or {@code unknown}. */
        public String riskLabel() {
            return known ? risk.label() : "unknown";
        }
    }

    public static GrantTerms of(Policy policy, Grant g) {
        List<ScopeRisk> out = new ArrayList<>();
        boolean destructive = false;
        for (String name : g.scopes()) {
            Scope s = policy.scope(name).orElse(null);
            ScopeRisk r = s == null
                    ? new ScopeRisk(name, Risk.DESTRUCTIVE, false, true, "not in the policy now loaded")
                    : new ScopeRisk(name, s.risk(), true, s.grantRequired(), s.description());
            destructive |= r.risk() == Risk.DESTRUCTIVE;
            out.add(r);
        }
        GrantRules rules = policy.grantRules(g.environment());
        return new GrantTerms(out, destructive, rules.uses(), tokenLifetime(policy, g.environment()),
                rules.approvalFactor(destructive));
    }

    /**
     * The lifetime of the token an approved grant yields: grants.yaml's {@code token_lifetime}, clamped to the
     * environment's own cap and the hard cap. The same computation {@link GrantRedemption} mints with.
     */
    public static Duration tokenLifetime(Policy policy, String environment) {
        Duration wanted = policy.grantRules(environment).tokenLifetime();
        return policy.environment(environment).map(env -> TokenMinter.lifetime(wanted, env))
                .orElseGet(() -> TokenMinter.lifetime(wanted, null));
    }
}
