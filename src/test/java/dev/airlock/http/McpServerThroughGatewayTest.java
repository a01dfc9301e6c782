package dev.airlock.http;

import static dev.airlock.http.McpServerEndToEndTest.approve;
import static dev.airlock.http.McpServerEndToEndTest.call;
import static dev.airlock.http.McpServerEndToEndTest.structured;
import static dev.airlock.http.McpServerEndToEndTest.text;
import static dev.airlock.testing.McpFixture.CREDENTIAL;
import static dev.airlock.testing.McpFixture.GATEWAY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.core.mcp.JsonRpc;
import dev.airlock.testing.McpFixture;
import dev.airlock.testing.McpRecorder;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestAirlock.OpsUser;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, "Tested with the SDK client end to end: ask, refused, request a grant, two people approve, the token works
 * once through the gateway", entirely over MCP with the official Java SDK client: Airlock's own MCP server at /mcp for
 * asking, and the MCP gateway /mcp/volumes-mcp, in front of a recording provider MCP server, for the one act.
 */
class McpServerThroughGatewayTest {
    /** The gateway maps delete_volume to volume:delete on the resource at /volumeId: the grant names exactly that. */
    static final Map<String, Object> DELETE_7F3A = Map.of("volumeId", "vol-7f3a");

    McpFixture fx;
    McpSyncClient airlock;

    @BeforeEach
    void start() throws Exception {
        fx = McpFixture.start();
        airlock = McpServerEndToEndTest.legacyClient(fx.airlock.base, fx.basic);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            airlock.closeGracefully();
        } finally {
            fx.close();
        }
    }

    @Test
    void anAgentIsRefusedAsksTwoPeopleApproveAndTheTokenDeletesOnceThroughTheMcpGateway() throws Exception {
        OpsUser carol = fx.airlock.addOps("carol", "prod-ops");
        OpsUser dave = fx.airlock.addOps("dave", "prod-ops");
        airlock.initialize();

        // 1. Ask Airlock's MCP server for the destructive scope: refused, and told to ask people through request_grant.
        McpSchema.CallToolResult refused = call(airlock, "get_token", Map.of("environment", "production",
                "scopes", List.of("volume:delete")));
        assertTrue(refused.isError(), text(refused));
        assertEquals("invalid_scope", structured(refused).get("error").asText());
        assertEquals("request_grant", structured(refused).get("grant_request").get("mcp_tool").asText(),
                structured(refused).toString());
        assertTrue(text(refused).contains("call request_grant"), text(refused));

        // 2. It asks people for exactly what the gateway will decide: volume:delete on vol-7f3a in production.
        Map<String, Object> ask = new LinkedHashMap<>();
        ask.put("environment", "production");
        ask.put("scopes", List.of("volume:delete"));
        ask.put("resources", List.of("vol-7f3a"));
        ask.put("reason", "vol-7f3a holds the stale credential copy that breaks every deploy of the API service");
        ask.put("command", "tools/call delete_volume {\"volumeId\":\"vol-7f3a\"}");
        McpSchema.CallToolResult filed = call(airlock, "request_grant", ask);
        assertFalse(filed.isError(), text(filed));
        String id = structured(filed).get("auth_req_id").asText();
        assertEquals("pending", structured(filed).get("status").asText());
        assertEquals(2, structured(filed).get("approvals_required").asInt());

        // 3. Two people approve with their second factor; grant_status hands over the one-shot token.
        approve(fx.airlock, id, carol);
        approve(fx.airlock, id, dave);
        McpSchema.CallToolResult approved = call(airlock, "grant_status", Map.of("auth_req_id", id));
        assertFalse(approved.isError(), text(approved));
        assertEquals("approved", structured(approved).get("status").asText());
        String grantToken = structured(approved).get("access_token").asText();
        assertTrue(fx.upstream.received().isEmpty(), "nothing reaches the provider while people decide");

        // 4. A second SDK client, on the gateway with the grant token: the delete goes upstream once, with the
        //    provider's credential; the same call again is a JSON-RPC error (grant spent) that reaches nothing upstream.
        try (McpSyncClient gateway = fx.client(GATEWAY, grantToken)) {
            McpSchema.CallToolResult done = gateway.callTool(new McpSchema.CallToolRequest("delete_volume", DELETE_7F3A));
            assertTrue(done.content().get(0).toString().contains("called delete_volume"), done.toString());

            McpError again = assertThrows(McpError.class,
                    () -> gateway.callTool(new McpSchema.CallToolRequest("delete_volume", DELETE_7F3A)));
            assertEquals(JsonRpc.FORBIDDEN, again.getJsonRpcError().code(), again.getJsonRpcError().message());
            JsonNode why = TestAirlock.JSON.valueToTree(again.getJsonRpcError().data());
            assertEquals("grant_used", why.get("code").asText(), why.toString());
        }
        List<McpRecorder.Received> calls = fx.upstream.calls();
        assertEquals(1, calls.size(), "exactly one call reached the upstream");
        assertEquals(List.of("Bearer " + CREDENTIAL), calls.get(0).header("Authorization"));
        assertEquals("delete_volume", calls.get(0).json().get("params").get("name").asText());
        assertEquals("vol-7f3a", calls.get(0).json().get("params").get("arguments").get("volumeId").asText());
        for (McpRecorder.Received r : fx.upstream.received()) {
            String seen = r.headers() + r.text();
            assertFalse(seen.contains(grantToken), "the agent's grant token reached the upstream: " + r.method());
            assertFalse(seen.contains(fx.secret), "the agent's secret reached the upstream: " + r.method());
        }
    }
}
