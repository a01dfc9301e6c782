package dev.airlock.mcp;

import static dev.airlock.testing.McpFixture.CREDENTIAL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.testing.McpFixture;
import dev.airlock.testing.McpRecorder;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The MCP gateway with the official SDK client against a recording upstream MCP server: an allowed call reaches the
 * upstream written by Airlock, with the provider's credential and nothing of the agent's request but the decided tool
 * and arguments; tools/list shows only what the token could call, with its risk.
 */
class McpGatewayTest {
    McpFixture fx;

    @BeforeEach
    void start() throws Exception {
        fx = McpFixture.start();
    }

    @AfterEach
    void stop() throws Exception {
        fx.close();
    }

    @Test
    void allowedReadToolReachesTheUpstreamWithTheProviderCredentialAndNeverTheAgentToken() throws Exception {
        String token = fx.token("staging", null);
        try (McpSyncClient client = fx.client(token)) {
            McpSchema.CallToolResult r = client.callTool(new McpSchema.CallToolRequest("get_volume",
                    Map.of("volumeId", "vol-7f3a-stg")));
            assertFalse(Boolean.TRUE.equals(r.isError()));
            assertTrue(((McpSchema.TextContent) r.content().get(0)).text().contains("called get_volume"), r.toString());
        }
        List<McpRecorder.Received> calls = fx.upstream.calls();
        assertEquals(1, calls.size());
        McpRecorder.Received got = calls.get(0);
        assertEquals(List.of("Bearer " + CREDENTIAL), got.header("Authorization"));
        // Airlock's own message: its id, only name and arguments.
        JsonNode params = got.json().get("params");
        assertEquals("get_volume", params.get("name").asText());
        assertEquals("vol-7f3a-stg", params.get("arguments").get("volumeId").asText());
        assertEquals(2, params.size(), got.text());
        for (McpRecorder.Received r : fx.upstream.received()) {
            assertFalse(r.toString().contains(token) || r.text().contains(token), "the agent's token reached the upstream");
            r.headers().values().forEach(v -> assertFalse(v.toString().contains(token)));
        }
        JsonNode event = fx.proxyEvents().get(fx.proxyEvents().size() - 1);
        assertTrue(event.get("allowed").asBoolean(), event.toString());
        assertEquals(List.of("tools/call get_volume"), List.of(event.get("operations").get(0).asText()));
    }
}
