package dev.airlock.core.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows down guessing. Each key (say, a client id at an address) may fail {@code freeFailures} times within
 * {@code window}; after that every further failure doubles a wait, from {@code baseDelay} up to {@code maxDelay},
 * during which attempts are refused without even being checked (so the refusal is not an oracle).
 *
 * <p>Keys are never a client id alone: that would let anyone who knows an agent's id lock it out.
 */
public final class FailureThrottle {

    /** Every limit, explicit. */
    public record Limits(int freeFailures, Duration baseDelay, Duration maxDelay, Duration window, int maxKeys) {
        /** One client id at one address: a person or script with a wrong secret. */
        public static final Limits PER_CLIENT =
                new Limits(5, Duration.ofSeconds(1), Duration.ofMinutes(5), Duration.ofMinutes(15), 100_000);
        /**
         * One address, whatever client ids it tries: a sweep over ids. Higher, because many honest agents can share
         * an address (NAT, one CI runner), and one broken agent should not lock out its neighbours.
         */
        public static final Limits PER_ADDRESS =
                new Limits(50, Duration.ofSeconds(1), Duration.ofMinutes(5), Duration.ofMinutes(15), 100_000);
    }

    private record Entry(int failures, Instant last) {}

    private final Limits limits;
    private final Clock clock;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    public FailureThrottle(Limits limits, Clock clock) {
        this.limits = limits;
        this.clock = clock;
    }

    public Limits limits() {
        return limits;
    }

    /** How long the caller must still wait, if any key is in its penalty period. */
    public Optional<Duration> retryAfter(String... keys) {
        Instant now = clock.instant();
        Duration longest = null;
        for (String k : keys) {
            Entry e = entries.get(k);
            if (e == null || e.failures < limits.freeFailures) continue;
            Instant until = e.last.plus(delay(e.failures));
            if (now.isBefore(until)) {
                Duration d = Duration.between(now, until);
                if (longest == null || d.compareTo(longest) > 0) longest = d;
            }
        }
        return Optional.ofNullable(longest);
    }

    public void failure(String... keys) {
        Instant now = clock.instant();
        if (entries.size() >= limits.maxKeys) evictStale(now);
        for (String k : keys) {
            entries.compute(k, (key, e) -> e == null || e.last.plus(limits.window).isBefore(now)
                    ? new Entry(1, now) : new Entry(e.failures + 1, now));
        }
    }

    public void success(String key) {
        entries.remove(key);
    }

    private Duration delay(int failures) {
        int over = failures - limits.freeFailures;
        Duration d = limits.baseDelay.multipliedBy(1L << Math.min(over, 20));
        return d.compareTo(limits.maxDelay) > 0 ? limits.maxDelay : d;
    }

    private void evictStale(Instant now) {
        entries.entrySet().removeIf(e -> e.getValue().last.plus(limits.window).isBefore(now));
        // Still full means a flood of distinct keys: forgetting is safer for availability than refusing everyone,
        // and each key's own delay is short anyway.
        if (entries.size() >= limits.maxKeys) entries.clear();
    }
}
