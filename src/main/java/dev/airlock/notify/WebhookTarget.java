package dev.airlock.notify;

import dev.airlock.core.policy.Webhook;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;

/**
 * Delivers to one webhook on its own thread, so a slow or dead receiver holds up only its own deliveries.
 *
 * <p>A delivery is a task on a single-thread scheduler: tried at once, and after a failure that may pass (an I/O
 * error, 429, 5xx) scheduled again after the next back-off delay. Between attempts the thread is free for the next
 * delivery, so one failing event does not stall the rest. At most {@code capacity} deliveries are in hand (queued,
 * in flight or waiting to retry); beyond that, new ones are dropped and counted.
 *
 * <p>Logs name the webhook by {@link Webhook#toString()}, which never shows a URL's path or query: for Slack and many
 * others the path is the credential. For the same reason no exception message or response body is logged.
 */
final class WebhookTarget {
    private static final Logger LOG = Logger.getLogger(WebhookTarget.class.getName());
    private static final Duration DROP_LOG_EVERY = Duration.ofMinutes(1);
    private static final AtomicInteger THREADS = new AtomicInteger();

    /** One grant event's body, bound for this webhook. */
    record Delivery(String event, String grantId, byte[] body) {}

    private final Webhook hook;
    private final URI uri;
    private final HttpClient http;
    private final WebhookNotifier.Tuning tuning;
    private final Clock clock;
    private final ScheduledThreadPoolExecutor executor;
    private final AtomicInteger inHand = new AtomicInteger();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicReference<Instant> lastDropLog = new AtomicReference<>();

    WebhookTarget(Webhook hook, URI uri, HttpClient http, WebhookNotifier.Tuning tuning, Clock clock) {
        this.hook = hook;
        this.uri = uri;
        this.http = http;
        this.tuning = tuning;
        this.clock = clock;
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "airlock-webhook-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        // On close, queued deliveries still run (within the grace period); retries still waiting are abandoned.
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.setRemoveOnCancelPolicy(true);
    }

    Webhook hook() {
        return hook;
    }

    /** Never blocks: hands the delivery to this webhook's thread, or drops it when too many are in hand. */
    void offer(Delivery d) {
        if (inHand.incrementAndGet() > tuning.capacity()) {
            inHand.decrementAndGet();
            dropped();
            return;
        }
        try {
            executor.execute(() -> attempt(d, 0));
        } catch (RejectedExecutionException closing) {
            inHand.decrementAndGet();
        }
    }

    private void dropped() {
        long n = dropped.incrementAndGet();
        Instant now = clock.instant();
        Instant last = lastDropLog.get();
        if (last != null && now.isBefore(last.plus(DROP_LOG_EVERY))) return;
        if (!lastDropLog.compareAndSet(last, now)) return;
        LOG.warning(hook + ": " + tuning.capacity() + " deliveries already waiting; dropped " + n
                + " grant event(s) so far");
    }

    private void attempt(Delivery d, int attemptIndex) {
        String problem;
        Duration retryAfter = null;
        boolean mayPass;
        try {
            HttpRequest request = HttpRequest.newBuilder(uri)
                    .timeout(tuning.requestTimeout())
                    .header("Content-Type", "application/json")
                    .header("User-Agent", "airlock-webhook")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(d.body()))
                    .build();
            HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            // The body is never read: it is not needed, and a receiver that streams forever must not hold this thread.
            response.body().close();
            int status = response.statusCode();
            if (status >= 200 && status < 300) {
                inHand.decrementAndGet();
                delivered.incrementAndGet();
                return;
            }
            problem = "HTTP " + status;
            // Redirects are not followed (HttpClient.Redirect.NEVER): a moved webhook is reconfigured by a person,
            // not chased, since following would send the grant to wherever the receiver points.
            mayPass = status == 429 || status >= 500;
            if (status == 429) {
                retryAfter = retryAfter(response.headers().firstValue("Retry-After").orElse(null), clock.instant(),
                        tuning.maxRetryAfter()).orElse(null);
            }
        } catch (IOException e) {
            problem = e.getClass().getSimpleName();
            mayPass = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            giveUp(d, attemptIndex + 1, "interrupted while closing");
            return;
        } catch (RuntimeException e) {
            problem = e.getClass().getSimpleName();
            mayPass = false;
        }
        if (!mayPass || attemptIndex >= tuning.retryDelays().size()) {
            giveUp(d, attemptIndex + 1, problem);
            return;
        }
        Duration wait = retryAfter != null ? retryAfter : tuning.retryDelays().get(attemptIndex);
        try {
            executor.schedule(() -> attempt(d, attemptIndex + 1), wait.toNanos(), TimeUnit.NANOSECONDS);
            retries.incrementAndGet();
        } catch (RejectedExecutionException closing) {
            giveUp(d, attemptIndex + 1, problem + ", not retried while closing");
        }
    }

    private void giveUp(Delivery d, int attempts, String problem) {
        inHand.decrementAndGet();
        failed.incrementAndGet();
        LOG.warning(hook + ": gave up on " + d.event() + " event for grant " + d.grantId() + " after " + attempts
                + " attempt(s): " + problem);
    }

    /**
     * RFC 9110 section 10.2.3: {@code Retry-After} is delay-seconds or an HTTP-date. Capped at {@code max} so a
     * receiver cannot park a delivery for a day; empty when absent or malformed (the normal back-off applies).
     */
    static Optional<Duration> retryAfter(String value, Instant now, Duration max) {
        if (value == null) return Optional.empty();
        String v = value.strip();
        Duration d;
        if (!v.isEmpty() && v.length() <= 10 && v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            d = Duration.ofSeconds(Long.parseLong(v));
        } else {
            try {
                d = Duration.between(now, ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            } catch (DateTimeParseException e) {
                return Optional.empty();
            }
            if (d.isNegative()) d = Duration.ZERO;
        }
        return Optional.of(d.compareTo(max) > 0 ? max : d);
    }

    void shutdown() {
        executor.shutdown();
    }

    /** Waits for queued deliveries until {@code deadlineNanos} ({@link System#nanoTime()}), then stops the thread. */
    void awaitThenStop(long deadlineNanos) {
        try {
            executor.awaitTermination(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor.shutdownNow();
        int abandoned = inHand.get();
        if (abandoned > 0) LOG.warning(hook + ": closed with " + abandoned + " grant event(s) not delivered");
    }

    WebhookNotifier.Stats stats() {
        return new WebhookNotifier.Stats(delivered.get(), failed.get(), dropped.get(), retries.get());
    }
}
