package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestAirlock.OpsUser;
import dev.airlock.testing.TestAirlock.Reply;
import dev.airlock.testing.TestIdentityProvider;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Grants filed with a delegated token (issue 15): they say on whose behalf, everywhere people look, and the user on
 * whose behalf a grant was filed can never approve it, whether their ops account is named by the IdP's name claim or
 * linked in identity.yaml; other people approve as always (two for a destructive production grant).
 */
class GrantOnBehalfOfTest {
    TestAirlock airlock;
    TestIdentityProvider idp;
    String agent;
    OpsUser carol;
    OpsUser dave;
    OpsUser erin;
    OpsUser frank;

    @BeforeEach
    void start() throws Exception {
        idp = TestIdentityProvider.start(TokenExchangeTest.IDP_ISSUER, java.time.Clock.systemUTC());
        airlock = TestAirlock.start(TokenExchangeTest.policyTrusting(idp).dir,
                Files.createTempDirectory("airlock-obo"), JWSAlgorithm.EdDSA);
        idp.useClock(airlock.clock);
        agent = TestAirlock.basic("coding-agent", airlock.issueSecret("coding-agent"));
        carol = airlock.addOps("carol", "prod-ops");
        dave = airlock.addOps("dave", "prod-ops");
        erin = airlock.addOps("erin", "prod-ops");
        frank = airlock.addOps("frank", "prod-ops");
    }

    @AfterEach
    void stop() throws Exception {
        airlock.close();
        idp.close();
    }

    /** coding-agent's production token acting for {@code subject}, whose IdP name claim is {@code name}. */
    String delegatedBearer(String subject, String name) throws Exception {
        String user = idp.token(subject, TokenExchangeTest.AUDIENCE, b -> b.claim("preferred_username", name));
        Reply r = airlock.postForm("/oauth2/token", agent, Map.of("grant_type", TokenExchangeTest.EXCHANGE,
                "subject_token", user, "subject_token_type", TokenExchangeTest.JWT_TYPE, "environment", "production",
                "scope", "db:read"));
        assertEquals(200, r.status(), r.body());
        return "Bearer " + r.json().get("access_token").asText();
    }

    String fileGrant(String bearer) throws Exception {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("environment", "production");
        b.put("scopes", List.of("volume:delete"));
        b.put("resources", List.of("vol-7f3a"));
        b.put("reason", GrantFlowTest.REASON);
        Reply r = airlock.agentPost("/v1/grants", bearer, b);
        assertEquals(201, r.status(), r.body());
        return r.json().get("auth_req_id").asText();
    }

    Reply approve(OpsUser who, String id) throws Exception {
        String session = airlock.opsSignIn(who);
        return airlock.opsPost("/v1/grants/" + id + "/approve", session, Map.of("code", airlock.freshCode(who)));
    }

    @Test
    void grantWhenFiledWithDelegatedTokenThenShowsOnBehalfOfToAgentAndPeopleAndAudit() throws Exception {
        String bearer = delegatedBearer("user-erin", "erin");
        String id = fileGrant(bearer);

        JsonNode mine = airlock.agentGet("/v1/grants/" + id, bearer).json();
        assertEquals("coding-agent", mine.get("agent").asText());
        assertEquals("corp", mine.get("on_behalf_of").get("issuer").asText());
        assertEquals("user-erin", mine.get("on_behalf_of").get("sub").asText());
        assertEquals("erin", mine.get("on_behalf_of").get("name").asText());

        JsonNode seen = airlock.opsGet("/v1/grants/" + id, airlock.opsSignIn(carol)).json();
        assertEquals("user-erin", seen.get("on_behalf_of").get("sub").asText(), seen.toString());

        String requested = airlock.auditLines().stream().filter(l -> l.contains("\"grant.requested\"")).findFirst()
                .orElseThrow();
        assertTrue(requested.contains("\"agent\":\"coding-agent\"") && requested.contains("\"on_behalf_of\":\"corp:user-erin\""),
                requested);
    }

    @Test
    void approveWhenApproverIsTheUserByNameClaimThenRefusedWhileTwoOthersApprove() throws Exception {
        String id = fileGrant(delegatedBearer("user-erin", "erin"));

        String erinSession = airlock.opsSignIn(erin);
        JsonNode you = airlock.opsGet("/v1/grants/" + id, erinSession).json().get("you");
        assertFalse(you.get("may_approve").asBoolean(), you.toString());
        assertTrue(you.get("may_deny").asBoolean(), "stopping one's own agent stays open: " + you);

        Reply refused = airlock.opsPost("/v1/grants/" + id + "/approve", erinSession, Map.of("code", airlock.freshCode(erin)));
        assertEquals(403, refused.status(), refused.body());
        assertEquals("on_behalf_of_cannot_approve", refused.json().get("code").asText(), refused.body());

        assertEquals(200, approve(carol, id).status());
        Reply second = approve(dave, id);
        assertEquals(200, second.status(), second.body());
        assertEquals("approved", second.json().get("status").asText(), second.body());
    }

    @Test
    void approveWhenApproverAccountLinkedToTheUsersSubjectThenRefused() throws Exception {
        // frank's IdP name claim says "f.jones", but identity.yaml links ops account frank to subject user-frank.
        String id = fileGrant(delegatedBearer("user-frank", "f.jones"));
        Reply refused = approve(frank, id);
        assertEquals(403, refused.status(), refused.body());
        assertEquals("on_behalf_of_cannot_approve", refused.json().get("code").asText(), refused.body());
        assertEquals(200, approve(erin, id).status(), "another user of the same IdP is another person");
    }

    @Test
    void approveWhenGrantFiledWithoutDelegationThenTheSamePeopleMayApprove() throws Exception {
        String id = fileGrant(agent);
        assertEquals(200, approve(erin, id).status());
        assertEquals(200, approve(frank, id).status());
    }
}
