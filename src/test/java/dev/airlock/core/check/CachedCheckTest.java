package dev.airlock.core.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.core.audit.AuditLog;
import dev.airlock.core.crypto.SecretBox;
import dev.airlock.core.grant.Approver;
import dev.airlock.core.grant.GrantNotifier;
import dev.airlock.core.grant.GrantOutcome;
import dev.airlock.core.grant.GrantRequests;
import dev.airlock.core.grant.Grants;
import dev.airlock.core.ops.OpsAccounts;
import dev.airlock.core.policy.Agent;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.PolicyLoader;
import dev.airlock.core.token.KeyRing;
import dev.airlock.core.token.TokenMinter;
import dev.airlock.core.token.TokenVerifier;
import dev.airlock.core.token.VerifiedTokenCache;
import dev.airlock.store.embedded.FileStateStore;
import dev.airlock.testing.MutableClock;
import dev.airlock.testing.TestTotp;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verified-token cache seen from the decisions it feeds: a cached token gets the same answer as a fresh one, and
 * the cache never lets through a token that has since been revoked, expired, frozen or used up. Each test first
 * makes sure the token is cached (a check with it), then changes the world, then shows the next check was a cache
 * hit and was refused anyway.
 */
class CachedCheckTest {
    static final String ISSUER = "https://airlock.test";
    @TempDir
    Path data;
    final MutableClock clock = MutableClock.at("2026-06-01T12:00:00Z");
    final SecureRandom random = new SecureRandom();
    Policy policy;
    KeyRing keys;
    FileStateStore store;
    AuditLog audit;
    TokenMinter minter;
    VerifiedTokenCache cache;
    Grants grants;
    OpsAccounts ops;
    CheckService check;
    CheckService uncached;
    Introspection introspection;
    TokenAdmin admin;

    @BeforeEach
    void open() throws Exception {
        policy = PolicyLoader.load(Path.of("scopes"));
        keys = KeyRing.open(data, new SecretBox(new byte[32], random), JWSAlgorithm.EdDSA, clock, random);
        store = FileStateStore.open(data, clock);
        audit = AuditLog.open(data.resolve("audit.log"), clock);
        minter = new TokenMinter(keys, ISSUER, clock, random, policy);
        ops = new OpsAccounts(store, new SecretBox(new byte[32], random), audit, clock, random);
        grants = new Grants(policy, store, audit, GrantNotifier.NONE, ops, minter, clock, random, ISSUER + "/oauth2/token");
        cache = new VerifiedTokenCache(64);
        TokenUsability tokens = new TokenUsability(policy, store, new TokenVerifier(keys, ISSUER, clock, cache),
                grants.redemption);
        check = new CheckService(policy, store, tokens, audit, ISSUER, grants.redemption);
        uncached = new CheckService(policy, store, new TokenUsability(policy, store, new TokenVerifier(keys, ISSUER,
                clock), grants.redemption), audit, ISSUER, grants.redemption);
        introspection = new Introspection(tokens, audit, ISSUER);
        admin = new TokenAdmin(policy, store, audit, audit);
    }

    @AfterEach
    void close() {
        audit.close();
        store.close();
    }

    String stagingToken(String... scopes) {
        return minter.mint("coding-agent", "staging", Set.of(scopes), Duration.ofMinutes(10), null).jwt();
    }

    Decision check(String token, String action, String resource) {
        return check.check(new CheckService.Request(token, "staging", action, resource, "test")).join();
    }

    /** Checks once so the token is cached, and returns the number of hits so far. */
    long cached(String token, String action, String resource) {
        assertTrue(check(token, action, resource).allowed(), "the token works before anything changes");
        assertEquals(1, cache.size(), "the token is cached");
        return cache.hits();
    }

    @Test
    void aCacheHitDecidesExactlyAsAFreshVerification() {
        String token = stagingToken("volume:read", "volume:write");
        for (String[] ask : new String[][] {{"volume:write", "vol-7f3a-stg"}, {"volume:write", "vol-7f3a"},
                {"db:read", null}, {"volume:delete", "vol-7f3a-stg"}}) {
            var req = new CheckService.Request(token, "staging", ask[0], ask[1], "test");
            Decision fresh = uncached.decide(req);
            Decision first = check.decide(req);
            long hits = cache.hits();
            Decision again = check.decide(req);
            assertEquals(hits + 1, cache.hits(), "the second decision was served from the cache");
            assertEquals(fresh, first);
            assertEquals(fresh, again);
        }
        assertFalse(check.decide(new CheckService.Request(token, "staging", "volume:write", "vol-7f3a", "t")).allowed());
    }

    @Test
    void aTokenRevokedAfterItWasCachedIsRefused() {
        String token = stagingToken("volume:read");
        long hits = cached(token, "volume:read", "vol-7f3a-stg");
        var claims = check(token, "volume:read", "vol-7f3a-stg").token();
        admin.revoke(claims.jti(), claims.expiresAt(), "test", "staging").join();

        Decision d = check(token, "volume:read", "vol-7f3a-stg");
        assertEquals("token_revoked", d.code());
        assertFalse(d.allowed());
        assertEquals(Boolean.FALSE, introspection.introspect(token, "api-gateway", "test").join().get("active"));
        assertEquals(hits + 3, cache.hits(), "served from the cache, refused all the same");
    }

    @Test
    void aTokenThatExpiredAfterItWasCachedIsRefusedAndForgotten() {
        String token = minter.mint("coding-agent", "staging", Set.of("volume:read"), Duration.ofMinutes(5), null).jwt();
        long hits = cached(token, "volume:read", null);
        clock.advance(Duration.ofMinutes(4).plusSeconds(59));
        assertTrue(check(token, "volume:read", null).allowed(), "one second before exp it still works");
        clock.advance(Duration.ofSeconds(1));

        Decision d = check(token, "volume:read", null);
        assertEquals("token_expired", d.code());
        assertEquals(hits + 2, cache.hits());
        assertEquals(0, cache.size(), "an expired token leaves the cache");
        assertEquals(Boolean.FALSE, introspection.introspect(token, "api-gateway", "test").join().get("active"));
    }

    @Test
    void aTokenOfAnEnvironmentFrozenAfterItWasCachedIsRefusedUntilUnfrozen() {
        String token = stagingToken("volume:read");
        long hits = cached(token, "volume:read", null);
        admin.setFrozen("staging", true, "test").join();

        assertEquals("environment_frozen", check(token, "volume:read", null).code());
        assertEquals(Boolean.FALSE, introspection.introspect(token, "api-gateway", "test").join().get("active"));
        admin.setFrozen("staging", false, "test").join();
        assertTrue(check(token, "volume:read", null).allowed());
        assertEquals(hits + 3, cache.hits());
    }

    @Test
    void aOneShotGrantTokenIsRefusedOnItsSecondCheckThoughCached() {
        String token = approvedGrantToken("vol-7f3a-stg");
        // Never active at introspection (grant tokens are online only), but verified and cached all the same.
        assertEquals(Boolean.FALSE, introspection.introspect(token, "api-gateway", "test").join().get("active"));
        assertEquals(1, cache.size(), "introspection cached it");
        long hits = cache.hits();

        Decision first = check(token, "volume:delete", "vol-7f3a-stg");
        assertTrue(first.allowed(), first.reason());
        Decision second = check(token, "volume:delete", "vol-7f3a-stg");
        assertFalse(second.allowed());
        assertEquals("grant_used", second.code());
        assertEquals(Boolean.FALSE, introspection.introspect(token, "api-gateway", "test").join().get("active"));
        assertEquals(hits + 3, cache.hits(), "every one of those was a cache hit");
    }

    @Test
    void aCachedTokensPayloadUnderAnotherSignatureIsNotAHit() {
        String token = stagingToken("volume:read");
        cached(token, "volume:read", null);
        String[] parts = token.split("\\.");
        // Same header and payload, another (valid-looking, same length) signature: the one of another token.
        String otherSignature = stagingToken("volume:read").split("\\.")[2];
        String forged = parts[0] + "." + parts[1] + "." + otherSignature;
        long misses = cache.misses();

        Decision d = check(forged, "volume:read", null);
        assertFalse(d.allowed());
        assertEquals("token_invalid", d.code());
        assertTrue(d.reason().contains("signature"), d.reason());
        assertEquals(misses + 1, cache.misses(), "the forged token was looked up and not found");
        assertEquals(Boolean.FALSE, introspection.introspect(forged, "api-gateway", "test").join().get("active"));
        assertTrue(check(token, "volume:read", null).allowed(), "the real token is unaffected");
    }

    /** Steps of the human grant flow, with a real ops account and its TOTP: the only way a grant token exists. */
    private String approvedGrantToken(String resource) {
        Agent agent = policy.agent("coding-agent").orElseThrow();
        GrantOutcome requested = grants.requests.request(agent, new GrantRequests.Request("staging",
                List.of("volume:delete"), List.of(resource), "Remove the orphaned staging volume after the migration test",
                "railway volume delete " + resource, "test")).join();
        assertTrue(requested.ok(), requested.message());
        String id = requested.grant().id();
        OpsAccounts.Enrolment carol = ops.create("carol", Set.of("ops")).join();
        GrantOutcome approved = grants.decisions.approve(new Approver("carol", Set.of("ops")), id,
                TestTotp.code(carol.totpSecretBase32(), clock.instant()), "test").join();
        assertTrue(approved.ok(), approved.message());
        var redeemed = grants.redemption.poll(agent, id, "test").join();
        assertTrue(redeemed.error() == null, () -> String.valueOf(redeemed.error()));
        Map<String, Object> claim = redeemed.minted().token().grant();
        assertEquals(1, ((Number) claim.get("uses")).intValue());
        return redeemed.minted().jwt();
    }
}
