package dev.airlock.core.policy;

/**
 * How many grants the store keeps, from {@code grants.yaml}'s {@code limits} (issue 13, finding 7). Age alone did not
 * bound them: one agent filing and cancelling in a loop left 25,687 finished grants, kept 30 days, and the server could
 * no longer start with its shipped 112 MB heap. Live grants (pending) are capped by refusing new requests; finished
 * grants by forgetting the oldest, with an audit event that says what was dropped.
 *
 * <p>The maxima are what the shipped heap holds with every grant at its largest (about 17 KB in memory: a 2,000
 * character reason and command and 16 resources of 256 characters, outside Latin-1), next to the assertion ids at
 * their own cap; {@code ShippedHeapIT} starts the packaged server on a data directory filled to them. A deployment
 * that needs more raises the heap first.
 *
 * @param pendingPerAgent  pending grants one agent may have; a further request is refused (429)
 * @param pendingTotal     pending grants all agents together may have; likewise
 * @param finishedPerAgent finished grants kept per agent; the oldest beyond it are forgotten
 * @param finishedTotal    finished grants kept in all; likewise
 */
public record GrantLimits(int pendingPerAgent, int pendingTotal, int finishedPerAgent, int finishedTotal) {
    public static final int MAX_PENDING_PER_AGENT = 50;
    public static final int MAX_PENDING_TOTAL = 500;
    public static final int MAX_FINISHED_PER_AGENT = 1_000;
    public static final int MAX_FINISHED_TOTAL = 2_000;
    public static final GrantLimits DEFAULT = new GrantLimits(5, 200, 200, 1_000);

    public GrantLimits {
        check("pending_per_agent", pendingPerAgent, MAX_PENDING_PER_AGENT);
        check("pending_total", pendingTotal, MAX_PENDING_TOTAL);
        check("finished_per_agent", finishedPerAgent, MAX_FINISHED_PER_AGENT);
        check("finished_total", finishedTotal, MAX_FINISHED_TOTAL);
    }

    /** The largest limits a policy may set: what the shipped heap is measured against. */
    public static GrantLimits maxima() {
        return new GrantLimits(MAX_PENDING_PER_AGENT, MAX_PENDING_TOTAL, MAX_FINISHED_PER_AGENT, MAX_FINISHED_TOTAL);
    }

    private static void check(String name, int value, int max) {
        if (value < 1 || value > max) throw new IllegalArgumentException(name + " " + value + " is outside 1.." + max);
    }
}
