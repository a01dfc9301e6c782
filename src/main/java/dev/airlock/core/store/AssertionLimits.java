package dev.airlock.core.store;

import java.time.Duration;

/**
 * How many client-assertion ids a {@link StateStore} remembers at once (RFC 7523 §3 replay protection). Each id is
 * kept until {@link Retention} lets it go: {@link Retention#TOLERATED_STEP} (5 minutes) past its assertion's
 * {@code exp}, which is at most {@code ClientAuthenticator.MAX_ASSERTION_LIFETIME} (10 minutes) ahead, and through a
 * store's first 20 minutes; without a cap a fast client makes that set, and the heap, grow with its rate. Over a cap
 * the assertion is refused, never accepted unrecorded: accepting it would let it be replayed.
 *
 * @param perClient ids one client may have remembered
 * @param total     ids all clients together may have remembered
 */
public record AssertionLimits(int perClient, int total) {
    /**
     * 50,000 per client is, at the longest allowed lifetime of 10 minutes (so 15 remembered), a sustained 55
     * assertions a second from one agent (138 a second with 60-second assertions, remembered 6 minutes), far beyond
     * what one agent needs for tokens that live minutes. 200,000 in total bounds the heap the ids take: about 155
     * bytes each with 36-character ids, the id string included (measured for the embedded store before each entry
     * gained its 8-byte hold time), so about 33 MB, under a third of the 112 MB heap the server is run with
     * (bench/README.md); that still holds four agents at their cap, or 555 assertions a second of 60-second
     * assertions.
     */
    public static final AssertionLimits DEFAULT = new AssertionLimits(50_000, 200_000);

    public AssertionLimits {
        if (perClient < 1 || total < 1) throw new IllegalArgumentException("assertion limits must be positive");
    }

    /**
     * A store refused to record an assertion because a cap is reached; nothing was recorded. Rejected, not internal:
     * the client proved who it is, and may retry once {@link #retryAfter()} has freed a slot (the earliest expiry).
     */
    public static final class Reached extends RuntimeException {
        private final boolean total;
        private final int limit;
        private final Duration retryAfter;

        public Reached(boolean total, int limit, Duration retryAfter) {
            // No stack trace: this is an answer, thrown at the rate a client can send, not a fault to debug.
            super((total ? "all clients together have " : "this client has ") + limit
                    + " client assertion ids remembered, the cap", null, false, false);
            this.total = total;
            this.limit = limit;
            this.retryAfter = retryAfter;
        }

        /** True if the cap across all clients was reached, false if the client's own. */
        public boolean total() {
            return total;
        }

        public int limit() {
            return limit;
        }

        public Duration retryAfter() {
            return retryAfter;
        }
    }
}
