package dev.airlock.mcp;

import static dev.airlock.testing.McpFixture.GATEWAY;
import static dev.airlock.testing.McpFixture.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.core.mcp.JsonRpc;
import dev.airlock.testing.McpFixture;
import dev.airlock.testing.McpRecorder;
import dev.airlock.testing.TestAirlock.Reply;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each refusal of issue 15 item 1.1 at the MCP gateway: a JSON-RPC error whose message says why and how to ask a human,
 * and nothing reaches the upstream (the recorder sees no tools/call).
 */
class McpRefusalTest {
    McpFixture fx;

    @BeforeEach
    void start() throws Exception {
        fx = McpFixture.start();
    }

    @AfterEach
    void stop() throws Exception {
        fx.close();
    }

    /** Calls through the SDK client and returns the JSON-RPC error it surfaced. */
    private McpSchema.JSONRPCResponse.JSONRPCError refused(String token, String tool, Map<String, Object> args) {
        try (McpSyncClient client = fx.client(token)) {
            McpError e = assertThrows(McpError.class, () -> client.callTool(new McpSchema.CallToolRequest(tool, args)));
            return e.getJsonRpcError();
        }
    }

    private static String code(McpSchema.JSONRPCResponse.JSONRPCError e) {
        return ((Map<?, ?>) e.data()).get("code").toString();
    }

    @Test
    void toolsCallWithATokenOfAnotherEnvironmentIsRefusedAndTeachesHowToAskAHuman() throws Exception {
        var e = refused(fx.token("dev", null), "get_volume", Map.of("volumeId", "vol-7f3a-stg"));
        assertEquals(JsonRpc.FORBIDDEN, e.code());
        assertEquals("resource_in_other_environment", code(e), e.toString());
        assertTrue(e.message().contains("belongs to staging") && e.message().contains("ask the person you work for"),
                e.message());
        assertTrue(fx.upstream.calls().isEmpty());
    }

    @Test
    void toolsCallOnAProductionVolumeSpelledInCapitalsIsRefusedAsProduction() throws Exception {
        var e = refused(fx.token("staging", null), "get_volume", Map.of("volumeId", "VOL-7F3A"));
        assertEquals("resource_in_other_environment", code(e), e.toString());
        assertTrue(e.message().contains("vol-7f3a belongs to production"), e.message());
        assertTrue(fx.upstream.calls().isEmpty());
    }

    @Test
    void toolsCallWithoutTheScopeIsRefused() throws Exception {
        var e = refused(fx.token("staging", "volume:read"), "create_snapshot", Map.of("volumeId", "vol-7f3a-stg"));
        assertEquals("scope_missing", code(e), e.toString());
        assertTrue(fx.upstream.calls().isEmpty());
    }

    @Test
    void toolsCallInAFrozenEnvironmentIsRefused() throws Exception {
        String token = fx.token("staging", null);
        fx.airlock.airlock.domain().admin.setFrozen("staging", true, "test").get();
        var e = refused(token, "get_volume", Map.of("volumeId", "vol-7f3a-stg"));
        assertEquals("environment_frozen", code(e), e.toString());
        assertTrue(fx.upstream.calls().isEmpty());
    }

    @Test
    void toolsCallWithARevokedTokenIsUnauthorizedWithAJsonRpcError() throws Exception {
        String token = fx.token("staging", null);
        Reply revoked = fx.airlock.postForm("/oauth2/revoke", fx.basic, Map.of("token", token));
        assertEquals(200, revoked.status(), revoked.body());
        Reply r = fx.post(GATEWAY, token, call("get_volume", "{\"volumeId\":\"vol-7f3a-stg\"}"));
        assertEquals(401, r.status(), r.body());
        assertTrue(r.header("WWW-Authenticate").contains("error=\"invalid_token\""), r.header("WWW-Authenticate"));
        assertEquals(JsonRpc.FORBIDDEN, r.json().get("error").get("code").asInt(), r.body());
        assertTrue(r.json().get("error").get("message").asText().contains("revoked"), r.body());
        assertTrue(fx.upstream.calls().isEmpty());
    }

    @Test
    void anUnmappedToolIsRefusedEvenThoughTheUpstreamOffersIt() throws Exception {
        var e = refused(fx.token("staging", null), "run_shell", Map.of("command", "rm -rf /"));
        assertEquals("unmapped_request", code(e), e.toString());
        assertTrue(fx.upstream.calls().isEmpty());
    }

    @Test
    void aToolDestructiveByItsScopeNeedsAGrant() throws Exception {
        var e = refused(fx.token("staging", null), "delete_volume", Map.of("volumeId", "vol-7f3a-stg"));
        assertEquals("scope_missing", code(e), e.toString());
        JsonNode data = McpFixtureJson.tree(e.data());
        assertEquals("human_grant", data.get("grant_request").get("required").asText(), data.toString());
        assertTrue(e.message().contains("approval by people"), e.message());
        assertTrue(fx.upstream.calls().isEmpty());
    }

    @Test
    void aToolTheUpstreamAnnouncesDestructiveIsRefusedWhenItsRuleScopeIsNot() throws Exception {
        List<ObjectNode> tools = new ArrayList<>(McpRecorder.defaultTools());
        ObjectNode snapshot = McpRecorder.tool("create_snapshot", "Snapshot, replacing the volume.", "volumeId");
        snapshot.putObject("annotations").put("destructiveHint", true);
        tools.set(2, snapshot);
        fx.upstream.tools(tools);
        var e = refused(fx.token("staging", "volume:read volume:write"), "create_snapshot",
                Map.of("volumeId", "vol-7f3a-stg"));
        assertEquals("destructive_by_hint", code(e), e.toString());
        assertTrue(e.message().contains("destructiveHint"), e.message());
        assertTrue(fx.upstream.calls().isEmpty());
    }

    @Test
    void aReadOnlyHintKeepsADestructiveHintFromRaisingTheRisk() throws Exception {
        List<ObjectNode> tools = new ArrayList<>(McpRecorder.defaultTools());
        ObjectNode snapshot = McpRecorder.tool("create_snapshot", "Snapshot a volume.", "volumeId");
        snapshot.putObject("annotations").put("destructiveHint", true).put("readOnlyHint", true);
        tools.set(2, snapshot);
        fx.upstream.tools(tools);
        try (McpSyncClient client = fx.client(fx.token("staging", "volume:read volume:write"))) {
            client.callTool(new McpSchema.CallToolRequest("create_snapshot", Map.of("volumeId", "vol-7f3a-stg")));
        }
        assertEquals(1, fx.upstream.calls().size());
    }

    @Test
    void aSpentGrantIsRefused() throws Exception {
        McpGrants grants = new McpGrants(fx);
        String id = grants.request("staging", "vol-7f3a-stg");
        grants.approve(id, fx.airlock.addOps("erin", "ops"));
        String grantToken = grants.redeem(id);
        try (McpSyncClient client = fx.client(grantToken)) {
            client.callTool(new McpSchema.CallToolRequest("delete_volume", Map.of("volumeId", "vol-7f3a-stg")));
        }
        var e = refused(grantToken, "delete_volume", Map.of("volumeId", "vol-7f3a-stg"));
        assertEquals("grant_used", code(e), e.toString());
        assertEquals(1, fx.upstream.calls().size());
    }
}
