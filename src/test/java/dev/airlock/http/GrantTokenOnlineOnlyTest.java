package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.airlock.harness.Jose;
import dev.airlock.testing.IndependentVerifier;
import dev.airlock.testing.ProxyFixture;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestAirlock.OpsUser;
import dev.airlock.testing.TestAirlock.Reply;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12: a one-shot grant token is good for one approved act, decided and spent by Airlock. Offline it is no
 * token at all: an RFC 9068 verifier that trusts Airlock's JWKS refuses it (its own {@code typ}, its own {@code aud}),
 * so a gateway cannot honour it without asking Airlock, and asking is what spends it.
 */
class GrantTokenOnlineOnlyTest {
    static final String CIBA = "urn:openid:params:grant-type:ciba";
    static final String STAGING_AUDIENCE = "urn:airlock:env:staging";
    static final String VOLUME = "vol-7f3a-stg";
    static final String DELETE_PATH = "/proxy/generic-rest/v1/volumes/" + VOLUME;

    ProxyFixture fx;
    TestAirlock air;
    OpsUser erin;
    String grantId;
    String grantToken;

    @BeforeEach
    void redeemAStagingGrant() throws Exception {
        fx = ProxyFixture.start();
        air = fx.airlock;
        erin = air.addOps("erin", "ops");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("environment", "staging");
        body.put("scopes", List.of("volume:delete"));
        body.put("resources", List.of(VOLUME));
        body.put("reason", "the staging volume is corrupt after the failed migration test run");
        body.put("command", "curl -X DELETE .../v1/volumes/" + VOLUME);
        Reply filed = air.agentPost("/v1/grants", fx.basic, body);
        assertEquals(201, filed.status(), filed.body());
        grantId = filed.json().path("auth_req_id").asText();
        Reply approved = air.opsPost("/v1/grants/" + grantId + "/approve", air.opsSignIn(erin),
                Map.of("code", air.freshCode(erin)));
        assertEquals(200, approved.status(), approved.body());
        Reply redeemed = air.postForm("/oauth2/token", fx.basic, Map.of("grant_type", CIBA, "auth_req_id", grantId));
        assertEquals(200, redeemed.status(), redeemed.body());
        grantToken = redeemed.json().path("access_token").asText();
    }

    @AfterEach
    void stop() throws Exception {
        fx.close();
    }

    IndependentVerifier verifier(String audience, com.nimbusds.jose.JOSEObjectType typ) throws Exception {
        return new IndependentVerifier(air.base, audience, typ, air.clock);
    }

    // --- offline: refused by any verifier configured for an environment ---

    @Test
    void rfc9068VerifierForTheEnvironmentRejectsTheGrantTokenAndAcceptsAnOrdinaryToken() throws Exception {
        IndependentVerifier gateway = verifier(STAGING_AUDIENCE, IndependentVerifier.AT_JWT);
        JWTClaimsSet ordinary = gateway.verify(fx.token("staging", null));
        assertEquals("staging", ordinary.getStringClaim("env"));
        assertThrows(Exception.class, () -> gateway.verify(grantToken));
    }

    @Test
    void verifierThatIgnoresTypStillRejectsTheGrantTokenByItsAudience() throws Exception {
        IndependentVerifier typBlind = verifier(STAGING_AUDIENCE, null);
        typBlind.verify(fx.token("staging", null));
        Exception e = assertThrows(Exception.class, () -> typBlind.verify(grantToken));
        assertTrue(e.getMessage().contains("aud"), e.getMessage());
    }

    @Test
    void verifierThatIgnoresAudienceStillRejectsTheGrantTokenByItsTyp() throws Exception {
        IndependentVerifier audienceBlind = verifier(null, IndependentVerifier.AT_JWT);
        audienceBlind.verify(fx.token("staging", null));
        Exception e = assertThrows(Exception.class, () -> audienceBlind.verify(grantToken));
        assertTrue(e.getMessage().contains("typ"), e.getMessage());
    }

    @Test
    void grantTokenCarriesItsOwnTypeAndAudienceAndStillNamesItsEnvironment() throws Exception {
        ObjectNode header = Jose.header(grantToken);
        assertEquals("airlock-grant+jwt", header.path("typ").asText());
        // Its signature and claims are Airlock's own: verified with the JWKS when told exactly what to expect.
        JWTClaimsSet claims = verifier("urn:airlock:grant:" + grantId,
                new com.nimbusds.jose.JOSEObjectType("airlock-grant+jwt")).verify(grantToken);
        assertEquals(List.of("urn:airlock:grant:" + grantId), claims.getAudience());
        assertEquals("staging", claims.getStringClaim("env"));
        assertEquals(grantId, claims.getJSONObjectClaim("grant").get("id"));
    }

    // --- online: accepted once by /v1/check and by the proxy ---

    @Test
    void checkAcceptsTheGrantTokenOnceThenRefusesItAsUsed() throws Exception {
        JsonNode first = air.check(grantToken, "staging", "volume:delete", VOLUME).json();
        assertTrue(first.path("allowed").asBoolean(), first.toString());
        JsonNode again = air.check(grantToken, "staging", "volume:delete", VOLUME).json();
        assertFalse(again.path("allowed").asBoolean(), again.toString());
        assertEquals("grant_used", again.path("code").asText());
    }

    @Test
    void proxyForwardsTheGrantTokenOnceThenRefusesIt() throws Exception {
        fx.upstream.clear();
        Reply first = fx.call("DELETE", DELETE_PATH, grantToken, null, null);
        assertEquals(200, first.status(), first.body());
        Reply again = fx.call("DELETE", DELETE_PATH, grantToken, null, null);
        assertEquals(403, again.status(), again.body());
        assertEquals("grant_used", again.json().path("code").asText());
        assertEquals(1, fx.upstream.received().size(), "forwarded exactly once");
    }

    @Test
    void introspectionReportsTheUnspentGrantTokenInactive() throws Exception {
        Reply r = air.postForm("/oauth2/introspect", fx.gatewayBasic, Map.of("token", grantToken));
        assertEquals(200, r.status(), r.body());
        assertEquals(Map.of("active", false), TestAirlock.JSON.convertValue(r.json(), Map.class));
        // Introspection did not spend it: the one use is still there for the check.
        assertTrue(air.check(grantToken, "staging", "volume:delete", VOLUME).json().path("allowed").asBoolean());
    }

    @Test
    void grantTokenIsNoCredentialForTheGrantsEndpoint() throws Exception {
        Reply r = air.agentGet("/v1/grants/" + grantId, "Bearer " + grantToken);
        assertEquals(401, r.status(), r.body());
        assertEquals(200, air.agentGet("/v1/grants/" + grantId, "Bearer " + fx.token("staging", null)).status());
    }

    // --- one token kind never passes for the other (signed with the real key: only the kernel can refuse them) ---

    String signed(ObjectNode header, ObjectNode claims) throws Exception {
        return Jose.compact(header.toString(), claims.toString(),
                Jose.with(air.airlock.keys.active().signer(), JWSAlgorithm.EdDSA));
    }

    void assertRefusedByCheckAndProxy(String token, String expectedCode) throws Exception {
        JsonNode d = air.check(token, "staging", "volume:delete", VOLUME).json();
        assertFalse(d.path("allowed").asBoolean(true), d.toString());
        assertEquals(expectedCode, d.path("code").asText(), d.toString());
        fx.upstream.clear();
        Reply p = fx.call("DELETE", DELETE_PATH, token, null, null);
        assertTrue(p.status() == 401 || p.status() == 403, p.status() + " " + p.body());
        assertEquals(0, fx.upstream.received().size());
        assertFalse(air.postForm("/oauth2/introspect", fx.gatewayBasic, Map.of("token", token)).json().path("active")
                .asBoolean(true));
    }

    @Test
    void grantClaimInsideAnAtJwtTokenIsRefused() throws Exception {
        ObjectNode header = Jose.header(grantToken);
        header.put("typ", "at+jwt");
        assertRefusedByCheckAndProxy(signed(header, Jose.payload(grantToken)), "token_invalid");
        // Also with the environment's audience, so that it would look ordinary in every other respect.
        ObjectNode claims = Jose.payload(grantToken);
        claims.put("aud", STAGING_AUDIENCE);
        assertRefusedByCheckAndProxy(signed(header, claims), "token_invalid");
    }

    @Test
    void grantTypedTokenWithoutAGrantClaimIsRefused() throws Exception {
        String ordinary = fx.token("staging", "volume:read");
        ObjectNode header = Jose.header(ordinary);
        header.put("typ", "airlock-grant+jwt");
        assertRefusedByCheckAndProxy(signed(header, Jose.payload(ordinary)), "token_invalid");
    }

    @Test
    void grantTokenWithTheEnvironmentsAudienceIsRefused() throws Exception {
        ObjectNode claims = Jose.payload(grantToken);
        claims.put("aud", STAGING_AUDIENCE);
        assertRefusedByCheckAndProxy(signed(Jose.header(grantToken), claims), "wrong_environment");
    }

    @Test
    void grantTokenWithTheAudienceOfAnotherGrantIsRefused() throws Exception {
        ObjectNode claims = Jose.payload(grantToken);
        claims.put("aud", "urn:airlock:grant:gr_another");
        assertRefusedByCheckAndProxy(signed(Jose.header(grantToken), claims), "wrong_environment");
    }
}
