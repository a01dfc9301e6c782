package dev.airlock.core.identity;

import com.nimbusds.jose.jwk.JWKSet;
import java.net.URI;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The public keys of trusted identity providers, fetched from their {@code jwks_uri} and cached. Limits, all explicit:
 * a key set is trusted for {@link #TTL}, an unknown {@code kid} (a rotation at the IdP) triggers at most one refetch
 * per {@link #MIN_REFETCH} per URL (so a flood of tokens with made-up kids cannot turn Airlock into a load generator
 * against the IdP), a failed fetch is not retried before {@link #MIN_REFETCH} either, concurrent requests share one
 * fetch, and the body is at most {@link #MAX_BYTES}. Fails closed: with no fresh key set, nothing verifies.
 *
 * <p>The fetch itself is behind {@link Fetcher}, filled by the adapter (off the event loop, with a timeout), so this
 * class stays synchronous and testable with a {@link Clock}.
 */
public final class IssuerKeys {
    public static final Duration TTL = Duration.ofMinutes(5);
    public static final Duration MIN_REFETCH = Duration.ofSeconds(30);
    public static final int MAX_BYTES = 64 * 1024;
    public static final Duration FETCH_TIMEOUT = Duration.ofSeconds(5);

    /** Fetches a JWKS document; fails on any transport error, a non-200 status, or a body over {@link #MAX_BYTES}. */
    @FunctionalInterface
    public interface Fetcher {
        CompletableFuture<String> fetch(URI uri);
    }

    /** The key set could not be had; {@code reason} is for the audit log and the operator, not for the client. */
    public static final class Unavailable extends Exception {
        public Unavailable(String reason) {
            super(reason);
        }
    }

    private record Entry(JWKSet keys, Instant fetchedAt, Instant attemptedAt, String failure,
                         CompletableFuture<JWKSet> inFlight) {}

    private final Fetcher fetcher;
    private final Clock clock;
    private final Map<URI, Entry> entries = new HashMap<>();

    public IssuerKeys(Fetcher fetcher, Clock clock) {
        this.fetcher = fetcher;
        this.clock = clock;
    }

    /**
     * The key set of {@code uri}, fresh within {@link #TTL}; refetched first when {@code refetchUnlessHas} (a kid) is
     * not in the cached set and the last attempt was at least {@link #MIN_REFETCH} ago. Completes exceptionally with
     * {@link Unavailable} when there is no usable set.
     */
    public synchronized CompletableFuture<JWKSet> keys(URI uri, String refetchUnlessHas) {
        Instant now = clock.instant();
        Entry e = entries.get(uri);
        if (e != null && e.inFlight() != null) return e.inFlight();
        boolean fresh = e != null && e.keys() != null && now.isBefore(e.fetchedAt().plus(TTL));
        boolean mayRetry = e == null || !now.isBefore(e.attemptedAt().plus(MIN_REFETCH));
        if (fresh && (refetchUnlessHas == null || e.keys().getKeyByKeyId(refetchUnlessHas) != null || !mayRetry)) {
            return CompletableFuture.completedFuture(e.keys());
        }
        if (!mayRetry) {
            if (e.keys() != null && fresh) return CompletableFuture.completedFuture(e.keys());
            return CompletableFuture.failedFuture(new Unavailable(e.failure() != null ? e.failure()
                    : "key set expired and the last fetch was less than " + MIN_REFETCH.toSeconds() + " s ago"));
        }
        CompletableFuture<JWKSet> fetch = new CompletableFuture<>();
        entries.put(uri, new Entry(e == null ? null : e.keys(), e == null ? null : e.fetchedAt(), now,
                e == null ? null : e.failure(), fetch));
        CompletableFuture<String> body;
        try {
            body = fetcher.fetch(uri);
        } catch (RuntimeException ex) {
            body = CompletableFuture.failedFuture(ex);
        }
        body.whenComplete((text, error) -> settle(uri, fetch, now, text, error));
        return fetch;
    }

    private void settle(URI uri, CompletableFuture<JWKSet> fetch, Instant attempted, String text, Throwable error) {
        JWKSet parsed = null;
        String failure = null;
        if (error != null) {
            failure = "fetching " + uri + " failed: " + rootMessage(error);
        } else if (text == null || text.length() > MAX_BYTES) {
            failure = "the key set at " + uri + " is larger than " + MAX_BYTES + " bytes";
        } else {
            try {
                parsed = JWKSet.parse(text);
                // Public keys only; a JWKS that publishes private material is broken, and we will not hold it.
                if (parsed.getKeys().stream().anyMatch(k -> k.isPrivate())) {
                    parsed = null;
                    failure = "the key set at " + uri + " contains private key material";
                } else {
                    parsed = parsed.toPublicJWKSet();
                }
            } catch (ParseException ex) {
                failure = "the key set at " + uri + " is not a JWK set";
            }
        }
        synchronized (this) {
            Entry old = entries.get(uri);
            if (parsed != null) {
                entries.put(uri, new Entry(parsed, attempted, attempted, null, null));
            } else {
                // A failed refetch keeps a still-fresh set (an unknown kid stays unknown); an expired one is dropped.
                entries.put(uri, new Entry(old == null ? null : old.keys(), old == null ? null : old.fetchedAt(),
                        attempted, failure, null));
            }
        }
        if (parsed != null) {
            fetch.complete(parsed);
        } else {
            Entry now = currentEntry(uri);
            boolean fresh = now != null && now.keys() != null && clock.instant().isBefore(now.fetchedAt().plus(TTL));
            if (fresh) fetch.complete(now.keys());
            else fetch.completeExceptionally(new Unavailable(failure));
        }
    }

    private synchronized Entry currentEntry(URI uri) {
        return entries.get(uri);
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while ((c instanceof java.util.concurrent.CompletionException || c instanceof java.util.concurrent.ExecutionException)
                && c.getCause() != null) {
            c = c.getCause();
        }
        String m = c.getMessage();
        return c.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
