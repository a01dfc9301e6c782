package dev.airlock.core.token;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Tokens whose signature and claims {@link TokenVerifier} has already verified, so that the same token presented again
 * costs a hash and a map lookup instead of an Ed25519 verification (50 to 90 µs of CPU on the 2-core machines we
 * measure on, the dearest step of {@code /v1/check}, introspection and the proxy; bench/README.md). It remembers only
 * what the signature proved, which never changes;
 * everything that does change is checked again on every use by someone else:
 * <ul>
 *   <li>{@code exp} and {@code nbf} against the clock: by {@link TokenVerifier} on every hit;</li>
 *   <li>revocation, freezes, audiences and grant uses: by {@code core.check.TokenUsability}, which every place that
 *       accepts a token goes through, after every {@code verify}, hit or miss, against the store.</li>
 * </ul>
 *
 * <p>Keyed by the SHA-256 of the exact token: a token that differs in any character (another signature over the same
 * payload, a padded copy) is a different key and goes through full verification. Hashing rather than keeping the
 * token means the cache holds no usable bearer token, and every entry has the same small size whatever the token's.
 * Only ASCII tokens are cached (compact JWS is base64url and dots), so the byte encoding is exact.
 *
 * <p>Bounded: at most {@link #maxEntries()} entries, least recently used evicted first. With tokens living at most
 * 15 minutes, the default {@link #DEFAULT_MAX_ENTRIES} covers 11 new tokens a second presented again within their
 * lifetime; past that, the oldest entries fall out and those tokens are simply verified again (slower, never wrong).
 * Safe for concurrent use: entries are spread over lock-striped segments, each an access-ordered map.
 */
public final class VerifiedTokenCache {
    /** Under 1 KB an entry (key, parsed claims, map node): 10,000 entries stay under 10 MB of heap. */
    public static final int DEFAULT_MAX_ENTRIES = 10_000;
    private static final int MAX_STRIPES = 16;

    /** The SHA-256 of a token, as four longs: equality and hashing without an array. */
    record Key(long a, long b, long c, long d) {}

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    });

    private final Segment[] segments;
    private final int maxEntries;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();

    public VerifiedTokenCache() {
        this(DEFAULT_MAX_ENTRIES);
    }

    /** @param maxEntries at least 1; the cache never holds more */
    public VerifiedTokenCache(int maxEntries) {
        if (maxEntries < 1) throw new IllegalArgumentException("maxEntries must be at least 1");
        int stripes = Math.min(MAX_STRIPES, maxEntries);
        // Each segment holds at most floor(max / stripes), so the sum never exceeds max.
        int perSegment = maxEntries / stripes;
        this.segments = new Segment[stripes];
        for (int i = 0; i < stripes; i++) segments[i] = new Segment(perSegment);
        this.maxEntries = perSegment * stripes;
    }

    /** The bound actually enforced: {@code maxEntries} rounded down to a multiple of the number of segments. */
    public int maxEntries() {
        return maxEntries;
    }

    public int size() {
        int n = 0;
        for (Segment s : segments) n += s.size();
        return n;
    }

    /** Lookups that found a verified token (whether or not it was still within its lifetime). */
    public long hits() {
        return hits.sum();
    }

    /** Lookups that did not, so the token was (or will be) verified in full. */
    public long misses() {
        return misses.sum();
    }

    /** The key for {@code jwt}, or null if it cannot be cached (not ASCII). */
    static Key keyOf(String jwt) {
        int n = jwt.length();
        for (int i = 0; i < n; i++) {
            if (jwt.charAt(i) > 0x7f) return null;
        }
        byte[] digest = SHA256.get().digest(jwt.getBytes(StandardCharsets.US_ASCII));
        return new Key(longAt(digest, 0), longAt(digest, 8), longAt(digest, 16), longAt(digest, 24));
    }

    private static long longAt(byte[] b, int off) {
        long v = 0;
        for (int i = off; i < off + 8; i++) v = (v << 8) | (b[i] & 0xffL);
        return v;
    }

    AccessToken get(Key key) {
        AccessToken t = segment(key).get(key);
        if (t == null) misses.increment();
        else hits.increment();
        return t;
    }

    void put(Key key, AccessToken token) {
        segment(key).put(key, token);
    }

    void remove(Key key) {
        segment(key).remove(key);
    }

    private Segment segment(Key key) {
        // The key is a uniform hash already: any of its bits pick a segment fairly.
        return segments[(int) ((key.d() & Long.MAX_VALUE) % segments.length)];
    }

    /** One stripe: an access-ordered map evicting its least recently used entry past its share of the bound. */
    private static final class Segment {
        private final LinkedHashMap<Key, AccessToken> map;

        Segment(int capacity) {
            this.map = new LinkedHashMap<>(Math.min(capacity, 1024) * 4 / 3 + 1, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Key, AccessToken> eldest) {
                    return size() > capacity;
                }
            };
        }

        synchronized AccessToken get(Key key) {
            return map.get(key);
        }

        synchronized void put(Key key, AccessToken token) {
            map.put(key, token);
        }

        synchronized void remove(Key key) {
            map.remove(key);
        }

        synchronized int size() {
            return map.size();
        }
    }
}
