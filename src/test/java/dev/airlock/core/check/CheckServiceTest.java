package dev.airlock.core.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.core.audit.AuditLog;
import dev.airlock.core.crypto.SecretBox;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.PolicyLoader;
import dev.airlock.core.token.KeyRing;
import dev.airlock.core.token.TokenMinter;
import dev.airlock.core.token.TokenVerifier;
import dev.airlock.store.embedded.FileStateStore;
import dev.airlock.testing.MutableClock;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decisions for tokens that carry a destructive scope. Over HTTP only a human grant can produce one (a later issue), so
 * here the real minter makes one directly, to pin down the resource rules that will guard grant tokens.
 */
class CheckServiceTest {
    static final String ISSUER = "https://airlock.test";
    @TempDir
    Path data;
    MutableClock clock = MutableClock.at("2026-06-01T12:00:00Z");
    FileStateStore store;
    AuditLog audit;
    TokenMinter minter;
    CheckService check;

    @BeforeEach
    void open() throws Exception {
        Policy policy = PolicyLoader.load(Path.of("scopes"));
        SecureRandom random = new SecureRandom();
        KeyRing keys = KeyRing.open(data, new SecretBox(new byte[32], random), JWSAlgorithm.EdDSA, clock, random);
        store = FileStateStore.open(data, clock);
        audit = AuditLog.open(data.resolve("audit.log"), clock);
        minter = new TokenMinter(keys, ISSUER, clock, random);
        // No approver can act here (the factor refuses every code): these tests never involve a grant.
        var grants = new dev.airlock.core.grant.Grants(policy, store, audit, dev.airlock.core.grant.GrantNotifier.NONE,
                (who, code) -> java.util.concurrent.CompletableFuture.completedFuture(false), minter, clock, random,
                ISSUER + "/oauth2/token");
        check = new CheckService(policy, store, new TokenVerifier(keys, ISSUER, clock), audit, ISSUER, grants.redemption);
    }

    @AfterEach
    void close() {
        audit.close();
        store.close();
    }

    String productionToken(String... scopes) {
        return minter.mint("coding-agent", "production", "urn:airlock:env:production", Set.of(scopes),
                Duration.ofMinutes(5), null).jwt();
    }

    Decision decide(String token, String action, String resource) {
        return check.decide(new CheckService.Request(token, "production", action, resource, "test"));
    }

    @Test
    void destructiveActionOnOwnedResourceIsAllowedWhenTheTokenCarriesTheScope() {
        Decision d = decide(productionToken("volume:delete"), "volume:delete", "vol-7f3a");
        assertTrue(d.allowed(), d.reason());
    }

    @Test
    void destructiveActionWithoutResourceIsRefused() {
        Decision d = decide(productionToken("volume:delete"), "volume:delete", null);
        assertFalse(d.allowed());
        assertEquals("resource_required", d.code());
    }

    @Test
    void destructiveActionOnUnknownResourceIsRefused() {
        Decision d = decide(productionToken("volume:delete"), "volume:delete", "vol-0000");
        assertFalse(d.allowed());
        assertEquals("resource_unknown", d.code());
        assertEquals("resource vol-0000 is not owned by any environment in the policy; destructive actions need a"
                + " known resource", d.reason());
    }

    @Test
    void destructiveActionOnLookAlikeStagingResourceIsRefused() {
        Decision d = decide(productionToken("volume:delete"), "volume:delete", "vol-7f3a-stg");
        assertFalse(d.allowed());
        assertEquals("resource vol-7f3a-stg belongs to staging", d.reason());
    }

    @Test
    void tokenNotYetValidOrFromAnotherIssuerIsRefused() {
        String t = productionToken("db:read");
        clock.advance(Duration.ofSeconds(-30));
        assertEquals("token_invalid", decide(t, "db:read", null).code());
        clock.advance(Duration.ofSeconds(30));
        assertTrue(decide(t, "db:read", null).allowed());
    }
}
