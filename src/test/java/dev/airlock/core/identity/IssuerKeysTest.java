package dev.airlock.core.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import dev.airlock.testing.MutableClock;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The identity providers' key cache: every limit it promises (TTL, one refetch per interval on an unknown kid, no
 * retry storm after a failure, size, public keys only, one fetch for concurrent callers), with the network replaced by
 * a fetcher the test answers by hand.
 */
class IssuerKeysTest {
    static final URI URI_ = URI.create("https://login.corp.test/keys");
    static RSAKey key;

    /** Each call is recorded and answered when the test completes its future. */
    static final class HandFetcher implements IssuerKeys.Fetcher {
        final List<CompletableFuture<String>> calls = new ArrayList<>();

        @Override
        public synchronized CompletableFuture<String> fetch(URI uri) {
            CompletableFuture<String> f = new CompletableFuture<>();
            calls.add(f);
            return f;
        }

        /** Answers every open call with {@code body}. */
        void answer(String body) {
            for (CompletableFuture<String> f : calls) f.complete(body);
        }

        void fail() {
            for (CompletableFuture<String> f : calls) f.completeExceptionally(new java.io.IOException("connection refused"));
        }
    }

    @BeforeAll
    static void keys() throws Exception {
        key = new RSAKeyGenerator(2048).keyID("k1").generate();
    }

    static String published() {
        return new JWKSet(key.toPublicJWK()).toString();
    }

    MutableClock clock = MutableClock.at("2026-12-07T10:00:00Z");
    HandFetcher net = new HandFetcher();
    IssuerKeys keys = new IssuerKeys(net, clock);

    JWKSet fetched(String kid) throws Exception {
        CompletableFuture<JWKSet> f = keys.keys(URI_, kid);
        net.answer(published());
        return f.get();
    }

    @Test
    void keysWhenFreshThenServedFromCacheUntilTtl() throws Exception {
        fetched("k1");
        keys.keys(URI_, "k1").get();
        clock.advance(IssuerKeys.TTL.minusSeconds(1));
        keys.keys(URI_, "k1").get();
        assertEquals(1, net.calls.size());
        clock.advance(Duration.ofSeconds(1));
        fetched("k1");
        assertEquals(2, net.calls.size(), "after the TTL the set is fetched again");
    }

    @Test
    void keysWhenKidUnknownThenAtMostOneRefetchPerInterval() throws Exception {
        fetched("k1");
        clock.advance(IssuerKeys.MIN_REFETCH);
        fetched("rotated");
        assertEquals(2, net.calls.size(), "an unknown kid refetches once");
        for (int i = 0; i < 5; i++) {
            // Answered at once from the cache: a pending future here would be a fetch.
            CompletableFuture<JWKSet> f = keys.keys(URI_, "made-up-" + i);
            assertTrue(f.isDone(), "no fetch for made-up kid " + i);
        }
        assertEquals(2, net.calls.size(), "then not again within " + IssuerKeys.MIN_REFETCH);
        clock.advance(IssuerKeys.MIN_REFETCH);
        fetched("made-up-again");
        assertEquals(3, net.calls.size());
    }

    @Test
    void keysWhenFetchFailsThenUnavailableAndNotRetriedBeforeInterval() throws Exception {
        CompletableFuture<JWKSet> f = keys.keys(URI_, "k1");
        net.fail();
        ExecutionException e = assertThrows(ExecutionException.class, f::get);
        assertInstanceOf(IssuerKeys.Unavailable.class, e.getCause());
        CompletableFuture<JWKSet> again = keys.keys(URI_, "k1");
        assertTrue(again.isCompletedExceptionally(), "refused at once, without a fetch");
        assertEquals(1, net.calls.size(), "a down IdP is not hammered");
        clock.advance(IssuerKeys.MIN_REFETCH);
        fetched("k1");
        assertEquals(2, net.calls.size());
    }

    @Test
    void keysWhenConcurrentCallersThenOneFetch() throws Exception {
        CompletableFuture<JWKSet> a = keys.keys(URI_, "k1");
        CompletableFuture<JWKSet> b = keys.keys(URI_, "k1");
        net.answer(published());
        assertSame(a.get(), b.get());
        assertEquals(1, net.calls.size());
    }

    @Test
    void keysWhenBodyTooLargeThenUnavailable() {
        CompletableFuture<JWKSet> f = keys.keys(URI_, "k1");
        net.answer(" ".repeat(IssuerKeys.MAX_BYTES + 1));
        ExecutionException e = assertThrows(ExecutionException.class, f::get);
        assertTrue(e.getCause().getMessage().contains("larger than"), e.getCause().getMessage());
    }

    @Test
    void keysWhenSetHoldsPrivateKeyThenUnavailable() {
        CompletableFuture<JWKSet> f = keys.keys(URI_, "k1");
        net.answer(new JWKSet(key).toString(false));
        ExecutionException e = assertThrows(ExecutionException.class, f::get);
        assertTrue(e.getCause().getMessage().contains("private key material"), e.getCause().getMessage());
    }
}
