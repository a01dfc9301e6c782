package dev.airlock.http;

import java.time.Duration;

/**
 * Bounds on connections (issue 13, finding 7: about 20,000 slow connections exhausted the descriptors and killed the
 * accepting thread for good). A connection over the cap is closed as soon as it is accepted, so the server never
 * holds more descriptors for clients than this, and keeps the rest for its files; a request whose headers or body
 * have not all arrived within the deadline is closed (408 where a request exists to answer, RFC 9110 §15.5.9).
 *
 * @param maxConnections  client connections held at once
 * @param requestDeadline time for a request's headers (from the connection, or the end of the previous response) and
 *                        then for its body
 */
public record ConnectionLimits(int maxConnections, Duration requestDeadline) {
    public static final int DEFAULT_MAX_CONNECTIONS = 4_096;
    /** Descriptors kept for the journal, audit log, keys, upstream and webhook connections and the JVM itself. */
    public static final int RESERVED_DESCRIPTORS = 128;
    public static final Duration DEFAULT_REQUEST_DEADLINE = Duration.ofSeconds(10);

    public ConnectionLimits {
        if (maxConnections < 1) throw new IllegalArgumentException("--max-connections must be at least 1");
        if (requestDeadline.isNegative() || requestDeadline.isZero() || requestDeadline.compareTo(Duration.ofMinutes(5)) > 0) {
            throw new IllegalArgumentException("--request-deadline must be more than 0 and at most 5m");
        }
    }

    /**
     * The default: 4,096, or fewer if the process's descriptor limit ({@code ulimit -n}) leaves less than that after
     * {@link #RESERVED_DESCRIPTORS}. An explicit {@code --max-connections} above that bound is refused.
     */
    public static ConnectionLimits defaults() {
        return new ConnectionLimits(Math.min(DEFAULT_MAX_CONNECTIONS, descriptorBound()), DEFAULT_REQUEST_DEADLINE);
    }

    /** The most connections this process's descriptor limit allows, or {@link Integer#MAX_VALUE} if unknown. */
    public static int descriptorBound() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            long limit = unix.getMaxFileDescriptorCount();
            return (int) Math.max(1, Math.min(Integer.MAX_VALUE, limit - RESERVED_DESCRIPTORS));
        }
        return Integer.MAX_VALUE;
    }
}
