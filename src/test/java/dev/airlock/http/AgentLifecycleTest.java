package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.testing.PolicyCopy;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestAirlock.OpsUser;
import dev.airlock.testing.TestAirlock.Reply;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, part 5: an agent disabled, enabled, and its tokens revoked without knowing their jtis, through
 * {@code /v1/admin} (as {@code airlock agent ... --remote} does), enforced wherever a credential or token is used.
 */
class AgentLifecycleTest {
    static final String CIBA = "urn:openid:params:grant-type:ciba";

    @TempDir
    Path data;
    TestAirlock airlock;
    OpsUser pat;
    String session;
    String secret;
    String basic;

    @BeforeEach
    void start() throws Exception {
        Path policy = PolicyCopy.ofShipped().append("grants.yaml", "\nadmin_groups: [platform]\n").dir;
        airlock = TestAirlock.start(policy, data, JWSAlgorithm.EdDSA);
        pat = airlock.addOps("pat", "platform");
        session = airlock.opsSignIn(pat);
        secret = airlock.issueSecret("coding-agent");
        basic = TestAirlock.basic("coding-agent", secret);
    }

    @AfterEach
    void stop() throws Exception {
        airlock.close();
    }

    Reply admin(String path) throws Exception {
        return admin(path, Map.of());
    }

    Reply admin(String path, Map<String, Object> body) throws Exception {
        Map<String, Object> withCode = new LinkedHashMap<>(body);
        withCode.put("code", airlock.freshCode(pat));
        return airlock.opsPost(path, session, withCode);
    }

    String mint() throws Exception {
        Reply r = airlock.token("coding-agent", secret, "staging", "volume:read");
        assertEquals(200, r.status(), r.body());
        return r.json().path("access_token").asText();
    }

    JsonNode check(String token) throws Exception {
        return airlock.check(token, "staging", "volume:read", "vol-7f3a-stg").json();
    }

    Reply fileGrant(String authorization) throws Exception {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("environment", "production");
        b.put("scopes", List.of("volume:delete"));
        b.put("resources", List.of("vol-7f3a"));
        b.put("reason", "The volume vol-7f3a holds a corrupted copy of the test data; delete it to recreate it.");
        return airlock.agentPost("/v1/grants", authorization, b);
    }

    @Test
    void disableRefusesTheAgentsSecretAndEveryTokenItHoldsAtOnceAndEnableRestoresThem() throws Exception {
        String token = mint();
        Reply filed = fileGrant(basic);
        assertEquals(201, filed.status(), filed.body());
        String grant = filed.json().path("auth_req_id").asText();

        Reply off = admin("/v1/admin/agents/coding-agent/disable");
        assertEquals(200, off.status(), off.body());
        assertTrue(off.json().path("disabled").asBoolean(), off.body());

        JsonNode d = check(token);
        assertFalse(d.path("allowed").asBoolean(true), d.toString());
        assertEquals("agent_disabled", d.path("code").asText(), d.toString());
        Reply refused = airlock.token("coding-agent", secret, "staging", "volume:read");
        assertEquals(401, refused.status(), refused.body());
        assertEquals("invalid_client", refused.json().path("error").asText());
        assertTrue(refused.json().path("error_description").asText().contains("disabled"), refused.body());
        Reply viaBasic = fileGrant(basic);
        assertEquals(401, viaBasic.status(), viaBasic.body());
        assertTrue(viaBasic.body().contains("disabled"), viaBasic.body());
        assertEquals(401, fileGrant("Bearer " + token).status(), "its access token files no grant");
        Reply poll = airlock.postForm("/oauth2/token", basic, Map.of("grant_type", CIBA, "auth_req_id", grant));
        assertEquals(401, poll.status(), "its pending grant cannot be redeemed: " + poll.body());
        assertTrue(airlock.deployBotBearer().startsWith("Bearer "), "other agents are untouched");

        Reply on = admin("/v1/admin/agents/coding-agent/enable");
        assertEquals(200, on.status(), on.body());
        assertFalse(on.json().path("disabled").asBoolean(true));
        assertTrue(check(token).path("allowed").asBoolean(), "the same token is usable again");
        mint();
        List<String> audit = airlock.auditLines();
        assertTrue(audit.stream().anyMatch(l -> l.contains("\"type\":\"agent.disabled\"")
                && l.contains("\"by\":\"ops:pat\"") && l.contains("coding-agent")), "audited with who did it");
        assertTrue(audit.stream().anyMatch(l -> l.contains("\"type\":\"agent.enabled\"")));
        assertTrue(audit.stream().anyMatch(l -> l.contains("\"type\":\"client.auth_failed\"")
                && l.contains("agent disabled")));
    }

    @Test
    void aDisabledKeyAuthenticatedAgentIsRefusedWithItsReasonAndItsAssertionIdIsNotSpent() throws Exception {
        assertEquals(200, admin("/v1/admin/agents/deploy-bot/disable").status());
        String assertion = airlock.deployBotAssertion();
        Map<String, String> p = new LinkedHashMap<>();
        p.put("grant_type", "client_credentials");
        p.put("environment", "staging");
        p.put("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
        p.put("client_assertion", assertion);
        Reply r = airlock.postForm("/oauth2/token", null, p);
        assertEquals(401, r.status(), r.body());
        assertTrue(r.json().path("error_description").asText().contains("disabled"), r.body());
        assertEquals(200, admin("/v1/admin/agents/deploy-bot/enable").status());
        assertEquals(200, airlock.postForm("/oauth2/token", null, p).status(), "the same assertion now works");
    }

    @Test
    void revokeTokensVoidsEveryTokenIssuedUpToThatSecondAndNoneIssuedAfter() throws Exception {
        String early = mint();
        airlock.clock.advance(Duration.ofSeconds(5));
        String late = mint();
        Reply r = admin("/v1/admin/agents/coding-agent/revoke-tokens");
        assertEquals(200, r.status(), r.body());
        Instant voidUntil = Instant.parse(r.json().path("tokens_void_until").asText());
        assertEquals(airlock.clock.instant().getEpochSecond(), voidUntil.getEpochSecond());
        for (String t : List.of(early, late, mint())) { // the last one: minted in the same second, void too
            JsonNode d = check(t);
            assertEquals("token_revoked", d.path("code").asText(), d.toString());
            assertTrue(d.path("reason").asText().contains("agent revoke-tokens"), d.toString());
        }
        airlock.clock.advance(Duration.ofSeconds(1));
        String fresh = mint();
        assertTrue(check(fresh).path("allowed").asBoolean(), "a token issued after it is usable");
        assertTrue(airlock.auditLines().stream().anyMatch(l -> l.contains("\"type\":\"agent.tokens_revoked\"")
                && l.contains("\"issued_at_or_before\":" + voidUntil.getEpochSecond())));
        assertEquals(404, admin("/v1/admin/agents/nobody/revoke-tokens").status());
    }

    @Test
    void reissuingASecretSaysWhatHappensToLiveTokensAndRevokesThemOnlyWhenAsked() throws Exception {
        String token = mint();
        Reply plain = admin("/v1/admin/agents/coding-agent/secret");
        assertEquals(200, plain.status(), plain.body());
        assertTrue(plain.json().path("live_tokens").asText().contains("stay valid until they expire"), plain.body());
        assertTrue(plain.json().path("tokens_void_until").isNull());
        assertTrue(check(token).path("allowed").asBoolean(), "a re-issued secret alone leaves live tokens valid");

        Reply both = admin("/v1/admin/agents/coding-agent/secret", Map.of("revoke_tokens", true));
        assertEquals(200, both.status(), both.body());
        assertFalse(both.json().path("tokens_void_until").isNull(), both.body());
        assertTrue(both.json().path("live_tokens").asText().contains("is revoked"), both.body());
        assertEquals("token_revoked", check(token).path("code").asText());
        secret = both.json().path("client_secret").asText();
        airlock.clock.advance(Duration.ofSeconds(1));
        assertTrue(check(mint()).path("allowed").asBoolean(), "the new secret's tokens are good");
    }

    @Test
    void theAgentListShowsEveryAgentOfThePolicyWithItsRunTimeState() throws Exception {
        assertEquals(200, admin("/v1/admin/agents/coding-agent/disable").status());
        Reply r = airlock.opsGet("/v1/admin/agents", session);
        assertEquals(200, r.status(), r.body());
        Map<String, JsonNode> byId = new LinkedHashMap<>();
        r.json().path("agents").forEach(a -> byId.put(a.path("id").asText(), a));
        assertTrue(byId.keySet().containsAll(List.of("coding-agent", "deploy-bot")), r.body());
        JsonNode coding = byId.get("coding-agent");
        assertTrue(coding.path("disabled").asBoolean());
        assertTrue(coding.path("has_secret").asBoolean());
        assertEquals("[\"dev\",\"production\",\"staging\"]", coding.path("environments").toString());
        assertFalse(byId.get("deploy-bot").path("disabled").asBoolean(true));
        assertFalse(byId.get("deploy-bot").path("has_secret").asBoolean(true));
    }

    @Test
    void onlyAdminGroupsMayListOrChangeAgents() throws Exception {
        OpsUser carol = airlock.addOps("carol", "ops");
        String hers = airlock.opsSignIn(carol);
        assertEquals(403, airlock.opsGet("/v1/admin/agents", hers).status());
        Map<String, Object> body = Map.of("code", airlock.freshCode(carol));
        assertEquals(403, airlock.opsPost("/v1/admin/agents/coding-agent/disable", hers, body).status());
        assertFalse(airlock.airlock.store.isAgentDisabled("coding-agent"));
        assertEquals(401, airlock.agentGet("/v1/admin/agents", null).status());
    }
}
