package dev.airlock.core.grant;

import dev.airlock.core.policy.GrantRules;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.Scope;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The destructive budget (issue 16, part 3): {@code grants.yaml}'s {@code destructive_uses_per_day} caps the
 * destructive uses one agent may <em>commit</em> in one environment per UTC day, across all its grants. A request is
 * refused when granting it could exceed the cap, so the count is what is committed, not only what was spent: every
 * grant with a destructive scope requested that day counts
 * <ul>
 *   <li>pending or approved: the uses it would yield ({@code uses}), since people may still approve and it redeem;</li>
 *   <li>redeemed with its token still alive: its uses (those spent and those left);</li>
 *   <li>redeemed with its token expired: the uses spent;</li>
 *   <li>denied, cancelled, or expired unredeemed: nothing.</li>
 * </ul>
 * Days are UTC calendar days, counted by when the grant was requested: a budget resets at 00:00 UTC, an instant
 * agents and operators can both state (a rolling 24 hours would reset at a different moment for every agent). Computed
 * from the grants the store already holds, on every replica alike; a grant forgotten by the finished-grants cap
 * ({@code GrantLimits}) is at least 30 days old or final, and a final grant of today is kept far longer than a day.
 */
final class DestructiveBudget {
    private DestructiveBudget() {}

    /** What one agent has committed today in one environment, and when that count starts again from zero. */
    record Committed(int spent, int redeemable, Instant resetsAt) {
        int total() {
            return spent + redeemable;
        }
    }

    /** The refusal of a request over the budget, or null if it fits (or no budget is set). */
    static GrantOutcome refusal(Policy policy, Collection<Grant> grants, String agentId, String environment,
                                Instant now) {
        GrantRules rules = policy.grantRules(environment);
        if (!rules.budgeted()) return null;
        Committed c = committed(policy, grants, agentId, environment, rules, now);
        if (c.total() + rules.uses() <= rules.destructiveUsesPerDay()) return null;
        long seconds = Math.max(1, c.resetsAt().getEpochSecond() - now.getEpochSecond());
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("budget", rules.destructiveUsesPerDay());
        extra.put("committed", c.total());
        extra.put("resets_at", c.resetsAt().toString());
        extra.put("retry_after", seconds);
        return new GrantOutcome(null, 429, "destructive_budget_spent", agentId + " has committed " + c.total()
                + " of its " + rules.destructiveUsesPerDay() + " destructive uses in " + environment + " for today ("
                + c.spent() + " spent, " + c.redeemable() + " pending, approved or unspent; grants.yaml"
                + " destructive_uses_per_day), and this grant would add " + rules.uses() + ". The budget resets at "
                + c.resetsAt() + " (in " + seconds + " s); cancelling a pending grant frees its uses. Stop and tell"
                + " the person you work for.", extra);
    }

    static Committed committed(Policy policy, Collection<Grant> grants, String agentId, String environment,
                               GrantRules rules, Instant now) {
        LocalDate today = now.atZone(ZoneOffset.UTC).toLocalDate();
        Instant dayStart = today.atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant resetsAt = today.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        int spent = 0;
        int redeemable = 0;
        for (Grant g : grants) {
            if (!g.agentId().equals(agentId) || !g.environment().equals(environment)) continue;
            if (g.createdAt().isBefore(dayStart) || !g.createdAt().isBefore(resetsAt) || !destructive(policy, g)) {
                continue;
            }
            // usesLeft started at the uses of the rules in force at redemption; a later edit of "uses" is read from
            // the current value (conservative when raised).
            boolean alive = g.tokenExpiresAt() != null && now.isBefore(g.tokenExpiresAt());
            int[] counts = switch (g.statusAt(now)) {
                case PENDING, APPROVED -> new int[] {0, rules.uses()};
                case REDEEMED -> new int[] {Math.max(0, rules.uses() - g.usesLeft()), alive ? g.usesLeft() : 0};
                case DENIED, CANCELLED, EXPIRED -> new int[] {0, 0};
            };
            spent += counts[0];
            redeemable += counts[1];
        }
        return new Committed(spent, redeemable, resetsAt);
    }

    /** A scope no longer in the policy is counted as destructive: a budget is never widened by a policy edit. */
    private static boolean destructive(Policy policy, Grant g) {
        return g.scopes().stream().anyMatch(s -> policy.scope(s).map(Scope::destructive).orElse(true));
    }
}
