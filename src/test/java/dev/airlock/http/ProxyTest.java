package dev.airlock.http;

import static dev.airlock.testing.ProxyFixture.CREDENTIAL;
import static dev.airlock.testing.ProxyFixture.gql;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.testing.ProxyFixture;
import dev.airlock.testing.TestAirlock.Reply;
import dev.airlock.testing.UpstreamRecorder;
import dev.airlock.testing.UpstreamRecorder.Answer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The enforcement proxy over real HTTP, in front of a real recording upstream (issue 4, item 3): an allowed call is
 * forwarded once, with the provider's credential instead of the agent's token, and its answer comes back; a refused
 * call is a 403 (401 for a token problem) with a reason, and the upstream receives nothing at all.
 */
class ProxyTest {
    static ProxyFixture fx;
    static String staging;

    @BeforeAll
    static void start() throws Exception {
        fx = ProxyFixture.start();
        staging = fx.token("staging", null); // default scopes: db:read volume:read service:read
    }

    @AfterAll
    static void stop() throws Exception {
        fx.close();
    }

    @BeforeEach
    void freshUpstream() {
        fx.upstream.clear();
        fx.upstream.answer(Answer.json(200, "{\"data\":{\"ok\":true}}"));
    }

    // --- allowed ---

    @Test
    void allowedReadIsForwardedOnceWithTheProviderCredentialAndWithoutTheAgentsToken() throws Exception {
        fx.upstream.answer(new Answer(200, Map.of("Content-Type", "application/json", "X-Upstream-Trace", "t-81"),
                "{\"id\":\"vol-7f3a-stg\",\"sizeGb\":20}".getBytes(UTF_8), false));

        Reply r = fx.get("/proxy/generic-rest/v1/volumes/vol-7f3a-stg?fields=sizeGb", staging);

        assertEquals(200, r.status(), r.body());
        assertEquals("{\"id\":\"vol-7f3a-stg\",\"sizeGb\":20}", r.body());
        assertEquals("t-81", r.header("X-Upstream-Trace"));
        UpstreamRecorder.Received got = fx.upstream.only();
        assertEquals("GET", got.method());
        assertEquals("/v1/volumes/vol-7f3a-stg", got.rawPath());
        assertEquals("fields=sizeGb", got.rawQuery());
        assertEquals(List.of("Bearer " + CREDENTIAL), got.header("Authorization"));
        for (Map.Entry<String, List<String>> h : got.headers().entrySet()) {
            for (String v : h.getValue()) assertFalse(v.contains(staging), "the agent's token upstream in " + h.getKey());
        }
    }

    @Test
    void allowedGraphQlQueryIsForwardedWithTheExactBytesThatWereMapped() throws Exception {
        // Odd spacing and a unicode escape: the upstream must get these bytes, not a re-serialisation.
        byte[] body = ("{ \"query\" :\"query Look { volume(id: \\\"vol-7f3a-stg\\\") { id name } }\",\n"
                + "  \"operationName\":\"Look\", \"variables\" : {\"note\":\"caf\\u00e9\"} }").getBytes(UTF_8);
        Reply r = fx.call("POST", "/proxy/railway/graphql/v2", staging, "application/json; charset=utf-8", body);

        assertEquals(200, r.status(), r.body());
        assertEquals("{\"data\":{\"ok\":true}}", r.body());
        UpstreamRecorder.Received got = fx.upstream.only();
        assertEquals("POST", got.method());
        assertEquals("/graphql/v2", got.target());
        assertArrayEquals(body, got.body());
        assertEquals(List.of("application/json; charset=utf-8"), got.header("Content-Type"));
        assertEquals(List.of(Integer.toString(body.length)), got.header("Content-Length"));
        assertEquals(List.of("Bearer " + CREDENTIAL), got.header("Authorization"));
    }

    @Test
    void theUpstreamsStatusAndAStreamedBodyComeBackUnchanged() throws Exception {
        byte[] big = new byte[300_000];
        for (int i = 0; i < big.length; i++) big[i] = (byte) ('a' + i % 26);
        fx.upstream.answer(new Answer(404, Map.of("Content-Type", "text/plain"), big, true)); // chunked, no length

        ProxyFixture.RawReply r = fx.raw("GET /proxy/generic-rest/v1/volumes/vol-7f3a-stg HTTP/1.1\r\n"
                + "Authorization: Bearer " + staging, null);

        assertEquals(404, r.status());
        assertArrayEquals(big, r.body());
        assertEquals(List.of("text/plain"), r.header("Content-Type"));
        assertEquals(1, fx.upstream.received().size());
    }

    // --- refused: nothing reaches the upstream ---

    @Test
    void anUnmappedRequestIsRefusedAndNeverForwarded() throws Exception {
        Reply r = fx.get("/proxy/generic-rest/v1/billing/invoices", staging);
        JsonNode p = forbidden(r, "unmapped_request");
        assertTrue(p.get("reason").asText().contains("no rule"), r.body());
    }

    @Test
    void aResourceOfAnotherEnvironmentIsRefusedAndNeverForwarded() throws Exception {
        Reply r = fx.graphql(staging, gql("mutation { volumeDelete(volumeId: \"vol-7f3a\") }"));
        JsonNode p = forbidden(r, "resource_in_other_environment");
        assertTrue(p.get("reason").asText().contains("belongs to production"), r.body());
        assertEquals("mutation volumeDelete", p.path("refused_action").path("operation").asText(), r.body());
        // Destructive: the refusal says how to ask people, for the environment that owns the volume.
        JsonNode how = p.get("grant_request");
        assertNotNull(how, r.body());
        assertEquals(fx.airlock.base + "/v1/grants", how.get("endpoint").asText());
        assertEquals("production", how.get("fields").get("environment").asText());
        assertEquals("volume:delete", how.get("fields").get("scopes").get(0).asText());
        assertTrue(how.get("agent_may_request").asBoolean(), r.body());
    }

    @Test
    void aDestructiveCallWithoutAGrantIsRefusedWithInstructionsAndNeverForwarded() throws Exception {
        Reply r = fx.call("DELETE", "/proxy/generic-rest/v1/volumes/vol-7f3a-stg", staging, null, null);
        JsonNode p = forbidden(r, "scope_missing");
        assertTrue(p.get("reason").asText().contains("volume:delete"), r.body());
        JsonNode how = p.get("grant_request");
        assertNotNull(how, r.body());
        assertEquals("human_grant", how.get("required").asText());
        assertEquals(fx.airlock.base + "/v1/grants", how.get("endpoint").asText());
        assertEquals("POST", how.get("method").asText());
        assertEquals("staging", how.get("fields").get("environment").asText());
        assertTrue(how.get("fields").has("resources") && how.get("fields").has("reason"), r.body());
        assertEquals("urn:openid:params:grant-type:ciba", how.get("poll").get("grant_type").asText());
    }

    @Test
    void aFrozenEnvironmentIsRefusedAndNeverForwarded() throws Exception {
        fx.airlock.airlock.domain().admin.setFrozen("staging", true, "test").get(10, TimeUnit.SECONDS);
        try {
            forbidden(fx.get("/proxy/generic-rest/v1/volumes/vol-7f3a-stg", staging), "environment_frozen");
        } finally {
            fx.airlock.airlock.domain().admin.setFrozen("staging", false, "test").get(10, TimeUnit.SECONDS);
        }
        assertEquals(200, fx.get("/proxy/generic-rest/v1/volumes/vol-7f3a-stg", staging).status(), "after unfreezing");
    }

    @Test
    void aRevokedTokenIsRefusedAndNeverForwarded() throws Exception {
        String token = fx.token("staging", "volume:read");
        Reply revoked = fx.airlock.postForm("/oauth2/revoke", fx.basic, Map.of("token", token));
        assertEquals(200, revoked.status(), revoked.body());
        unauthenticated(fx.get("/proxy/generic-rest/v1/volumes/vol-7f3a-stg", token), "token_revoked");
    }

    @Test
    void noTokenIsA401WithABearerChallengeAndNeverForwarded() throws Exception {
        Reply r = fx.get("/proxy/generic-rest/v1/volumes/vol-7f3a-stg", null);
        assertEquals(401, r.status(), r.body());
        assertEquals("Bearer realm=\"airlock\"", r.header("WWW-Authenticate"));
        assertEquals("token_missing", r.json().get("code").asText());
        Reply basic = fx.call("GET", "/proxy/generic-rest/v1/volumes/vol-7f3a-stg", null, null, null,
                "Authorization", fx.basic);
        assertEquals(401, basic.status(), "a client secret is not a proxy credential: " + basic.body());
        assertTrue(fx.upstream.received().isEmpty(), "upstream received " + fx.upstream.received());
    }

    @Test
    void aBadTokenIsA401AndNeverForwarded() throws Exception {
        unauthenticated(fx.get("/proxy/generic-rest/v1/volumes/vol-7f3a-stg", "not.a.jwt"), "token_invalid");
        String tampered = staging.substring(0, staging.length() - 3) + (staging.endsWith("AAA") ? "BBB" : "AAA");
        unauthenticated(fx.get("/proxy/generic-rest/v1/volumes/vol-7f3a-stg", tampered), "token_invalid");
    }

    @Test
    void anUnknownProviderIs404AndNeverForwarded() throws Exception {
        for (String path : List.of("/proxy/nope/v1/volumes/x", "/proxy/", "/proxy", "/proxy/Railway/graphql/v2",
                "/proxy/rail%77ay/graphql/v2")) {
            Reply r = fx.get(path, staging);
            assertEquals(404, r.status(), path + ": " + r.body());
            assertEquals("unknown_provider", r.json().get("code").asText(), path);
        }
        assertTrue(fx.upstream.received().isEmpty());
    }

    // --- the operator's and the upstream's trouble ---

    @Test
    void aMissingCredentialIs503NamingTheVariableAndNothingIsForwarded() throws Exception {
        Reply r = fx.get("/proxy/unset/v1/volumes/vol-7f3a-stg", staging);
        assertEquals(503, r.status(), r.body());
        assertTrue(r.header("Content-Type").startsWith("application/problem+json"), r.header("Content-Type"));
        assertEquals("credential_unavailable", r.json().get("code").asText());
        assertTrue(r.json().get("detail").asText().contains("environment variable " + ProxyFixture.UNSET_VARIABLE
                + " is not set"), r.body());
        assertTrue(fx.upstream.received().isEmpty());
    }

    @Test
    void anUnreachableUpstreamIs502() throws Exception {
        Reply r = fx.get("/proxy/down/v1/volumes/vol-7f3a-stg", staging);
        assertEquals(502, r.status(), r.body());
        assertEquals("upstream_unreachable", r.json().get("code").asText());
        assertTrue(r.header("Content-Type").startsWith("application/problem+json"));
    }

    // --- audit ---

    @Test
    void everyProxiedCallIsOneAuditEventWithoutBodyOrCredential() throws Exception {
        int before = fx.proxyEvents().size();
        String marker = "bodyMarker4b1d";
        fx.graphql(staging, gql("query { volume(id: \"vol-7f3a-stg\") { id " + marker + " } }"));
        fx.graphql(staging, gql("mutation { volumeDelete(volumeId: \"vol-7f3a\") } # " + marker));
        fx.get("/proxy/generic-rest/v1/volumes/vol-7f3a-stg", null);
        fx.get("/proxy/nope/x", staging);

        List<JsonNode> events = fx.proxyEvents();
        assertEquals(before + 4, events.size(), events.toString());
        JsonNode allowed = events.get(before);
        assertTrue(allowed.get("allowed").asBoolean(), allowed.toString());
        assertEquals("railway", allowed.get("provider").asText());
        assertEquals("POST", allowed.get("method").asText());
        assertEquals("/graphql/v2", allowed.get("path").asText());
        assertEquals("[\"query volume\"]", allowed.get("operations").toString());
        assertEquals("[\"volume:read\"]", allowed.get("scopes").toString());
        assertEquals("[\"vol-7f3a-stg\"]", allowed.get("resources").toString());
        assertEquals("coding-agent", allowed.get("client_id").asText());
        assertEquals("staging", allowed.get("env").asText());
        assertEquals(BadInputBatteryTest.jti(staging), allowed.get("jti").asText());

        JsonNode refused = events.get(before + 1);
        assertFalse(refused.get("allowed").asBoolean());
        assertEquals("resource_in_other_environment", refused.get("code").asText());
        assertEquals("[\"volume:delete\"]", refused.get("scopes").toString());
        assertEquals("[\"vol-7f3a\"]", refused.get("resources").toString());
        assertEquals("token_missing", events.get(before + 2).get("code").asText());
        assertEquals("unknown_provider", events.get(before + 3).get("code").asText());

        String log = String.join("\n", fx.airlock.auditLines());
        assertFalse(log.contains(marker), "a request body reached the audit log");
        assertFalse(log.contains(CREDENTIAL), "the provider credential reached the audit log");
        assertFalse(log.contains(staging), "the agent's token reached the audit log");
    }

    // --- helpers ---

    /** A 403 problem with this code, and the upstream received nothing. */
    static JsonNode forbidden(Reply r, String code) {
        assertEquals(403, r.status(), r.body());
        assertTrue(r.header("Content-Type").startsWith("application/problem+json"), r.header("Content-Type"));
        JsonNode p = r.json();
        assertEquals(code, p.get("code").asText(), r.body());
        assertEquals(p.get("detail").asText(), p.get("reason").asText());
        assertTrue(fx.upstream.received().isEmpty(), "upstream received " + fx.upstream.received());
        return p;
    }

    static void unauthenticated(Reply r, String code) {
        assertEquals(401, r.status(), r.body());
        assertEquals("Bearer realm=\"airlock\", error=\"invalid_token\"", r.header("WWW-Authenticate"));
        assertEquals(code, r.json().get("code").asText(), r.body());
        assertTrue(fx.upstream.received().isEmpty(), "upstream received " + fx.upstream.received());
    }
}
