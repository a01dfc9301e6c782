package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestAirlock.Reply;
import java.net.http.HttpRequest;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Airlock's own MCP server ({@code POST /mcp}) on the wire: who may call it, and what every malformed or unexpected
 * message gets (a JSON-RPC error, never a 5xx, never HTML or problem details).
 */
class McpServerProtocolTest {
    TestAirlock airlock;
    String secret;
    String basic;

    @BeforeEach
    void start() throws Exception {
        airlock = TestAirlock.start();
        secret = airlock.issueSecret("coding-agent");
        basic = TestAirlock.basic("coding-agent", secret);
    }

    @AfterEach
    void stop() throws Exception {
        airlock.close();
    }

    Reply post(String authorization, String body, String... headers) throws Exception {
        HttpRequest.Builder b = airlock.request("/mcp").header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream").POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) b.header("Authorization", authorization);
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return airlock.send(b.build());
    }

    static String call(String tool, String arguments) {
        return "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool
                + "\",\"arguments\":" + arguments + "}}";
    }

    static JsonNode error(Reply r) {
        assertEquals("application/json", r.header("Content-Type"), r.body());
        assertEquals("2.0", r.json().get("jsonrpc").asText(), r.body());
        return r.json().get("error");
    }

    // --- authentication ---

    @Test
    void mcpWhenNoCredentialThen401WithBothChallengesAndAJsonRpcError() throws Exception {
        Reply r = post(null, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
        assertEquals(401, r.status(), r.body());
        assertEquals(McpHandler.CHALLENGE, r.header("WWW-Authenticate"));
        assertEquals(McpHandler.UNAUTHORIZED, error(r).get("code").asInt());
        assertTrue(error(r).get("message").asText().contains("do not look for another one"), r.body());
    }

    @Test
    void mcpWhenTheSecretIsWrongThen401AndRepeatedFailuresAreThrottled() throws Exception {
        String wrong = TestAirlock.basic("coding-agent", "not-the-secret");
        Reply r = post(wrong, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
        assertEquals(401, r.status(), r.body());
        assertNotNull(r.header("WWW-Authenticate"));
        for (int i = 0; i < 10 && r.status() != 429; i++) r = post(wrong, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
        assertEquals(429, r.status(), r.body());
        assertNotNull(r.header("Retry-After"), r.headers().toString());
        // Throttled even with the right secret now, as at the token endpoint: the guesser cannot tell.
        assertEquals(429, post(basic, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}").status());
    }

    @Test
    void mcpWhenAnOpsSessionIsPresentedThen403WrongRealm() throws Exception {
        var u = airlock.addOps("carol", "prod-ops");
        Reply r = post("Bearer " + airlock.opsSignIn(u), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
        assertEquals(403, r.status(), r.body());
        assertTrue(error(r).get("message").asText().contains("agents"), r.body());
    }

    @Test
    void mcpWhenABearerAccessTokenAuthenticatesThenItMayCheckButNeverMintAnotherToken() throws Exception {
        String jwt = airlock.token("coding-agent", secret, "staging", null)
                .json().get("access_token").asText();
        Reply checked = post("Bearer " + jwt, call("check", "{\"environment\":\"staging\",\"action\":\"db:read\"}"));
        assertEquals(200, checked.status(), checked.body());
        assertTrue(checked.json().get("result").get("structuredContent").get("allowed").asBoolean(), checked.body());

        Reply minted = post("Bearer " + jwt, call("get_token", "{\"environment\":\"production\"}"));
        assertEquals(200, minted.status(), minted.body());
        JsonNode result = minted.json().get("result");
        assertTrue(result.get("isError").asBoolean(), minted.body());
        assertEquals("client_credential_required", result.get("structuredContent").get("error").asText());
        assertFalse(airlock.auditLines().stream().anyMatch(l -> l.contains("\"type\":\"token.minted\"")
                && l.contains("\"env\":\"production\"")));
    }

    @Test
    void mcpWhenACrossSiteOriginSendsTheRequestThen403() throws Exception {
        Reply r = post(basic, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", "Origin", "https://evil.example");
        assertEquals(403, r.status(), r.body());
        assertEquals(-32003, error(r).get("code").asInt());
    }

    // --- the transport ---

    @Test
    void getOrDeleteOnMcpIs405AllowPost() throws Exception {
        for (String method : List.of("GET", "DELETE")) {
            Reply r = airlock.send(airlock.request("/mcp").header("Authorization", basic)
                    .method(method, HttpRequest.BodyPublishers.noBody()).build());
            assertEquals(405, r.status(), method + " " + r.body());
            assertEquals("POST", r.header("Allow"));
            assertEquals(-32600, error(r).get("code").asInt());
        }
    }

    @Test
    void initializeAnswersTheClientsVersionWhenSupportedElseTheLatestAndIssuesNoSession() throws Exception {
        Reply r = post(basic, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
                + "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}");
        assertEquals(200, r.status(), r.body());
        assertEquals("2025-06-18", r.json().get("result").get("protocolVersion").asText());
        assertNull(r.header("Mcp-Session-Id"));
        Reply old = post(basic, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
                + "\"1999-01-01\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}");
        assertEquals("2025-11-25", old.json().get("result").get("protocolVersion").asText());
    }

    @Test
    void notificationsAndClientResponsesAre202WithoutABody() throws Exception {
        Reply n = post(basic, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        assertEquals(202, n.status(), n.body());
        assertEquals("", n.body());
        Reply resp = post(basic, "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}");
        assertEquals(202, resp.status(), resp.body());
    }

    @Test
    void pingAnswersAnEmptyResult() throws Exception {
        Reply r = post(basic, "{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"ping\"}");
        assertEquals(200, r.status(), r.body());
        assertEquals("p", r.json().get("id").asText());
        assertEquals(0, r.json().get("result").size());
    }

    @Test
    void malformedMessagesGetJsonRpcErrorsNever5xx() throws Exception {
        record Case(String body, int code) {}
        List<Case> battery = List.of(
                new Case("{", -32700),
                new Case("", -32700),
                new Case("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"method\":\"tools/list\"}", -32700),
                new Case("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]", -32600),
                new Case("\"ping\"", -32600),
                new Case("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}", -32600),
                new Case("{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"ping\"}", -32600),
                new Case("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"extra\":1}", -32600),
                new Case("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":[1]}", -32602),
                new Case("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/list\"}", -32601),
                new Case("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/get\"}", -32601),
                new Case("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\"}", -32602),
                new Case("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":7}}", -32602),
                new Case("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"delete_volume\"}}",
                        -32602),
                new Case("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"check\","
                        + "\"argument\":{}}}", -32602));
        for (Case c : battery) {
            Reply r = post(basic, c.body());
            assertEquals(200, r.status(), c.body() + " -> " + r.body());
            assertEquals(c.code(), error(r).get("code").asInt(), c.body() + " -> " + r.body());
            assertFalse(error(r).get("message").asText().isEmpty());
        }
    }

    @Test
    void invalidToolArgumentsAreAToolErrorTheModelCanCorrect() throws Exception {
        List<String> bad = List.of("{}", "{\"environment\":7}", "{\"environment\":\"staging\",\"token\":\"x\"}",
                "{\"environment\":\"" + "s".repeat(65) + "\"}", "[]", "{\"environment\":\"staging\",\"scopes\":\"db:read\"}",
                "{\"environment\":\"staging\",\"scopes\":[7]}");
        for (String args : bad) {
            Reply r = post(basic, call("get_token", args));
            assertEquals(200, r.status(), args + " -> " + r.body());
            JsonNode result = r.json().get("result");
            assertTrue(result.get("isError").asBoolean(), args + " -> " + r.body());
            assertEquals("invalid_arguments", result.get("structuredContent").get("error").asText(), r.body());
        }
        assertFalse(airlock.auditLines().stream().anyMatch(l -> l.contains("\"type\":\"token.")),
                "nothing reached the token service");
    }

    @Test
    void transportFaultsAreJsonRpcErrorsWithTheirHttpStatus() throws Exception {
        Reply text = airlock.send(airlock.request("/mcp").header("Authorization", basic).header("Content-Type",
                "text/plain").POST(HttpRequest.BodyPublishers.ofString("{}")).build());
        assertEquals(415, text.status(), text.body());
        assertEquals(-32600, error(text).get("code").asInt());

        Reply version = post(basic, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", "MCP-Protocol-Version", "2024-01-01");
        assertEquals(400, version.status(), version.body());
        assertTrue(error(version).get("message").asText().contains("2025-11-25"), version.body());

        Reply large = post(basic, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"x\":\""
                + "a".repeat(BodyLimits.MCP) + "\"}}");
        assertEquals(413, large.status(), large.body());
        assertEquals(-32600, error(large).get("code").asInt());
    }

    @Test
    void checkWhenTheResourceBelongsToAnotherEnvironmentThenThatIsTheAnswerWithGuidanceForItsOwner() throws Exception {
        Reply r = post(basic, call("check", "{\"environment\":\"staging\",\"action\":\"volume:read\","
                + "\"resource\":\"vol-7f3a\"}"));
        JsonNode s = r.json().get("result").get("structuredContent");
        assertFalse(s.get("allowed").asBoolean(), r.body());
        assertEquals("resource_in_other_environment", s.get("code").asText(), r.body());

        Reply destructive = post(basic, call("check", "{\"environment\":\"staging\",\"action\":\"volume:delete\","
                + "\"resource\":\"vol-7f3a\"}"));
        JsonNode d = destructive.json().get("result").get("structuredContent");
        assertEquals("resource_in_other_environment", d.get("code").asText(), destructive.body());
        assertEquals("production", d.get("grant_request").get("fields").get("environment").asText(), destructive.body());

        Reply mine = post(basic, call("check", "{\"environment\":\"staging\",\"action\":\"volume:read\","
                + "\"resource\":\"vol-7f3a-stg\"}"));
        assertTrue(mine.json().get("result").get("structuredContent").get("allowed").asBoolean(), mine.body());
        assertTrue(airlock.auditLines().stream().anyMatch(l -> l.contains("\"type\":\"check\"")
                && l.contains("\"preview\":true") && l.contains("vol-7f3a-stg")), "the preview is audited");
    }

    @Test
    void requestGrantWhenRefusedThenAToolErrorWithTheReason() throws Exception {
        Reply r = post(basic, call("request_grant", "{\"environment\":\"production\",\"scopes\":[\"volume:delete\"],"
                + "\"resources\":[\"vol-7f3a\"],\"reason\":\"needed\"}"));
        JsonNode result = r.json().get("result");
        assertTrue(result.get("isError").asBoolean(), r.body());
        assertEquals("reason", result.get("structuredContent").get("error").asText(), r.body());
    }
}
