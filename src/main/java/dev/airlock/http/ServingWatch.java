package dev.airlock.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * Is the server still accepting connections? (Issue 13, finding 7: descriptor exhaustion killed the accepting thread
 * for good while the process stayed up, so systemd never restarted it.) Each probe connects to the server's own port
 * and waits for the accept count to move; a connection closed at once by the cap still counts, so a full server is not
 * mistaken for a dead one. After {@link #FAILURES_BEFORE_LOST} failed probes in a row the server is "not serving":
 * {@code /healthz} answers 503 and the owner is told (serve exits non-zero, and the supervisor restarts it).
 */
final class ServingWatch {
    private static final Logger LOG = Logger.getLogger(ServingWatch.class.getName());
    static final int FAILURES_BEFORE_LOST = 3;
    static final int PROBE_TIMEOUT_MILLIS = 2_000;

    private final String host;
    private final int port;
    private final LongSupplier accepted;
    private final Runnable onLost;
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicBoolean serving = new AtomicBoolean(true);

    ServingWatch(String host, int port, LongSupplier accepted, Runnable onLost) {
        // A wildcard bind is probed on loopback.
        this.host = host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
        this.port = port;
        this.accepted = accepted;
        this.onLost = onLost;
    }

    boolean serving() {
        return serving.get();
    }

    /** One probe; blocks up to about twice {@link #PROBE_TIMEOUT_MILLIS}. Call from a worker, periodically. */
    void probe() throws InterruptedException {
        long before = accepted.getAsLong();
        boolean ok = false;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), PROBE_TIMEOUT_MILLIS);
            // The kernel completes the handshake from its backlog even if nothing accepts: wait for our accept.
            for (int waited = 0; waited < PROBE_TIMEOUT_MILLIS && !ok; waited += 20) {
                ok = accepted.getAsLong() != before;
                if (!ok) Thread.sleep(20);
            }
        } catch (IOException e) {
            ok = false; // refused, or no descriptor left for the probe itself: either way nothing is being served
        }
        if (ok) {
            failures.set(0);
            return;
        }
        if (failures.incrementAndGet() >= FAILURES_BEFORE_LOST && serving.compareAndSet(true, false)) {
            LOG.severe("not serving: " + FAILURES_BEFORE_LOST + " probes of " + host + ":" + port
                    + " found no connection accepted; /healthz now fails");
            onLost.run();
        }
    }
}
