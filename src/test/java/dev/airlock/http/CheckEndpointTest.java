package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jwt.SignedJWT;
import dev.airlock.testing.TestAirlock;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** POST /v1/check, introspection (RFC 7662) and revocation (RFC 7009): environment isolation is checked, not assumed. */
class CheckEndpointTest {
    static TestAirlock airlock;
    static String secret;
    /** The example policy's resource server (introspect: [staging, production]). */
    static String gatewaySecret;

    @BeforeAll
    static void start() throws Exception {
        airlock = TestAirlock.start();
        secret = airlock.issueSecret("coding-agent");
        gatewaySecret = airlock.issueSecret("api-gateway");
    }

    @AfterAll
    static void stop() throws Exception {
        airlock.close();
    }

    static String mint(String env, String scope) throws Exception {
        TestAirlock.Reply r = airlock.token("coding-agent", secret, env, scope);
        assertEquals(200, r.status(), r.body());
        return r.json().path("access_token").asText();
    }

    static JsonNode check(String token, String env, String action, String resource) throws Exception {
        TestAirlock.Reply r = airlock.check(token, env, action, resource);
        assertEquals(200, r.status(), r.body());
        return r.json();
    }

    static void assertRefused(JsonNode d, String code, String reason) {
        assertFalse(d.path("allowed").asBoolean(true), d.toString());
        assertEquals(code, d.path("code").asText(), d.toString());
        assertEquals(reason, d.path("reason").asText(), d.toString());
    }

    @Test
    void checkWhenStagingTokenOnStagingResourceThenAllowed() throws Exception {
        JsonNode d = check(mint("staging", "volume:read"), "staging", "volume:read", "vol-7f3a-stg");
        assertTrue(d.path("allowed").asBoolean(), d.toString());
        assertEquals("allowed", d.path("code").asText());
        assertEquals("staging", d.path("token").path("env").asText());
    }

    @Test
    void checkWhenStagingTokenTouchesProductionVolumeThenRefusedNamingItsOwner() throws Exception {
        assertRefused(check(mint("staging", "volume:read volume:write"), "staging", "volume:write", "vol-7f3a"),
                "resource_in_other_environment", "resource vol-7f3a belongs to production");
    }

    @Test
    void checkWhenStagingTokenSpellsProductionVolumeInCapitalsThenRefusedNamingTheCanonicalId() throws Exception {
        // Issue 12: VOL-7F3A was "not listed in the policy" and allowed, while the provider resolves it to vol-7f3a.
        String token = mint("staging", "volume:read volume:write");
        for (String spelling : new String[] {"VOL-7F3A", "Vol-7f3A", "\uFF36\uFF2F\uFF2C-\uFF17\uFF26\uFF13\uFF21"}) {
            JsonNode d = check(token, "staging", "volume:write", spelling);
            assertRefused(d, "resource_in_other_environment", "resource vol-7f3a belongs to production");
            assertEquals("vol-7f3a", d.path("resource").asText(), d.toString());
        }
    }

    @Test
    void checkWhenStagingResourceIsSpelledInCapitalsThenAllowedAsItself() throws Exception {
        JsonNode d = check(mint("staging", "volume:write"), "staging", "volume:write", "VOL-7F3A-STG");
        assertTrue(d.path("allowed").asBoolean(), d.toString());
        assertEquals("token carries volume:write and vol-7f3a-stg belongs to staging", d.path("reason").asText());
    }

    @Test
    void checkWhenAKnownResourceIsSpelledOtherwiseThenItsTypeStillApplies() throws Exception {
        String token = mint("production", "db:read");
        JsonNode d = check(token, "production", "db:read", "DB-PROD-MAIN");
        assertTrue(d.path("allowed").asBoolean(), d.toString());
        assertEquals("token carries db:read and db-prod-main belongs to production", d.path("reason").asText());
        assertRefused(check(token, "production", "db:read", "VOL-7F3A"),
                "resource_type_mismatch", "resource vol-7f3a is a volume, not a db");
    }

    @Test
    void checkWhenTokenIsForAnotherEnvironmentThenWrongEnvironment() throws Exception {
        assertRefused(check(mint("staging", "db:read"), "production", "db:read", "db-prod-main"),
                "wrong_environment", "token is for staging, not production");
    }

    @Test
    void checkWhenScopeMissingThenRefused() throws Exception {
        assertRefused(check(mint("staging", "db:read"), "staging", "db:write", "db-stg-orders"),
                "scope_missing", "token does not carry db:write");
    }

    @Test
    void checkWhenDestructiveActionWithoutGrantThenScopeMissingWithGrantGuidance() throws Exception {
        JsonNode d = check(mint("production", "db:read"), "production", "volume:delete", "vol-7f3a");
        assertRefused(d, "scope_missing", "token does not carry volume:delete");
        assertEquals(airlock.base + "/v1/grants", d.path("grant_request").path("endpoint").asText());
    }

    @Test
    void checkWhenUnknownActionOrEnvironmentThenRefused() throws Exception {
        String t = mint("staging", "db:read");
        assertRefused(check(t, "staging", "db:READ", null), "unknown_action", "unknown action 'db:READ'");
        assertRefused(check(t, "stage", "db:read", null), "unknown_environment", "unknown environment 'stage'");
    }

    @Test
    void checkWhenResourceUnknownThenAllowedForReadButRefusedForDestructive() throws Exception {
        String t = mint("staging", "db:read");
        JsonNode d = check(t, "staging", "db:read", "db-somewhere-else");
        assertTrue(d.path("allowed").asBoolean(), d.toString());
        assertTrue(d.path("reason").asText().contains("not listed in the policy"));
        // A destructive action on an unknown resource is refused before anything else can allow it: see the
        // policy-level test in CheckServiceTest for a token that carries the scope.
    }

    @Test
    void checkWhenResourceTypeDoesNotMatchActionThenRefused() throws Exception {
        assertRefused(check(mint("staging", "db:read"), "staging", "db:read", "vol-7f3a-stg"),
                "resource_type_mismatch", "resource vol-7f3a-stg is a volume, not a db");
    }

    @Test
    void checkWhenTokenRevokedThenRefusedAndIntrospectionInactive() throws Exception {
        String t = mint("staging", "db:read");
        TestAirlock.Reply r = airlock.postForm("/oauth2/revoke", TestAirlock.basic("coding-agent", secret), Map.of("token", t));
        assertEquals(200, r.status(), r.body());
        String jti = SignedJWT.parse(t).getJWTClaimsSet().getJWTID();
        assertRefused(check(t, "staging", "db:read", null), "token_revoked", "token " + jti + " was revoked");
        assertEquals(Map.of("active", false), TestAirlock.JSON.convertValue(introspect(t).json(), Map.class));
        String log = Files.readString(airlock.dataDir.resolve("audit.log"));
        assertTrue(log.contains("\"type\":\"token.revoked\",\"jti\":\"" + jti + "\""), log);
    }

    @Test
    void checkWhenEnvironmentFrozenThenExistingTokensRefusedUntilUnfrozen() throws Exception {
        String t = mint("dev", "db:read");
        airlock.airlock.domain().admin.setFrozen("dev", true, "test").get();
        try {
            assertRefused(check(t, "dev", "db:read", null), "environment_frozen", "environment dev is frozen by ops");
            assertFalse(introspect(t).json().path("active").asBoolean(true));
        } finally {
            airlock.airlock.domain().admin.setFrozen("dev", false, "test").get();
        }
        assertTrue(check(t, "dev", "db:read", null).path("allowed").asBoolean());
    }

    @Test
    void everyCallerRefusesATokenOfAFrozenEnvironment() throws Exception {
        String t = mint("dev", "db:read volume:read");
        airlock.airlock.domain().admin.setFrozen("dev", true, "test").get();
        try {
            assertRefused(check(t, "dev", "db:read", null), "environment_frozen", "environment dev is frozen by ops");
            assertEquals(Map.of("active", false), TestAirlock.JSON.convertValue(introspect(t).json(), Map.class));
            TestAirlock.Reply bearer = airlock.agentGet("/v1/grants/gr_none", "Bearer " + t);
            assertEquals(401, bearer.status(), "a frozen environment's token is no agent credential: " + bearer.body());
            TestAirlock.Reply proxied = airlock.send(airlock.request("/proxy/generic-rest/v1/volumes/vol-dev-1")
                    .header("Authorization", "Bearer " + t).GET().build());
            assertEquals(403, proxied.status(), proxied.body());
            assertEquals("environment_frozen", proxied.json().path("code").asText(), proxied.body());
        } finally {
            airlock.airlock.domain().admin.setFrozen("dev", false, "test").get();
        }
        assertEquals(404, airlock.agentGet("/v1/grants/gr_none", "Bearer " + t).status(), "a credential again once unfrozen");
        assertTrue(check(t, "dev", "db:read", null).path("allowed").asBoolean());
    }

    @Test
    void revokeWhenEnvironmentFrozenThenTheTokenStaysDeadAfterUnfreezing() throws Exception {
        String t = mint("dev", "db:read");
        airlock.airlock.domain().admin.setFrozen("dev", true, "test").get();
        try {
            TestAirlock.Reply r = airlock.postForm("/oauth2/revoke", TestAirlock.basic("coding-agent", secret),
                    Map.of("token", t));
            assertEquals(200, r.status(), r.body());
        } finally {
            airlock.airlock.domain().admin.setFrozen("dev", false, "test").get();
        }
        assertEquals("token_revoked", check(t, "dev", "db:read", null).path("code").asText());
    }

    @Test
    void checkWhenTokenExpiredThenRefused() throws Exception {
        String t = mint("production", "db:read");
        airlock.clock.advance(Duration.ofMinutes(5));
        try {
            JsonNode d = check(t, "production", "db:read", null);
            assertFalse(d.path("allowed").asBoolean(true));
            assertEquals("token_expired", d.path("code").asText());
            assertFalse(introspect(t).json().path("active").asBoolean(true));
        } finally {
            airlock.clock.advance(Duration.ofMinutes(-5));
        }
        assertTrue(check(t, "production", "db:read", null).path("allowed").asBoolean(), "one second before exp");
    }

    @Test
    void checkWhenTokenFromAnotherAirlockThenRefused() throws Exception {
        try (TestAirlock other = TestAirlock.start()) {
            String foreign = other.token("coding-agent", other.issueSecret("coding-agent"), "staging", "db:read")
                    .json().path("access_token").asText();
            JsonNode d = check(foreign, "staging", "db:read", null);
            assertFalse(d.path("allowed").asBoolean(true));
            assertEquals("token_invalid", d.path("code").asText());
        }
    }

    @Test
    void checkWhenTokenTamperedThenRefused() throws Exception {
        String t = mint("staging", "db:read");
        String[] parts = t.split("\\.");
        String payload = new String(java.util.Base64.getUrlDecoder().decode(parts[1]));
        String forged = parts[0] + "." + java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(payload.replace("staging", "production").getBytes()) + "." + parts[2];
        JsonNode d = check(forged, "production", "db:read", null);
        assertRefused(d, "token_invalid", "token refused: signature does not verify");
    }

    @Test
    void introspectWhenActiveThenRfc7662ClaimsAndCallerMustAuthenticate() throws Exception {
        String t = mint("staging", "db:read volume:read");
        JsonNode b = introspect(t).json();
        assertTrue(b.path("active").asBoolean());
        assertEquals("db:read volume:read", b.path("scope").asText());
        assertEquals("coding-agent", b.path("client_id").asText());
        assertEquals("urn:airlock:env:staging", b.path("aud").asText());
        assertEquals(airlock.base, b.path("iss").asText());
        assertEquals("staging", b.path("env").asText());
        assertEquals(SignedJWT.parse(t).getJWTClaimsSet().getJWTID(), b.path("jti").asText());
        TestAirlock.Reply anonymous = airlock.postForm("/oauth2/introspect", null, Map.of("token", t));
        assertEquals(401, anonymous.status());
        assertEquals("invalid_client", anonymous.json().path("error").asText());
    }

    @Test
    void introspectWhenTheCallerIsAnAgentNotNamedAsAResourceServerThenForbiddenWithAnOAuthError() throws Exception {
        String t = mint("staging", "volume:read");
        TestAirlock.Reply r = airlock.postForm("/oauth2/introspect", TestAirlock.basic("coding-agent", secret),
                Map.of("token", t));
        assertEquals(403, r.status(), r.body());
        assertEquals("unauthorized_client", r.json().path("error").asText());
        assertTrue(r.json().path("error_description").asText().contains("introspect"), r.body());
        assertFalse(r.json().has("active"), "no verdict about the token: " + r.body());
        String log = Files.readString(airlock.dataDir.resolve("audit.log"));
        assertTrue(log.contains("\"type\":\"token.introspect_refused\""), "audited");
    }

    @Test
    void introspectWhenTheTokenIsOfAnEnvironmentTheResourceServerDoesNotServeThenInactive() throws Exception {
        assertTrue(introspect(mint("staging", "volume:read")).json().path("active").asBoolean());
        assertEquals(Map.of("active", false), TestAirlock.JSON.convertValue(introspect(mint("dev", "volume:read")).json(),
                Map.class), "api-gateway serves staging and production, not dev");
        String log = Files.readString(airlock.dataDir.resolve("audit.log"));
        assertTrue(log.contains("\"reason\":\"environment_not_served\""), "the reason is in the audit log only");
    }

    @Test
    void revokeWhenTokenBelongsToAnotherClientThenRefusedAndTokenStillWorks() throws Exception {
        String t = mint("staging", "db:read");
        // Only coding-agent holds a secret; simulate another client by revoking with a fresh secret of coding-agent
        // on a different server is not possible, so use the core directly for the "other client" path.
        var v = airlock.airlock.domain().tokens.revocableBy(t, "deploy-bot");
        assertEquals("other_client", v.refusal().code());
        assertEquals(dev.airlock.core.check.TokenAdmin.RevokeResult.OTHER_CLIENTS_TOKEN,
                airlock.airlock.domain().admin.revokeByClient(v, "deploy-bot", "127.0.0.1").get());
        assertTrue(check(t, "staging", "db:read", null).path("allowed").asBoolean());
    }

    @Test
    void revokeWhenTokenIsGarbageThen200PerRfc7009() throws Exception {
        TestAirlock.Reply r = airlock.postForm("/oauth2/revoke", TestAirlock.basic("coding-agent", secret),
                Map.of("token", "not-a-token"));
        assertEquals(200, r.status());
    }

    @Test
    void everyCheckIsAuditedWithItsDecision() throws Exception {
        String t = mint("staging", "volume:read");
        check(t, "staging", "volume:read", "vol-7f3a");
        String log = Files.readString(airlock.dataDir.resolve("audit.log"));
        assertTrue(log.contains("\"type\":\"check\",\"allowed\":false,\"code\":\"resource_in_other_environment\","
                + "\"reason\":\"resource vol-7f3a belongs to production\""), log);
    }

    static TestAirlock.Reply introspect(String token) throws Exception {
        TestAirlock.Reply r = airlock.postForm("/oauth2/introspect", TestAirlock.basic("api-gateway", gatewaySecret),
                Map.of("token", token));
        assertEquals(200, r.status(), r.body());
        return r;
    }
}
