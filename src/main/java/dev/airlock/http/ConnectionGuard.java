package dev.airlock.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Enforces {@link ConnectionLimits} for every event loop of one server. Slow clients (slowloris: headers a byte at a
 * time, or a body that never ends) are what the idle timeout misses, since they are never idle; the deadline is
 * counted from the connection (or the end of the last response), not from the last byte.
 */
final class ConnectionGuard {
    private static final Logger LOG = Logger.getLogger(ConnectionGuard.class.getName());
    /** One log line per minute at most while connections are refused, not one per connection. */
    private static final long LOG_EVERY_NANOS = 60_000_000_000L;

    private final ConnectionLimits limits;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);
    /** The pending header or body timer of each connection held. */
    private final ConcurrentHashMap<HttpConnection, Long> timers = new ConcurrentHashMap<>();

    ConnectionGuard(ConnectionLimits limits) {
        this.limits = limits;
    }

    /** Connections held now, on every event loop. */
    int open() {
        return open.get();
    }

    /** Connections closed on accept because the cap was reached. */
    long refused() {
        return refused.get();
    }

    /** Connections accepted so far, refused or not: evidence that the accepting loop is alive. */
    long accepted() {
        return accepted.get();
    }

    void onConnection(Vertx vertx, HttpConnection c) {
        accepted.incrementAndGet();
        if (open.incrementAndGet() > limits.maxConnections()) {
            open.decrementAndGet();
            c.close();
            long n = refused.incrementAndGet();
            long now = System.nanoTime();
            long last = lastLog.get();
            if (now - last >= LOG_EVERY_NANOS && lastLog.compareAndSet(last, now)) {
                LOG.warning("connection cap of " + limits.maxConnections() + " reached: new connections are closed ("
                        + n + " so far); see serve --max-connections");
            }
            return;
        }
        c.closeHandler(v -> {
            open.decrementAndGet();
            Long t = timers.remove(c);
            if (t != null) vertx.cancelTimer(t);
        });
        awaitHeaders(vertx, c);
    }

    /** Called for each request as its headers arrive, before routing. */
    void onRequest(Vertx vertx, HttpServerRequest req) {
        HttpConnection c = req.connection();
        cancel(vertx, c);
        long t = vertx.setTimer(limits.requestDeadline().toMillis(), id -> {
            timers.remove(c, id);
            if (req.isEnded()) return;
            // The body did not arrive in time: answer if nothing was sent yet, and close either way.
            if (!req.response().headWritten() && !req.response().ended()) {
                req.response().setStatusCode(408).putHeader("Connection", "close")
                        .putHeader("Content-Type", "application/problem+json")
                        .end("{\"type\":\"about:blank\",\"title\":\"Request Timeout\",\"status\":408,\"detail\":"
                                + "\"the request body did not arrive within " + limits.requestDeadline().toSeconds()
                                + " s\"}")
                        .onComplete(x -> c.close());
            } else {
                c.close();
            }
        });
        put(vertx, c, t);
        req.response().endHandler(v -> {
            cancel(vertx, c);
            awaitHeaders(vertx, c);
        });
    }

    /**
     * Until a request's headers are complete there is no request to answer (Vert.x hands over none), so the connection
     * is closed without a 408 (RFC 9112 §9.6 lets a server close an idle or incomplete connection).
     */
    private void awaitHeaders(Vertx vertx, HttpConnection c) {
        long t = vertx.setTimer(limits.requestDeadline().toMillis(), id -> {
            if (timers.remove(c, id)) c.close();
        });
        put(vertx, c, t);
    }

    private void put(Vertx vertx, HttpConnection c, long timer) {
        Long old = timers.put(c, timer);
        if (old != null) vertx.cancelTimer(old);
    }

    private void cancel(Vertx vertx, HttpConnection c) {
        Long t = timers.remove(c);
        if (t != null) vertx.cancelTimer(t);
    }
}
