package dev.airlock.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.testing.IndependentVerifier;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestAirlock.OpsUser;
import dev.airlock.testing.TestAirlock.Reply;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The April 2026 incident, replayed against Airlock (issue 3, item 11). An agent working on staging wants to delete a
 * production volume. Every step the incident skipped now happens, in order, over real HTTP.
 */
class IncidentScenarioTest {
    static final String CIBA = "urn:openid:params:grant-type:ciba";

    @Test
    void productionVolumeDeleteHappensOnceOnlyAfterTwoPeopleApprove() throws Exception {
        try (TestAirlock airlock = TestAirlock.start()) {
            String agent = TestAirlock.basic("coding-agent", airlock.issueSecret("coding-agent"));
            OpsUser carol = airlock.addOps("carol", "prod-ops");
            OpsUser dave = airlock.addOps("dave", "prod-ops");

            // 1. The agent works on staging with a staging token.
            Reply staging = airlock.postForm("/oauth2/token", agent, Map.of("grant_type", "client_credentials",
                    "environment", "staging"));
            assertEquals(200, staging.status(), staging.body());
            String stagingToken = staging.json().get("access_token").asText();
            JsonNode wrongEnv = airlock.check(stagingToken, "staging", "volume:read", "vol-7f3a").json();
            assertFalse(wrongEnv.get("allowed").asBoolean());
            assertEquals("resource vol-7f3a belongs to production", wrongEnv.get("reason").asText());

            // 2. It asks for production volume:delete and is refused with invalid_scope and instructions.
            Reply refused = airlock.postForm("/oauth2/token", agent, Map.of("grant_type", "client_credentials",
                    "environment", "production", "scope", "volume:delete"));
            assertEquals(400, refused.status());
            assertEquals("invalid_scope", refused.json().get("error").asText());
            assertTrue(refused.json().get("error_description").asText().contains("/v1/grants"), refused.body());
            JsonNode how = refused.json().get("grant_request");
            assertEquals(airlock.base + "/v1/grants", how.get("endpoint").asText(), how.toString());

            // 3. It files a grant for exactly vol-7f3a, with its reason and command.
            Map<String, Object> ask = new LinkedHashMap<>();
            ask.put("environment", "production");
            ask.put("scopes", List.of("volume:delete"));
            ask.put("resources", List.of("vol-7f3a"));
            ask.put("reason", "staging deploy fails with a credential mismatch; the agent believes vol-7f3a is stale");
            ask.put("command", "railway volume delete vol-7f3a");
            Reply filed = airlock.agentPost("/v1/grants", agent, ask);
            assertEquals(201, filed.status(), filed.body());
            String id = filed.json().get("auth_req_id").asText();
            assertEquals(2, filed.json().get("approvals_required").asInt());

            // 4. It tries to approve its own grant with its own credentials: 403.
            Reply self = airlock.agentPost("/v1/grants/" + id + "/approve", agent, Map.of("code", "000000"));
            assertEquals(403, self.status(), self.body());
            Reply selfBearer = airlock.agentPost("/v1/grants/" + id + "/approve", "Bearer " + stagingToken,
                    Map.of("code", "000000"));
            assertEquals(403, selfBearer.status(), selfBearer.body());

            // 5. The first person approves with a fresh code: still pending, quorum is 2.
            Reply first = airlock.opsPost("/v1/grants/" + id + "/approve", airlock.opsSignIn(carol),
                    Map.of("code", airlock.freshCode(carol)));
            assertEquals(200, first.status(), first.body());
            assertEquals("pending", first.json().get("status").asText());
            airlock.clock.advance(java.time.Duration.ofSeconds(5));
            assertEquals("authorization_pending", poll(airlock, agent, id).json().get("error").asText());

            // 6. The second person approves: approved.
            Reply second = airlock.opsPost("/v1/grants/" + id + "/approve", airlock.opsSignIn(dave),
                    Map.of("code", airlock.freshCode(dave)));
            assertEquals(200, second.status(), second.body());
            assertEquals("approved", second.json().get("status").asText());

            // 7. The agent redeems: a one-shot production token for volume:delete on vol-7f3a.
            Reply redeemed = poll(airlock, agent, id);
            assertEquals(200, redeemed.status(), redeemed.body());
            String grantToken = redeemed.json().get("access_token").asText();
            // It is no access token: a gateway verifying production tokens offline refuses it (online only).
            var gateway = new IndependentVerifier(airlock.base, "urn:airlock:env:production", airlock.clock);
            org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> gateway.verify(grantToken));
            var claims = new IndependentVerifier(airlock.base, "urn:airlock:grant:" + id,
                    new com.nimbusds.jose.JOSEObjectType("airlock-grant+jwt"), airlock.clock).verify(grantToken);
            assertEquals("volume:delete", claims.getStringClaim("scope"));

            // 8. The look-alike production volume was never part of the grant.
            JsonNode other = airlock.check(grantToken, "production", "volume:delete", "vol-9c1e").json();
            assertFalse(other.get("allowed").asBoolean());
            assertEquals("resource_not_granted", other.get("code").asText());

            // 9. The check allows volume:delete on vol-7f3a once.
            JsonNode once = airlock.check(grantToken, "production", "volume:delete", "vol-7f3a").json();
            assertTrue(once.get("allowed").asBoolean(), once.toString());

            // 10. The second time it is refused: the grant is spent, and the token with it.
            JsonNode twice = airlock.check(grantToken, "production", "volume:delete", "vol-7f3a").json();
            assertFalse(twice.get("allowed").asBoolean());
            assertEquals("grant already used", twice.get("reason").asText());
        }
    }

    static Reply poll(TestAirlock airlock, String agent, String id) throws Exception {
        return airlock.postForm("/oauth2/token", agent, Map.of("grant_type", CIBA, "auth_req_id", id));
    }
}
