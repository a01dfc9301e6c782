package dev.airlock.core.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.core.crypto.SecretBox;
import dev.airlock.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The verifier's cache on its own: what is a hit, what is not, and the bound. Real keys, a clock moved by hand. */
class VerifiedTokenCacheTest {
    static final String ISSUER = "https://airlock.test";
    static final dev.airlock.core.policy.Policy POLICY = policy();
    @TempDir
    Path data;
    final MutableClock clock = MutableClock.at("2026-06-01T12:00:00Z");
    final SecureRandom random = new SecureRandom();

    static dev.airlock.core.policy.Policy policy() {
        try {
            return dev.airlock.core.policy.PolicyLoader.load(Path.of("scopes"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    KeyRing keys(JWSAlgorithm alg) throws Exception {
        return KeyRing.open(data, new SecretBox(new byte[32], random), alg, clock, random);
    }

    String mint(KeyRing keys, Duration lifetime) {
        return new TokenMinter(keys, ISSUER, clock, random, POLICY).mint("coding-agent", "staging",
                Set.of("volume:read"), lifetime, null).jwt();
    }

    @Test
    void theSecondVerificationOfATokenIsAHitWithTheSameClaims() throws Exception {
        for (JWSAlgorithm alg : List.of(JWSAlgorithm.EdDSA, JWSAlgorithm.ES256)) {
            KeyRing keys = KeyRing.open(data.resolve(alg.getName()), new SecretBox(new byte[32], random), alg, clock,
                    random);
            VerifiedTokenCache cache = new VerifiedTokenCache(16);
            TokenVerifier verifier = new TokenVerifier(keys, ISSUER, clock, cache);
            String jwt = mint(keys, Duration.ofMinutes(5));

            TokenVerifier.Result first = verifier.verify(jwt);
            TokenVerifier.Result second = verifier.verify(jwt);
            assertTrue(first.ok() && second.ok());
            assertEquals(1, cache.misses());
            assertEquals(1, cache.hits());
            assertSame(first.token(), second.token(), "the claims verified the first time");
            assertEquals(new TokenVerifier(keys, ISSUER, clock).verify(jwt).token(), second.token());
        }
    }

    @Test
    void aTokenThatDiffersInAnyPartIsNotAHit() throws Exception {
        KeyRing keys = keys(JWSAlgorithm.EdDSA);
        VerifiedTokenCache cache = new VerifiedTokenCache(16);
        TokenVerifier verifier = new TokenVerifier(keys, ISSUER, clock, cache);
        String jwt = mint(keys, Duration.ofMinutes(5));
        assertTrue(verifier.verify(jwt).ok());
        String[] p = jwt.split("\\.");

        // Another signature under the cached token's header and payload (here, another of our tokens' signature).
        String foreignSignature = p[0] + "." + p[1] + "." + mint(keys, Duration.ofMinutes(5)).split("\\.")[2];
        // The cached token's signature under another payload (a scope added).
        String payload = new String(Base64.getUrlDecoder().decode(p[1]), StandardCharsets.UTF_8)
                .replace("\"volume:read\"", "\"volume:read volume:delete\"");
        String widened = p[0] + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + p[2];
        // One character in the middle of the signature changed (not the last one, whose low bits are padding).
        String flipped = flip(jwt, jwt.length() - 20);

        for (String forged : List.of(foreignSignature, widened, flipped)) {
            long misses = cache.misses();
            TokenVerifier.Result r = verifier.verify(forged);
            assertFalse(r.ok(), forged);
            assertEquals(misses + 1, cache.misses(), "looked up, not found: verified in full");
            assertFalse(verifier.verify(forged).ok(), "a refused token is not remembered as good");
        }
        assertEquals(1, cache.size(), "refusals are not cached");
        assertTrue(verifier.verify(jwt).ok());
    }

    @Test
    void aHitIsStillCheckedAgainstTheClock() throws Exception {
        KeyRing keys = keys(JWSAlgorithm.EdDSA);
        VerifiedTokenCache cache = new VerifiedTokenCache(16);
        TokenVerifier verifier = new TokenVerifier(keys, ISSUER, clock, cache);
        String jwt = mint(keys, Duration.ofMinutes(5));
        assertTrue(verifier.verify(jwt).ok());

        clock.advance(Duration.ofMinutes(5));
        TokenVerifier.Result expired = verifier.verify(jwt);
        assertEquals(1, cache.hits());
        assertEquals("expired", expired.rejection().code());
        assertEquals(0, cache.size());

        // A token not yet valid is refused the same way on a hit: move the clock back before its nbf (beyond skew).
        String later = mint(keys, Duration.ofMinutes(5));
        assertTrue(verifier.verify(later).ok());
        clock.advance(Duration.ofSeconds(-30));
        assertEquals("not_yet_valid", verifier.verify(later).rejection().code());
        assertEquals(2, cache.hits());
    }

    @Test
    void theCacheNeverHoldsMoreThanItsBoundAndKeepsTheMostRecent() throws Exception {
        KeyRing keys = keys(JWSAlgorithm.EdDSA);
        VerifiedTokenCache cache = new VerifiedTokenCache(32);
        TokenVerifier verifier = new TokenVerifier(keys, ISSUER, clock, cache);
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String jwt = mint(keys, Duration.ofMinutes(5));
            tokens.add(jwt);
            assertTrue(verifier.verify(jwt).ok());
            assertTrue(cache.size() <= 32, "size " + cache.size() + " after " + (i + 1));
        }
        assertEquals(32, cache.maxEntries());
        assertTrue(cache.size() > 16, "the bound is used, not just respected: " + cache.size());
        long hits = cache.hits();
        assertTrue(verifier.verify(tokens.get(199)).ok());
        assertEquals(hits + 1, cache.hits(), "the newest token is still cached");
        // Of the 100 oldest, at most the 32 the cache can hold may still be there; evicted ones verify in full.
        hits = cache.hits();
        for (String jwt : tokens.subList(0, 100)) assertTrue(verifier.verify(jwt).ok());
        assertTrue(cache.hits() - hits <= 32, "old tokens still cached: " + (cache.hits() - hits));
        assertTrue(cache.size() <= 32);
    }

    static String flip(String jwt, int at) {
        char c = jwt.charAt(at);
        return jwt.substring(0, at) + (c == 'Q' ? 'R' : 'Q') + jwt.substring(at + 1);
    }

    @Test
    void boundsAreExplicit() {
        assertThrows(IllegalArgumentException.class, () -> new VerifiedTokenCache(0));
        assertEquals(1, new VerifiedTokenCache(1).maxEntries());
        assertEquals(VerifiedTokenCache.DEFAULT_MAX_ENTRIES, new VerifiedTokenCache().maxEntries());
        assertTrue(new VerifiedTokenCache(100).maxEntries() <= 100);
    }

    @Test
    void nonAsciiTokensAreNeverCached() {
        assertNull(VerifiedTokenCache.keyOf("ey\u00e9.x.y"));
        assertEquals(VerifiedTokenCache.keyOf("a.b.c"), VerifiedTokenCache.keyOf("a.b.c"));
        assertFalse(VerifiedTokenCache.keyOf("a.b.c").equals(VerifiedTokenCache.keyOf("a.b.d")));
    }

    @Test
    void concurrentVerificationsAgreeAndRespectTheBound() throws Exception {
        KeyRing keys = keys(JWSAlgorithm.EdDSA);
        VerifiedTokenCache cache = new VerifiedTokenCache(16);
        TokenVerifier verifier = new TokenVerifier(keys, ISSUER, clock, cache);
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 40; i++) tokens.add(mint(keys, Duration.ofMinutes(5)));
        String bad = flip(tokens.get(0), tokens.get(0).length() - 20);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int offset = t;
                done.add(pool.submit(() -> {
                    int ok = 0;
                    for (int i = 0; i < 400; i++) {
                        String jwt = tokens.get((i * 7 + offset) % tokens.size());
                        TokenVerifier.Result r = verifier.verify(jwt);
                        if (r.ok() && r.token().jti() != null) ok++;
                        if (verifier.verify(bad).ok()) throw new AssertionError("a forged token passed");
                    }
                    return ok;
                }));
            }
            for (Future<Integer> f : done) assertEquals(400, f.get(60, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
        assertTrue(cache.size() <= 16);
        assertTrue(cache.hits() > 0);
    }
}
