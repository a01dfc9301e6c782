package dev.airlock.core.grant;

import dev.airlock.core.policy.GrantLimits;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which finished grants to forget so that at most {@link GrantLimits#finishedPerAgent()} per agent and
 * {@link GrantLimits#finishedTotal()} in all are kept, oldest first (issue 13, finding 7). Only a grant that can no
 * longer change or be used is a candidate: never a pending or approved one, nor a redeemed one whose token still has
 * uses and time left (its check needs the record).
 */
final class GrantRetention {
    /** What to forget and a summary for the audit event (never the grants' contents: one line per sweep). */
    record Plan(List<String> ids, Map<String, Integer> perAgent, Instant oldest, Instant newest) {
        boolean isEmpty() {
            return ids.isEmpty();
        }
    }

    private GrantRetention() {}

    static boolean forgettable(Grant g, Instant now) {
        GrantStatus s = g.statusAt(now);
        return switch (s) {
            case PENDING, APPROVED -> false;
            case REDEEMED -> g.usesLeft() <= 0 || g.tokenExpiresAt() == null || !now.isBefore(g.tokenExpiresAt());
            case DENIED, EXPIRED, CANCELLED -> true;
        };
    }

    /** @param grants every grant, in any order */
    static Plan plan(List<Grant> grants, GrantLimits limits, Instant now) {
        Comparator<Grant> newestFirst = Comparator.comparing(Grant::createdAt).thenComparing(Grant::id).reversed();
        List<Grant> finished = grants.stream().filter(g -> forgettable(g, now)).sorted(newestFirst).toList();
        Map<String, Integer> keptPerAgent = new HashMap<>();
        List<Grant> kept = new ArrayList<>();
        List<Grant> dropped = new ArrayList<>();
        for (Grant g : finished) {
            int n = keptPerAgent.merge(g.agentId(), 1, Integer::sum);
            if (n <= limits.finishedPerAgent() && kept.size() < limits.finishedTotal()) kept.add(g);
            else dropped.add(g);
        }
        Map<String, Integer> perAgent = new TreeMap<>();
        Instant oldest = null;
        Instant newest = null;
        List<String> ids = new ArrayList<>();
        for (Grant g : dropped) {
            ids.add(g.id());
            perAgent.merge(g.agentId(), 1, Integer::sum);
            if (oldest == null || g.createdAt().isBefore(oldest)) oldest = g.createdAt();
            if (newest == null || g.createdAt().isAfter(newest)) newest = g.createdAt();
        }
        return new Plan(List.copyOf(ids), perAgent, oldest, newest);
    }
}
