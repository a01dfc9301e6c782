package dev.airlock.core.policy;

import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * How human grants work in one environment, from {@code grants.yaml} with its {@code defaults} merged in.
 * Every value is in range by construction: no rules object can say "0 approvals" or "a 1h grant token", so code
 * that reads these never has to re-check them.
 *
 * @param pendingLifetime      how long a request waits for decisions before it expires; (0, 24h]
 * @param tokenLifetime        lifetime of the one-shot token an approved grant yields; (0, {@link Policy#MAX_TOKEN_LIFETIME}]
 * @param uses                 how many times that token may be used; 1..10
 * @param pollInterval         the CIBA {@code interval} a polling agent is told to wait; [1s, 60s]
 * @param approverGroups       ops groups whose members may approve or deny grants here. Empty means nobody can:
 *                             grants may be requested but are never approved (fail closed)
 * @param destructiveApprovals distinct approvers needed for a grant with any destructive scope; 1..10
 * @param otherApprovals       distinct approvers needed for a grant whose scopes are only grant_required; 1..10
 * @param destructiveUsesPerDay destructive uses one agent may commit here per UTC day, across all its grants
 *                             ({@code destructive_uses_per_day}); 0 when grants.yaml sets no budget; else
 *                             1..{@value #MAX_DESTRUCTIVE_USES_PER_DAY}
 * @param destructiveFactor    the second factor every approval of a grant with any destructive scope must carry
 * @param otherFactor          the same for a grant whose scopes are only grant_required
 */
public record GrantRules(Duration pendingLifetime, Duration tokenLifetime, int uses, Duration pollInterval,
                         Set<String> approverGroups, int destructiveApprovals, int otherApprovals,
                         int destructiveUsesPerDay, ApprovalFactor destructiveFactor, ApprovalFactor otherFactor) {
    /** What an approval needed before issue 16, and still does where grants.yaml says nothing. */
    public static final ApprovalFactor DEFAULT_FACTOR = ApprovalFactor.TOTP;

    public static final Duration DEFAULT_PENDING_LIFETIME = Duration.ofMinutes(15);
    public static final Duration MAX_PENDING_LIFETIME = Duration.ofHours(24);
    public static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofMinutes(5);
    public static final int DEFAULT_USES = 1;
    public static final int MAX_USES = 10;
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(5);
    public static final Duration MIN_POLL_INTERVAL = Duration.ofSeconds(1);
    public static final Duration MAX_POLL_INTERVAL = Duration.ofSeconds(60);
    public static final int MAX_APPROVALS = 10;
    public static final int MAX_DESTRUCTIVE_USES_PER_DAY = 1000;
    /** The environment whose destructive grants need two people unless grants.yaml says otherwise. */
    public static final String PRODUCTION = "production";

    public GrantRules {
        Objects.requireNonNull(pendingLifetime, "pendingLifetime");
        Objects.requireNonNull(tokenLifetime, "tokenLifetime");
        Objects.requireNonNull(pollInterval, "pollInterval");
        Objects.requireNonNull(approverGroups, "approverGroups");
        Objects.requireNonNull(destructiveFactor, "destructiveFactor");
        Objects.requireNonNull(otherFactor, "otherFactor");
        check(within(pendingLifetime, Duration.ZERO, MAX_PENDING_LIFETIME) && !pendingLifetime.isZero(),
                "pendingLifetime " + pendingLifetime + " is outside (0, " + MAX_PENDING_LIFETIME + "]");
        check(within(tokenLifetime, Duration.ZERO, Policy.MAX_TOKEN_LIFETIME) && !tokenLifetime.isZero(),
                "tokenLifetime " + tokenLifetime + " is outside (0, " + Policy.MAX_TOKEN_LIFETIME + "]");
        check(uses >= 1 && uses <= MAX_USES, "uses " + uses + " is outside 1.." + MAX_USES);
        check(within(pollInterval, MIN_POLL_INTERVAL, MAX_POLL_INTERVAL),
                "pollInterval " + pollInterval + " is outside [" + MIN_POLL_INTERVAL + ", " + MAX_POLL_INTERVAL + "]");
        check(destructiveApprovals >= 1 && destructiveApprovals <= MAX_APPROVALS,
                "destructiveApprovals " + destructiveApprovals + " is outside 1.." + MAX_APPROVALS);
        check(otherApprovals >= 1 && otherApprovals <= MAX_APPROVALS,
                "otherApprovals " + otherApprovals + " is outside 1.." + MAX_APPROVALS);
        check(destructiveUsesPerDay >= 0 && destructiveUsesPerDay <= MAX_DESTRUCTIVE_USES_PER_DAY,
                "destructiveUsesPerDay " + destructiveUsesPerDay + " is outside 0.." + MAX_DESTRUCTIVE_USES_PER_DAY);
        approverGroups = Collections.unmodifiableSet(new LinkedHashSet<>(approverGroups));
        for (String g : approverGroups) Objects.requireNonNull(g, "approver group");
    }

    /** Without a destructive budget (the built-in: none), with the default factor (TOTP) for every approval. */
    public GrantRules(Duration pendingLifetime, Duration tokenLifetime, int uses, Duration pollInterval,
                      Set<String> approverGroups, int destructiveApprovals, int otherApprovals) {
        this(pendingLifetime, tokenLifetime, uses, pollInterval, approverGroups, destructiveApprovals, otherApprovals, 0,
                DEFAULT_FACTOR, DEFAULT_FACTOR);
    }

    /** Whether grants.yaml caps destructive uses per agent and UTC day here. */
    public boolean budgeted() {
        return destructiveUsesPerDay > 0;
    }

    /**
     * The factor approving a grant needs: {@link #destructiveFactor} when the grant is destructive (as
     * {@code GrantTerms} judges it, counting a scope the policy no longer knows as destructive: fail closed).
     */
    public ApprovalFactor approvalFactor(boolean destructive) {
        return destructive ? destructiveFactor : otherFactor;
    }

    /** The built-in rules for an environment that grants.yaml does not mention: nobody may approve. */
    public static GrantRules defaults(String environment) {
        return new GrantRules(DEFAULT_PENDING_LIFETIME, DEFAULT_TOKEN_LIFETIME, DEFAULT_USES, DEFAULT_POLL_INTERVAL,
                Set.of(), defaultDestructiveApprovals(environment), 1);
    }

    /** 2 for the environment named {@code production}, 1 elsewhere. */
    public static int defaultDestructiveApprovals(String environment) {
        return PRODUCTION.equals(environment) ? 2 : 1;
    }

    /** False when no group may approve here: every grant requested in this environment will expire undecided. */
    public boolean approvable() {
        return !approverGroups.isEmpty();
    }

    /** Distinct approvals a grant for these scopes needs: {@link #destructiveApprovals} if any is destructive. */
    public int approvalsRequired(Collection<Scope> scopes) {
        for (Scope s : scopes) {
            if (s.destructive()) return destructiveApprovals;
        }
        return otherApprovals;
    }

    private static boolean within(Duration d, Duration min, Duration max) {
        return d.compareTo(min) >= 0 && d.compareTo(max) <= 0;
    }

    private static void check(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }
}
