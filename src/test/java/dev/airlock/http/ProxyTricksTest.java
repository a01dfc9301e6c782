package dev.airlock.http;

import static dev.airlock.testing.ProxyFixture.gql;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.testing.ProxyFixture;
import dev.airlock.testing.ProxyFixture.RawReply;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestAirlock.Reply;
import dev.airlock.testing.UpstreamRecorder;
import java.net.URLEncoder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * No tricks get through (issue 4, item 4), proved over HTTP against the recording upstream. The mapping of each trick
 * is unit-tested in {@code core/proxy}; here each is shown refused <em>with the upstream receiving nothing</em>, or,
 * where the request is honest and allowed, the upstream receiving exactly the bytes that were checked.
 *
 * <p>The agent holds a staging token with {@code volume:read volume:write}; {@code vol-7f3a-stg} is staging's and
 * {@code vol-7f3a} production's.
 */
class ProxyTricksTest {
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

    // --- GraphQL ---

    @Test
    void anAliasDoesNotHideTheFieldItNames() throws Exception {
        refused(fx.graphql(token, gql("mutation { keep: volumeDelete(volumeId: \"vol-7f3a-stg\") }")), "scope_missing");
        refused(fx.graphql(token, gql("query { mine: volume(id: \"vol-7f3a\") { id } }")), "resource_in_other_environment");
    }

    @Test
    void fragmentsAreExpandedBeforeDeciding() throws Exception {
        refused(fx.graphql(token, gql("mutation { ...F } fragment F on Mutation { volumeDelete(volumeId: \"vol-7f3a-stg\") }")),
                "scope_missing");
        refused(fx.graphql(token, gql("query { ... on Query { volume(id: \"vol-7f3a\") { id } } }")),
                "resource_in_other_environment");
    }

    @Test
    void everyOperationIsDecidedNotOnlyTheOneOperationNameSelects() throws Exception {
        refused(fx.graphql(token, gql("query Look { volume(id: \"vol-7f3a-stg\") { id } }"
                + " mutation Kill { volumeDelete(volumeId: \"vol-7f3a-stg\") }", "Look", null)), "scope_missing");
        refused(fx.graphql(token, gql("query A { volume(id: \"vol-7f3a-stg\") { id } }"
                + " query B { volume(id: \"vol-7f3a\") { id } }", "A", null)), "resource_in_other_environment");
        refused(fx.graphql(token, gql("query A { volume(id: \"vol-7f3a-stg\") { id } }"
                + " query B { volume(id: \"vol-7f3a-stg\") { id } }")), "graphql_operation");
    }

    @Test
    void aBatchIsAllowedWholeOrRefusedWhole() throws Exception {
        String honest = gql("{ volume(id: \"vol-7f3a-stg\") { id } }");
        String sneaky = gql("{ volume(id: \"vol-7f3a\") { id } }");
        refused(fx.graphql(token, "[" + honest + "," + sneaky + "]"), "resource_in_other_environment");
        refused(fx.graphql(token, "[" + honest + "," + gql("mutation { volumeDelete(volumeId: \"vol-7f3a-stg\") }") + "]"),
                "scope_missing");

        String batch = "[" + honest + ", " + gql("{ b: volume(id: \"vol-7f3a-stg\") { name } }") + "]";
        forwardedExactly(fx.graphql(token, batch), "POST", "/graphql/v2", batch.getBytes(UTF_8));
    }

    @Test
    void aMutationSentByGetIsRefusedAndAQueryByGetIsForwardedAsSent() throws Exception {
        refused(fx.get("/proxy/railway/graphql/v2?query=" + enc("mutation { volumeDelete(volumeId: \"vol-7f3a-stg\") }"),
                token), "graphql_mutation_via_get");
        String target = "/graphql/v2?query=" + enc("{ volume(id: \"vol-7f3a-stg\") { id } }");
        forwardedExactly(fx.get("/proxy/railway" + target, token), "GET", target, new byte[0]);
    }

    @Test
    void introspectionIsRefused() throws Exception {
        refused(fx.graphql(token, gql("{ __schema { types { name } } }")), "graphql_introspection");
        refused(fx.graphql(token, gql("{ volume(id: \"vol-7f3a-stg\") { id } t: __type(name: \"Volume\") { name } }")),
                "graphql_introspection");
    }

    @Test
    void aPersistedQueryHashIsRefusedWithOrWithoutADocument() throws Exception {
        String ext = "\"extensions\":{\"persistedQuery\":{\"version\":1,\"sha256Hash\":"
                + "\"ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38\"}}";
        refused(fx.graphql(token, "{" + ext + "}"), "graphql_persisted_query");
        refused(fx.graphql(token, "{\"query\":\"{ volume(id: \\\"vol-7f3a-stg\\\") { id } }\"," + ext + "}"),
                "graphql_persisted_query");
    }

    @Test
    void anIdHeldInAVariableIsDecidedLikeALiteral() throws Exception {
        String doc = "query Look($id: String!) { volume(id: $id) { id } }";
        refused(fx.graphql(token, gql(doc, "Look", Map.of("id", "vol-7f3a"))), "resource_in_other_environment");
        refused(fx.graphql(token, gql("mutation Kill($v: String!) { volumeDelete(volumeId: $v) }", null,
                Map.of("v", "vol-7f3a"))), "resource_in_other_environment");
        String honest = gql(doc, "Look", Map.of("id", "vol-7f3a-stg"));
        forwardedExactly(fx.graphql(token, honest), "POST", "/graphql/v2", honest.getBytes(UTF_8));
    }

    // --- REST paths, methods and headers (raw requests: these bytes exactly, whatever a client library would do) ---

    @Test
    void percentEncodingIsDecodedOnceForTheDecisionAndForwardedUntouched() throws Exception {
        refused(raw("GET", "/proxy/generic-rest/v1/volumes/vol%2D7f3a"), "resource_in_other_environment");
        refused(raw("GET", "/proxy/generic-rest/v1/volumes/vol%2d7f3a"), "resource_in_other_environment");
        refused(raw("GET", "/proxy/generic-rest/v1/volumes/vol-7f3a-stg%2F..%2Fvol-7f3a"), "bad_path");
        refused(raw("GET", "/proxy/generic-rest/v1/volumes/vol%252D7f3a"), "bad_path");
        refused(raw("GET", "/proxy/generic-rest/v1/volumes/vol-7f3a%3Bstg"), "bad_path");

        RawReply ok = raw("GET", "/proxy/generic-rest/v1/volumes/vol%2D7f3a-stg");
        assertEquals(200, ok.status(), ok.text());
        assertEquals("/v1/volumes/vol%2D7f3a-stg", fx.upstream.only().target(), "forwarded as sent, not re-encoded");
    }

    @Test
    void caseVariantsOfPathsMethodsAndParametersAreRefused() throws Exception {
        refused(raw("GET", "/proxy/generic-rest/V1/Volumes/vol-7f3a-stg"), "unmapped_request");
        refused(raw("delete", "/proxy/generic-rest/v1/volumes/vol-7f3a-stg"), "bad_method");
        refused(raw("Delete", "/proxy/generic-rest/v1/volumes/vol-7f3a-stg"), "bad_method");
        refused(raw("GET", "/proxy/generic-rest/v1/snapshots?volumeId=vol-7f3a-stg&VolumeId=vol-7f3a"), "bad_request");
        refused(raw("GET", "/proxy/generic-rest/v1/snapshots?volumeId=vol-7f3a-stg&volumeId=vol-7f3a"), "bad_request");
    }

    @Test
    void dotSegmentsAndEmptySegmentsAreRefusedOnTheRawPath() throws Exception {
        refused(raw("GET", "/proxy/generic-rest/v1/volumes/../volumes/vol-7f3a"), "bad_path");
        refused(raw("GET", "/proxy/generic-rest/v1/volumes/vol-7f3a-stg/.."), "bad_path");
        refused(raw("GET", "/proxy/generic-rest/v1//volumes/vol-7f3a-stg"), "bad_path");
        refused(raw("GET", "/proxy/generic-rest//v1/volumes/vol-7f3a-stg"), "bad_path");
        refused(raw("GET", "/proxy/generic-rest/v1/volumes/vol-7f3a-stg/"), "bad_path");
        // Normalised, this is /v1/check: the proxy must not let the router resolve it into another endpoint.
        refused(raw("POST", "/proxy/generic-rest/../../v1/check"), "bad_path");
        // And the reverse: normalised, this is a proxy path, but on the wire it is not one.
        RawReply outside = raw("GET", "/x/../proxy/generic-rest/v1/volumes/vol-7f3a-stg");
        assertEquals(404, outside.status(), outside.text());
        assertTrue(fx.upstream.received().isEmpty());
    }

    @Test
    void methodOverrideHeadersAndParametersAreRefused() throws Exception {
        byte[] body = "{\"volume\":{\"id\":\"vol-7f3a-stg\"},\"service\":{\"id\":\"svc-api-stg\"}}".getBytes(UTF_8);
        for (String header : List.of("X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override", "x-http-method-override")) {
            refused(fx.call("POST", "/proxy/generic-rest/v1/attachments", token, "application/json", body, header, "DELETE"),
                    "method_override");
        }
        refused(fx.call("POST", "/proxy/generic-rest/v1/attachments?_method=DELETE", token, "application/json", body),
                "method_override");
        // The same request without the override is allowed: it was the override that was refused.
        forwardedExactly(fx.call("POST", "/proxy/generic-rest/v1/attachments", token, "application/json", body),
                "POST", "/v1/attachments", body);
    }

    @Test
    void oversizedBodiesAreRefusedBeforeAnythingIsDecided() throws Exception {
        byte[] big = new byte[ProxyHandler.MAX_BODY + 1];
        java.util.Arrays.fill(big, (byte) ' ');
        RawReply declared = fx.raw("POST /proxy/railway/graphql/v2 HTTP/1.1\r\nAuthorization: Bearer " + token
                + "\r\nContent-Type: application/json", big);
        assertEquals(413, declared.status(), declared.text());
        assertEquals("body_too_large", TestAirlock.JSON.readTree(declared.body()).get("code").asText());

        // Chunked: no length announced, the limit is counted as the body arrives.
        StringBuilder head = new StringBuilder("POST /proxy/railway/graphql/v2 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Authorization: Bearer " + token + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                + "Connection: close\r\n\r\n");
        java.io.ByteArrayOutputStream chunked = new java.io.ByteArrayOutputStream();
        chunked.writeBytes(head.toString().getBytes(UTF_8));
        for (int sent = 0; sent <= ProxyHandler.MAX_BODY; sent += 65536) {
            chunked.writeBytes("10000\r\n".getBytes(UTF_8));
            chunked.writeBytes(new byte[65536]);
            chunked.writeBytes("\r\n".getBytes(UTF_8));
        }
        chunked.writeBytes("0\r\n\r\n".getBytes(UTF_8));
        RawReply streamed = fx.rawExact(chunked.toByteArray());
        assertEquals(413, streamed.status(), streamed.text());

        // Under the proxy's limit but over the GraphQL parser's: refused by the mapper, not a crash.
        String doc = "{ volume(id: \"vol-7f3a-stg\") { id } }" + " ".repeat(300_000);
        refused(fx.graphql(token, gql(doc)), "graphql_syntax");
        assertTrue(fx.upstream.received().isEmpty());
    }

    // --- helpers ---

    private static RawReply raw(String method, String target) throws Exception {
        return fx.raw(method + " " + target + " HTTP/1.1\r\nAuthorization: Bearer " + token, null);
    }

    private static void refused(Reply r, String code) {
        assertEquals(403, r.status(), r.body());
        assertEquals(code, r.json().get("code").asText(), r.body());
        assertTrue(fx.upstream.received().isEmpty(), "upstream received " + fx.upstream.received());
    }

    private static void refused(RawReply r, String code) throws Exception {
        assertEquals(403, r.status(), r.text());
        JsonNode p = TestAirlock.JSON.readTree(r.body());
        assertEquals(code, p.get("code").asText(), r.text());
        assertTrue(fx.upstream.received().isEmpty(), "upstream received " + fx.upstream.received());
    }

    /** Allowed, and the upstream received exactly this one request, byte for byte as checked. */
    private static void forwardedExactly(Reply r, String method, String target, byte[] body) {
        assertEquals(200, r.status(), r.body());
        UpstreamRecorder.Received got = fx.upstream.only();
        assertEquals(method, got.method());
        assertEquals(target, got.target());
        assertArrayEquals(body, got.body());
        fx.upstream.clear();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, UTF_8).replace("+", "%20");
    }
}
