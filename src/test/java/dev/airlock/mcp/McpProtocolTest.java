package dev.airlock.mcp;

import static dev.airlock.testing.McpFixture.GATEWAY;
import static dev.airlock.testing.McpFixture.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.core.mcp.JsonRpc;
import dev.airlock.testing.McpFixture;
import dev.airlock.testing.TestAirlock.Reply;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the gateway does with each kind of MCP message besides a decided tools/call: tools/list filtered by the token,
 * the methods it does not relay, notifications, routing headers, malformed JSON-RPC (never a 5xx), and its upstream
 * session (SSE answers, paging, a session the upstream ended, an upstream that is down).
 */
class McpProtocolTest {
    McpFixture fx;

    @BeforeEach
    void start() throws Exception {
        fx = McpFixture.start();
    }

    @AfterEach
    void stop() throws Exception {
        fx.close();
    }

    private List<String> listed(String token) {
        try (McpSyncClient client = fx.client(token)) {
            return client.listTools().tools().stream().map(McpSchema.Tool::name).toList();
        }
    }

    @Test
    void toolsListAnswersOnlyTheToolsTheTokenCouldCallWithTheirRisk() throws Exception {
        assertEquals(List.of("list_volumes", "get_volume"), listed(fx.token("staging", "volume:read")));
        assertEquals(List.of("list_volumes", "get_volume", "create_snapshot"),
                listed(fx.token("staging", "volume:read volume:write")));
        try (McpSyncClient client = fx.client(fx.token("staging", "volume:read"))) {
            McpSchema.Tool get = client.listTools().tools().get(1);
            assertEquals("Read one volume.", get.description());
            assertEquals("volume:read", get.meta().get("dev.airlock/scope"));
            assertEquals("allowed", get.meta().get("dev.airlock/risk"));
        }
    }

    @Test
    void toolsListFollowsTheUpstreamsPagesAndNeverListsUnmappedTools() throws Exception {
        fx.upstream.pageSize(2);
        List<String> tools = listed(fx.token("staging", "volume:read volume:write"));
        assertEquals(List.of("list_volumes", "get_volume", "create_snapshot"), tools);
        assertFalse(tools.contains("run_shell"));
        assertEquals(3, fx.upstream.received().stream().filter(r -> r.method().equals("tools/list")).count());
    }

    @Test
    void resourcesPromptsCompletionAndLoggingAreMethodNotFoundAndNeverRelayed() throws Exception {
        String token = fx.token("staging", null);
        for (String method : List.of("resources/list", "resources/read", "prompts/list", "prompts/get",
                "completion/complete", "logging/setLevel", "sampling/createMessage")) {
            Reply r = fx.post(GATEWAY, token, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"" + method + "\"}");
            assertEquals(200, r.status(), method + ": " + r.body());
            assertEquals(JsonRpc.METHOD_NOT_FOUND, r.json().get("error").get("code").asInt(), r.body());
            assertEquals(3, r.json().get("id").asInt());
        }
        assertTrue(fx.upstream.received().stream().noneMatch(r -> !r.method().equals("initialize")
                && !r.method().startsWith("notifications/")), "relayed upstream");
    }

    @Test
    void notificationsAndClientResponsesAre202AndNotRelayed() throws Exception {
        String token = fx.token("staging", null);
        Reply n = fx.post(GATEWAY, token, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{}}");
        assertEquals(202, n.status(), n.body());
        Reply response = fx.post(GATEWAY, token, "{\"jsonrpc\":\"2.0\",\"id\":9,\"result\":{}}");
        assertEquals(202, response.status(), response.body());
        assertTrue(fx.upstream.received().isEmpty());
    }

    @Test
    void getAndDeleteAre405WithAllowPost() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (String method : List.of("GET", "DELETE")) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(fx.gatewayUrl(GATEWAY)))
                    .header("Authorization", "Bearer " + fx.token("staging", null))
                    .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(405, r.statusCode(), method);
            assertEquals("POST", r.headers().firstValue("Allow").orElse(""));
        }
    }

    @Test
    void routingHeadersThatDisagreeWithTheBodyAre400AndNothingIsCalled() throws Exception {
        String token = fx.token("staging", "volume:read volume:write");
        String body = call("get_volume", "{\"volumeId\":\"vol-7f3a-stg\"}");
        Reply name = fx.post(GATEWAY, token, body, "Mcp-Method", "tools/call", "Mcp-Name", "create_snapshot");
        assertEquals(400, name.status(), name.body());
        assertEquals(JsonRpc.INVALID_REQUEST, name.json().get("error").get("code").asInt());
        Reply method = fx.post(GATEWAY, token, body, "Mcp-Method", "tools/list");
        assertEquals(400, method.status(), method.body());
        Reply param = fx.post(GATEWAY, token, body, "Mcp-Param-VolumeId", "vol-7f3a");
        assertEquals(400, param.status(), param.body());
        assertTrue(fx.upstream.calls().isEmpty());

        Reply agreeing = fx.post(GATEWAY, token, body, "Mcp-Method", "tools/call", "Mcp-Name", "get_volume",
                "Mcp-Param-VolumeId", "vol-7f3a-stg");
        assertEquals(200, agreeing.status(), agreeing.body());
        assertEquals(1, fx.upstream.calls().size());
        // The upstream gets none of the client's routing headers: only what Airlock wrote.
        assertTrue(fx.upstream.calls().get(0).header("Mcp-Param-VolumeId").isEmpty());
    }

    @Test
    void malformedJsonRpcIsAJsonRpcErrorAndNeverA5xx() throws Exception {
        String token = fx.token("staging", null);
        List<String> bodies = List.of("", "not json", "[" + call("get_volume", "{\"volumeId\":\"vol-7f3a-stg\"}") + "]",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"get_volume\","
                        + "\"name\":\"delete_volume\"}}",
                "{\"id\":1,\"method\":\"tools/call\"}",
                "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"tools/call\"}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":[]}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"extra\":1}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{}}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":5}}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"get_volume\","
                        + "\"arguments\":[1]}}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"get_volume\","
                        + "\"arguments\":{\"volumeId\":\"vol-7f3a-stg\",\"VolumeId\":\"vol-7f3a\"}}}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"get_volume\","
                        + "\"arguments\":{\"volumeId\":null}}}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"get_volume\","
                        + "\"arguments\":{\"volumeId\":{\"id\":\"vol-7f3a-stg\"}}}}",
                "{".repeat(5000));
        for (String body : bodies) {
            Reply r = fx.post(GATEWAY, token, body);
            assertTrue(r.status() < 500, r.status() + " for " + body);
            JsonNode error = r.json().get("error");
            assertNotNull(error, body + " -> " + r.body());
            assertEquals("2.0", r.json().get("jsonrpc").asText());
        }
        Reply big = fx.post(GATEWAY, token, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"x\":\""
                + "a".repeat(1 << 20) + "\"}}");
        assertEquals(413, big.status());
        assertNotNull(big.json().get("error"), big.body());
        Reply type = fx.post(GATEWAY, token, "x=1", "Content-Type", "application/x-www-form-urlencoded");
        assertTrue(type.status() >= 400 && type.status() < 500, type.body());
        assertTrue(fx.upstream.calls().isEmpty());
    }

    @Test
    void anUpstreamAnsweringWithAnEventStreamIsReadToTheAnswerWithItsId() throws Exception {
        fx.upstream.sse(true);
        try (McpSyncClient client = fx.client(fx.token("staging", null))) {
            McpSchema.CallToolResult r = client.callTool(new McpSchema.CallToolRequest("get_volume",
                    Map.of("volumeId", "vol-7f3a-stg")));
            assertTrue(r.content().get(0).toString().contains("called get_volume"), r.toString());
        }
    }

    @Test
    void aSessionTheUpstreamEndedIsStartedAgain() throws Exception {
        String token = fx.token("staging", null);
        assertEquals(200, fx.post(GATEWAY, token, call("get_volume", "{\"volumeId\":\"vol-7f3a-stg\"}")).status());
        fx.upstream.endSessions();
        Reply again = fx.post(GATEWAY, token, call("get_volume", "{\"volumeId\":\"vol-7f3a-stg\"}"));
        assertNotNull(again.json().get("result"), again.body());
        assertEquals(2, fx.upstream.received().stream().filter(r -> r.method().equals("initialize")).count());
        // The first, the one the upstream answered 404 (old session), and the same again in the new session.
        assertEquals(3, fx.upstream.calls().size());
    }

    @Test
    void whenTheUpstreamsToolsCannotBeReadToolsCallFailsClosedWith503() throws Exception {
        String token = fx.token("/mcp/down-mcp", "staging", null);
        Reply r = fx.post("/mcp/down-mcp", token, call("get_volume", "{\"volumeId\":\"vol-7f3a-stg\"}"));
        assertEquals(503, r.status(), r.body());
        assertNotNull(r.header("Retry-After"));
        assertEquals(JsonRpc.UNAVAILABLE, r.json().get("error").get("code").asInt(), r.body());
        assertEquals(7, r.json().get("id").asInt());
    }

    @Test
    void aCallRefusedWhateverTheUpstreamSaysIsRefusedEvenWhileItsToolsCannotBeRead() throws Exception {
        // The upstream's destructiveHint can only make a call stricter: production's volume with a staging token is
        // refused as such, at once, and not turned into "try again later" by an upstream that is down.
        String token = fx.token("/mcp/down-mcp", "staging", null);
        Reply r = fx.post("/mcp/down-mcp", token, call("get_volume", "{\"volumeId\":\"vol-7f3a\"}"));
        assertEquals(200, r.status(), r.body());
        assertEquals(JsonRpc.FORBIDDEN, r.json().get("error").get("code").asInt(), r.body());
        assertTrue(r.json().get("error").get("message").asText().contains("production"), r.body());
        assertEquals(7, r.json().get("id").asInt());
    }

    @Test
    void aRefusedCallIsDecidedWithoutAskingTheUpstreamAnything() throws Exception {
        Reply r = fx.post(GATEWAY, fx.token("staging", null), call("get_volume", "{\"volumeId\":\"vol-7f3a\"}"));
        assertEquals(JsonRpc.FORBIDDEN, r.json().get("error").get("code").asInt(), r.body());
        assertTrue(fx.upstream.received().isEmpty(), "the upstream heard of a refused call: " + fx.upstream.received());
    }

    @Test
    void anUpstreamListingOneToolTwiceIsNotGuessedAt() throws Exception {
        List<com.fasterxml.jackson.databind.node.ObjectNode> tools = new java.util.ArrayList<>(
                dev.airlock.testing.McpRecorder.defaultTools());
        tools.add(dev.airlock.testing.McpRecorder.tool("get_volume", "Again, destructive.", "volumeId"));
        tools.get(tools.size() - 1).putObject("annotations").put("destructiveHint", true);
        fx.upstream.tools(tools);
        Reply r = fx.post(GATEWAY, fx.token("staging", null), call("get_volume", "{\"volumeId\":\"vol-7f3a-stg\"}"));
        assertEquals(503, r.status(), r.body());
        assertTrue(r.json().get("error").get("message").asText().contains("twice"), r.body());
        assertTrue(fx.upstream.calls().isEmpty());
    }

    @Test
    void initializeNegotiatesTheVersionAndAdvertisesToolsOnly() throws Exception {
        String token = fx.token("staging", null);
        Reply r = fx.post(GATEWAY, token, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
                + "{\"protocolVersion\":\"2025-03-26\",\"capabilities\":{},\"clientInfo\":{\"name\":\"c\",\"version\":\"1\"}}}");
        JsonNode result = r.json().get("result");
        assertEquals("2025-03-26", result.get("protocolVersion").asText());
        assertEquals(List.of("tools"), iterable(result.get("capabilities")));
        Reply future = fx.post(GATEWAY, token, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
                + "{\"protocolVersion\":\"2099-01-01\",\"capabilities\":{},\"clientInfo\":{\"name\":\"c\",\"version\":\"1\"}}}");
        assertEquals("2025-11-25", future.json().get("result").get("protocolVersion").asText());
        assertTrue(fx.upstream.received().isEmpty(), "initialize is answered by the gateway itself");
    }

    private static List<String> iterable(JsonNode object) {
        List<String> out = new java.util.ArrayList<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
