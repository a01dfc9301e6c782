package dev.airlock.notify;

import dev.airlock.core.grant.GrantEvent;
import dev.airlock.core.grant.GrantNotifier;
import dev.airlock.core.policy.Webhook;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * Announces grant events to the webhooks of {@code grants.yaml} (Slack incoming webhooks, or anything that accepts
 * the same JSON). Best effort by design: the grant is durable and audited before anyone is notified, so a webhook
 * that is slow, failing or full can delay or lose a notification, never a grant.
 *
 * <p>{@link #notify} builds the body once, hands it to each interested webhook's own sender and returns; it never
 * blocks and never throws. Each sender retries I/O errors, 429 and 5xx after 1, 2, 4, 8 and 16 seconds (429's
 * {@code Retry-After} wins, up to 60 s), gives up on any other status, and holds at most 1,000 deliveries.
 */
public final class WebhookNotifier implements GrantNotifier, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(WebhookNotifier.class.getName());

    /**
     * How senders behave; {@link #defaults()} in production, milliseconds in tests.
     *
     * @param retryDelays     the wait before each retry; its size is the number of retries
     * @param capacity        deliveries one webhook may hold (queued, in flight or waiting to retry) before dropping
     * @param closeGrace      how long {@link #close()} lets queued deliveries finish
     */
    record Tuning(List<Duration> retryDelays, Duration connectTimeout, Duration requestTimeout, Duration maxRetryAfter,
                  int capacity, Duration closeGrace) {
        Tuning {
            retryDelays = List.copyOf(retryDelays);
            if (capacity < 1) throw new IllegalArgumentException("capacity must be at least 1");
        }

        static Tuning defaults() {
            return new Tuning(List.of(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4),
                    Duration.ofSeconds(8), Duration.ofSeconds(16)), Duration.ofSeconds(5), Duration.ofSeconds(5),
                    Duration.ofSeconds(60), 1000, Duration.ofSeconds(2));
        }
    }

    /** Counts since start, summed over webhooks. */
    record Stats(long delivered, long failed, long dropped, long retries) {
        Stats plus(Stats o) {
            return new Stats(delivered + o.delivered, failed + o.failed, dropped + o.dropped, retries + o.retries);
        }
    }

    private final List<WebhookTarget> targets;
    private final String opsBaseUrl;
    private final Clock clock;
    private final Duration closeGrace;
    private volatile boolean closed;

    /**
     * @param hooks      the policy's webhooks ({@code Policy#webhooks()})
     * @param opsBaseUrl where people open the ops console, e.g. {@code https://airlock.example.com}; grant links are
     *                   {@code opsBaseUrl + "/ops/#/grants/" + id}
     * @param getenv     resolves {@code url_env} ({@code System::getenv} in production); looked up once, here
     */
    public WebhookNotifier(List<Webhook> hooks, String opsBaseUrl, Function<String, String> getenv, Clock clock) {
        // No webhooks, no HTTP client: building one costs start-up time and keeps a selector thread alive.
        this(hooks, opsBaseUrl, getenv, clock, Tuning.defaults(), hooks.isEmpty() ? null : httpClient(Tuning.defaults()));
    }

    WebhookNotifier(List<Webhook> hooks, String opsBaseUrl, Function<String, String> getenv, Clock clock, Tuning tuning,
                    HttpClient http) {
        this.opsBaseUrl = stripTrailingSlashes(Objects.requireNonNull(opsBaseUrl, "opsBaseUrl"));
        this.clock = Objects.requireNonNull(clock, "clock");
        this.closeGrace = tuning.closeGrace();
        List<WebhookTarget> resolved = new ArrayList<>();
        for (Webhook hook : hooks) {
            Optional<String> url = hook.resolveUrl(getenv);
            if (url.isEmpty()) {
                // By name only: the value, if any, may be a secret URL that is merely malformed.
                LOG.warning("webhook skipped: environment variable " + hook.urlEnv()
                        + " is unset, blank or not an absolute http(s) URL (" + hook + ")");
                continue;
            }
            resolved.add(new WebhookTarget(hook, URI.create(url.get()), http, tuning, clock));
        }
        this.targets = List.copyOf(resolved);
    }

    /** POSTs that neither follow redirects nor wait long to connect; HTTP/1.1 keeps odd receivers simple. */
    static HttpClient httpClient(Tuning tuning) {
        return HttpClient.newBuilder()
                .connectTimeout(tuning.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    @Override
    public void notify(GrantEvent event) {
        try {
            if (closed || event == null) return;
            byte[] body = null;
            for (WebhookTarget t : targets) {
                if (!t.hook().wants(event.type())) continue;
                if (body == null) {
                    Instant at = event.at() != null ? event.at() : clock.instant();
                    body = SlackMessage.json(event, at, opsBaseUrl);
                }
                t.offer(new WebhookTarget.Delivery(event.type(), event.grant().id(), body));
            }
        } catch (Throwable t) {
            // The contract is "never throws": the caller has already committed the grant, and a notification
            // failure must not turn that into an error for the person or agent who caused it.
            LOG.warning("grant notification not sent: " + t.getClass().getSimpleName());
        }
    }

    /** Stops accepting events, lets queued deliveries run for the grace period, then stops every sender. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        long deadline = System.nanoTime() + closeGrace.toNanos();
        for (WebhookTarget t : targets) t.shutdown();
        for (WebhookTarget t : targets) t.awaitThenStop(deadline);
    }

    /** How many webhooks have a usable URL. */
    public int activeWebhooks() {
        return targets.size();
    }

    Stats stats() {
        Stats s = new Stats(0, 0, 0, 0);
        for (WebhookTarget t : targets) s = s.plus(t.stats());
        return s;
    }

    private static String stripTrailingSlashes(String s) {
        String out = s.strip();
        while (out.endsWith("/")) out = out.substring(0, out.length() - 1);
        return out;
    }
}
