package dev.airlock.http;

import static dev.airlock.testing.ProxyFixture.gql;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jwt.SignedJWT;
import dev.airlock.testing.ProxyFixture;
import dev.airlock.testing.ProxyFixture.RawReply;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestAirlock.OpsUser;
import dev.airlock.testing.TestAirlock.Reply;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One canonical identity per resource (issue 12), over HTTP against the recording upstream: no spelling of production's
 * {@code vol-7f3a} that a provider or its framework would resolve to it gets a staging token through the proxy, and
 * nothing reaches the upstream for any refusal. The agent holds a staging token with {@code volume:read volume:write}.
 * {@code generic-rest} declares lower-case ids; {@code keyed} (a REST provider of the fixture) and {@code railway}
 * declare none, so the default id syntax applies there and ownership alone must catch a change of case.
 */
class ResourceSpellingTest {
    static ProxyFixture fx;
    static String token;

    @BeforeAll
    static void start() throws Exception {
        fx = ProxyFixture.start();
        token = fx.token("staging", "volume:read volume:write");
    }

    @AfterAll
    static void stop() throws Exception {
        fx.close();
    }

    @BeforeEach
    void freshUpstream() {
        fx.upstream.clear();
    }

    // --- REST paths ---

    @Test
    void restPathWhenProductionVolumeIsSpelledInCapitalsThenRefusedAsProductionsNothingForwarded() throws Exception {
        RawReply r = refused(raw("GET", "/proxy/keyed/v1/volumes/VOL-7F3A"), "resource_in_other_environment");
        assertEquals("resource vol-7f3a belongs to production, and this token is for staging",
                TestAirlock.JSON.readTree(r.body()).get("reason").asText());
        refused(raw("GET", "/proxy/keyed/v1/volumes/VOL%2D7F3A"), "resource_in_other_environment");
        refused(raw("GET", "/proxy/keyed/v1/volumes/vol%2D7f3a"), "resource_in_other_environment");
    }

    @Test
    void restPathWhenTheProviderDeclaresLowerCaseIdsThenOtherSpellingsAreNotIds() throws Exception {
        refused(raw("PATCH", "/proxy/generic-rest/v1/volumes/VOL-7F3A"), "bad_resource");
        refused(raw("PATCH", "/proxy/generic-rest/v1/volumes/Vol-7f3a"), "bad_resource");
    }

    @ParameterizedTest
    @ValueSource(strings = {"vol-7f3a.json", "vol-7f3a.JSON", "vol-7f3a:patch", "vol-7f3a~1"})
    void restPathWhenAFrameworkWouldStripOrReinterpretPartOfTheIdThenBadResource(String id) throws Exception {
        refused(raw("PATCH", "/proxy/generic-rest/v1/volumes/" + id), "bad_resource");
        refused(raw("GET", "/proxy/keyed/v1/volumes/" + id), "bad_resource");
    }

    @ParameterizedTest
    @ValueSource(strings = {"vol-7f3a;v=1", "vol-7f3a%3Bv=1", "vol-7f3a%20", "vol-7f3a%0A", "vol-7f3a%09",
            "%EF%BD%96%EF%BD%8F%EF%BD%8C-%EF%BC%97%EF%BD%86%EF%BC%93%EF%BD%81", "vol-7f3a%2Ejson", "vol-7f3a%25"})
    void restPathWhenTheSegmentCouldBeReadAnotherWayThenBadPath(String id) throws Exception {
        refused(raw("PATCH", "/proxy/generic-rest/v1/volumes/" + id), "bad_path");
    }

    @Test
    void restPathWhenAStagingIdIsSentInAnotherCaseThenAllowedAndForwardedAsSent() throws Exception {
        RawReply ok = raw("GET", "/proxy/keyed/v1/volumes/VOL-7F3A-STG");
        assertEquals(200, ok.status(), ok.text());
        assertEquals("/v1/volumes/VOL-7F3A-STG", fx.upstream.only().target(), "the id goes upstream as sent");
    }

    // --- REST query parameters and bodies ---

    @ParameterizedTest
    @ValueSource(strings = {"volumeId[]", "volumeId%5B%5D", "volumeId[0]", "VOLUMEID", "volume%49d", "volumeId[x]"})
    void restQueryWhenAnotherSpellingOfTheParameterCarriesProductionsVolumeThenAmbiguous(String name) throws Exception {
        refused(raw("GET", "/proxy/generic-rest/v1/snapshots?volumeId=vol-7f3a-stg&" + name + "=vol-7f3a"), "bad_request");
    }

    @Test
    void restQueryWhenTheIdIsNotAnIdOfTheProviderThenBadResourceAndTheHonestQueryIsForwarded() throws Exception {
        refused(raw("GET", "/proxy/generic-rest/v1/snapshots?volumeId=vol-7f3a.json"), "bad_resource");
        refused(raw("GET", "/proxy/generic-rest/v1/snapshots?volumeId=VOL-7F3A"), "bad_resource");
        refused(raw("GET", "/proxy/generic-rest/v1/snapshots?volumeId[]=vol-7f3a"), "resource_in_other_environment");
        RawReply ok = raw("GET", "/proxy/generic-rest/v1/snapshots?volumeId=vol-7f3a-stg&limit=5");
        assertEquals(200, ok.status(), ok.text());
        assertEquals("/v1/snapshots?volumeId=vol-7f3a-stg&limit=5", fx.upstream.only().target());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"volume\":{\"id\":\"vol-7f3a-stg\",\"ID\":\"vol-7f3a\"}}",
            "{\"volume\":{\"id\":\"vol-7f3a-stg\"},\"VOLUME\":{\"id\":\"vol-7f3a\"}}",
            "{\"volume\":{\"Id\":\"vol-7f3a\"}}"})
    void restBodyWhenAnotherSpellingOfTheKeyCarriesProductionsVolumeThenAmbiguous(String body) throws Exception {
        refused(fx.call("POST", "/proxy/generic-rest/v1/attachments", token, "application/json", body.getBytes(UTF_8)),
                "bad_request");
    }

    @Test
    void restBodyWhenTheIdIsNotAnIdOfTheProviderThenBadResource() throws Exception {
        refused(fx.call("POST", "/proxy/generic-rest/v1/attachments", token, "application/json",
                "{\"volume\":{\"id\":\"vol-7f3a.json\"}}".getBytes(UTF_8)), "bad_resource");
    }

    // --- GraphQL ---

    @Test
    void graphqlWhenProductionVolumeIsSpelledInCapitalsThenRefusedAsProductions() throws Exception {
        Reply r = refused(fx.graphql(token, gql("{ volume(id: \"VOL-7F3A\") { id } }")), "resource_in_other_environment");
        assertEquals("resource vol-7f3a belongs to production, and this token is for staging", r.json().get("reason").asText());
        refused(fx.graphql(token, gql("mutation { volumeDelete(volumeId: \"Vol-7F3a\") }")), "resource_in_other_environment");
        refused(fx.graphql(token, gql("query Q($id: String!) { volume(id: $id) { id } }", "Q", Map.of("id", "VOL-7F3A"))),
                "resource_in_other_environment");
    }

    @Test
    void graphqlWhenTheIdCouldBeReadAsAnotherIdThenBadResource() throws Exception {
        refused(fx.graphql(token, gql("{ volume(id: \"vol-7f3a.json\") { id } }")), "bad_resource");
        refused(fx.graphql(token, gql("{ volume(id: \"vol-7f3a \") { id } }")), "bad_resource");
        refused(fx.graphql(token, gql("{ volume(id: \"\uFF56\uFF4F\uFF4C-\uFF17\uFF46\uFF13\uFF41\") { id } }")), "bad_resource");
    }

    @Test
    void graphqlWhenAVariableIsAlsoGivenInAnotherSpellingThenAmbiguous() throws Exception {
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put("id", "vol-7f3a-stg");
        variables.put("ID", "vol-7f3a");
        refused(fx.graphql(token, gql("query Q($id: String!) { volume(id: $id) { id } }", "Q", variables)), "bad_request");
        String honest = gql("query Q($id: String!) { volume(id: $id) { id } }", "Q", Map.of("id", "vol-7f3a-stg"));
        Reply ok = fx.graphql(token, honest);
        assertEquals(200, ok.status(), ok.body());
        assertEquals(honest, fx.upstream.only().bodyText());
    }

    // --- a grant names one identity ---

    @Test
    void grantWhenRequestedInAnotherSpellingThenStoredCanonicalAndUsableInAnySpellingOnce() throws Exception {
        TestAirlock a = fx.airlock;
        OpsUser bob = a.addOps("bob-spelling", "prod-ops");
        OpsUser eve = a.addOps("eve-spelling", "prod-ops");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("environment", "production");
        body.put("scopes", List.of("volume:delete"));
        body.put("resources", List.of("VOL-7F3A", "vol-7f3a"));
        body.put("reason", "vol-7f3a is an orphaned copy of the old primary; deleting it frees the quota");
        Reply filed = a.agentPost("/v1/grants", fx.basic, body);
        assertEquals(201, filed.status(), filed.body());
        String id = filed.json().get("auth_req_id").asText();
        assertEquals(List.of("vol-7f3a"), List.of(TestAirlock.JSON.convertValue(
                a.agentGet("/v1/grants/" + id, fx.basic).json().get("resources"), String[].class)));
        for (OpsUser who : List.of(bob, eve)) {
            Reply approved = a.opsPost("/v1/grants/" + id + "/approve", a.opsSignIn(who), Map.of("code", a.freshCode(who)));
            assertEquals(200, approved.status(), approved.body());
        }
        Reply polled = a.postForm("/oauth2/token", fx.basic, Map.of("grant_type", "urn:openid:params:grant-type:ciba",
                "auth_req_id", id));
        assertEquals(200, polled.status(), polled.body());
        String grantToken = polled.json().get("access_token").asText();
        assertEquals(List.of("vol-7f3a"), SignedJWT.parse(grantToken).getJWTClaimsSet().getJSONObjectClaim("grant").get("resources"));

        String mutation = gql("mutation { volumeDelete(volumeId: \"VOL-7F3A\") }");
        Reply ok = fx.graphql(grantToken, mutation);
        assertEquals(200, ok.status(), ok.body());
        assertEquals(mutation, fx.upstream.only().bodyText(), "forwarded as sent");
        fx.upstream.clear();
        refused(fx.graphql(grantToken, gql("mutation { volumeDelete(volumeId: \"vol-7f3a\") }")), "grant_used");
    }

    @Test
    void grantWhenAResourceFoldsIntoAGlobThenRefusedAsNotAnExactId() throws Exception {
        // A full-width star (U+FF0A) folds into '*': vol-dev-＊ would be a grant whose one resource reads as a glob.
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("environment", "dev");
        body.put("scopes", List.of("volume:delete"));
        body.put("resources", List.of("vol-dev-\uFF0A"));
        body.put("reason", "vol-dev volumes are scratch copies nobody uses; deleting them frees the quota");
        Reply r = fx.airlock.agentPost("/v1/grants", fx.basic, body);
        assertEquals(400, r.status(), r.body());
        assertEquals("resources", r.json().get("code").asText(), r.body());
    }

    // --- helpers ---

    private static RawReply raw(String method, String target) throws Exception {
        return fx.raw(method + " " + target + " HTTP/1.1\r\nAuthorization: Bearer " + token, null);
    }

    private static RawReply refused(RawReply r, String code) throws Exception {
        assertEquals(403, r.status(), r.text());
        JsonNode p = TestAirlock.JSON.readTree(r.body());
        assertEquals(code, p.get("code").asText(), r.text());
        assertTrue(fx.upstream.received().isEmpty(), "upstream received " + fx.upstream.received());
        return r;
    }

    private static Reply refused(Reply r, String code) {
        assertEquals(403, r.status(), r.body());
        assertEquals(code, r.json().get("code").asText(), r.body());
        assertTrue(fx.upstream.received().isEmpty(), "upstream received " + fx.upstream.received());
        return r;
    }
}
