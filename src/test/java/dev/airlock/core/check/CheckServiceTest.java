package dev.airlock.core.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.testing.TestCore;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decisions for tokens that carry a destructive scope. Only a human grant can produce one (the minter refuses
 * otherwise), so each test redeems a grant for vol-7f3a in production, to pin down the resource rules that guard
 * grant tokens.
 */
class CheckServiceTest {
    @TempDir
    Path data;
    TestCore core;

    @BeforeEach
    void open() throws Exception {
        core = new TestCore(data);
    }

    @AfterEach
    void close() {
        core.close();
    }

    String deleteGrantToken() {
        return core.grantToken("production", "volume:delete", "vol-7f3a").jwt();
    }

    Decision decide(String token, String action, String resource) {
        return core.check.decide(new CheckService.Request(token, "production", action, resource, "test"));
    }

    @Test
    void destructiveActionOnOwnedResourceIsAllowedWhenTheTokenCarriesTheScope() {
        Decision d = decide(deleteGrantToken(), "volume:delete", "vol-7f3a");
        assertTrue(d.allowed(), d.reason());
    }

    @Test
    void destructiveActionWithoutResourceIsRefused() {
        Decision d = decide(deleteGrantToken(), "volume:delete", null);
        assertFalse(d.allowed());
        assertEquals("resource_required", d.code());
    }

    @Test
    void destructiveActionOnUnknownResourceIsRefused() {
        Decision d = decide(deleteGrantToken(), "volume:delete", "vol-0000");
        assertFalse(d.allowed());
        assertEquals("resource_unknown", d.code());
        assertEquals("resource vol-0000 is not owned by any environment in the policy; destructive actions need a"
                + " known resource", d.reason());
    }

    @Test
    void destructiveActionOnLookAlikeStagingResourceIsRefused() {
        Decision d = decide(deleteGrantToken(), "volume:delete", "vol-7f3a-stg");
        assertFalse(d.allowed());
        assertEquals("resource vol-7f3a-stg belongs to staging", d.reason());
    }

    @Test
    void tokenNotYetValidOrFromAnotherIssuerIsRefused() {
        String t = core.accessToken("production", "db:read").jwt();
        core.clock.advance(Duration.ofSeconds(-30));
        assertEquals("token_invalid", decide(t, "db:read", null).code());
        core.clock.advance(Duration.ofSeconds(30));
        assertTrue(decide(t, "db:read", null).allowed());
    }
}
