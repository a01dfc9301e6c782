package dev.airlock.mcp;

import static dev.airlock.testing.McpFixture.CREDENTIAL;
import static dev.airlock.testing.McpFixture.GATEWAY;
import static dev.airlock.testing.McpFixture.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.core.mcp.JsonRpc;
import dev.airlock.testing.McpFixture;
import dev.airlock.testing.McpRecorder;
import dev.airlock.testing.TestAirlock.OpsUser;
import dev.airlock.testing.TestAirlock.Reply;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The incident as MCP (issue 15, "Done means"): the provider's MCP server exposes a volume-delete tool; a staging agent
 * cannot delete the production volume through the gateway; after two people approve a grant for exactly that volume it
 * can, once; and a one-shot grant token lets exactly one of nine concurrent calls through.
 */
class McpIncidentTest {
    static final Map<String, Object> DELETE_7F3A = Map.of("volumeId", "vol-7f3a");

    McpFixture fx;
    McpGrants grants;

    @BeforeEach
    void start() throws Exception {
        fx = McpFixture.start();
        grants = new McpGrants(fx);
    }

    @AfterEach
    void stop() throws Exception {
        fx.close();
    }

    @Test
    void aProductionVolumeIsDeletedThroughTheGatewayOnceAndOnlyAfterTwoPeopleApprove() throws Exception {
        OpsUser carol = fx.airlock.addOps("carol", "prod-ops");
        OpsUser dave = fx.airlock.addOps("dave", "prod-ops");

        // 1. The staging agent sees delete_volume offered by the upstream but not listed for its token, and calling it
        //    on vol-7f3a, a production volume, is refused with instructions; nothing reaches the upstream.
        String staging = fx.token("staging", null);
        try (McpSyncClient client = fx.client(staging)) {
            List<String> listed = client.listTools().tools().stream().map(McpSchema.Tool::name).toList();
            assertTrue(!listed.contains("delete_volume") && listed.contains("get_volume"), listed.toString());
            McpError e = assertThrows(McpError.class,
                    () -> client.callTool(new McpSchema.CallToolRequest("delete_volume", DELETE_7F3A)));
            assertEquals(JsonRpc.FORBIDDEN, e.getJsonRpcError().code());
            assertTrue(e.getJsonRpcError().message().contains("belongs to production"), e.getJsonRpcError().message());
            assertTrue(e.getJsonRpcError().message().contains("/v1/grants"), e.getJsonRpcError().message());
            JsonNode how = McpFixtureJson.tree(e.getJsonRpcError().data()).get("grant_request");
            assertEquals("production", how.get("fields").get("environment").asText(), how.toString());
        }
        assertTrue(fx.upstream.calls().isEmpty(), "the upstream received the refused call");

        // 2. It follows the instructions: a grant for exactly vol-7f3a; two people approve it with their second factor.
        String id = grants.request("production", "vol-7f3a");
        grants.approve(id, carol);
        grants.approve(id, dave);
        String grantToken = grants.redeem(id);

        // 3. With the one-shot grant token the gateway lists the tool as destructive, and calls it once upstream, with
        //    the provider's credential.
        try (McpSyncClient client = fx.client(grantToken)) {
            McpSchema.Tool delete = client.listTools().tools().stream().filter(t -> t.name().equals("delete_volume"))
                    .findFirst().orElseThrow();
            assertEquals(Boolean.TRUE, delete.annotations().destructiveHint());
            assertEquals("destructive", delete.meta().get("dev.airlock/risk"));

            McpError other = assertThrows(McpError.class, () -> client.callTool(new McpSchema.CallToolRequest(
                    "delete_volume", Map.of("volumeId", "vol-9c1e"))));
            assertEquals("resource_not_granted", ((Map<?, ?>) other.getJsonRpcError().data()).get("code"));

            McpSchema.CallToolResult done = client.callTool(new McpSchema.CallToolRequest("delete_volume", DELETE_7F3A));
            assertTrue(done.content().get(0).toString().contains("called delete_volume"), done.toString());

            // 4. The same call again: the grant is spent. Nothing more reaches the upstream.
            McpError again = assertThrows(McpError.class,
                    () -> client.callTool(new McpSchema.CallToolRequest("delete_volume", DELETE_7F3A)));
            assertEquals("grant_used", ((Map<?, ?>) again.getJsonRpcError().data()).get("code"));
        }
        List<McpRecorder.Received> calls = fx.upstream.calls();
        assertEquals(1, calls.size(), "exactly one call reached the upstream");
        assertEquals(List.of("Bearer " + CREDENTIAL), calls.get(0).header("Authorization"));
        assertEquals("vol-7f3a", calls.get(0).json().get("params").get("arguments").get("volumeId").asText());

        List<JsonNode> events = fx.proxyEvents().stream().filter(e -> "tools/call".equals(e.path("method").asText()))
                .toList();
        assertEquals(List.of(false, false, true, false), events.stream().map(e -> e.get("allowed").asBoolean()).toList());
        assertEquals(id, events.get(2).get("grant").asText());
        assertEquals("tools/call delete_volume", events.get(2).get("operations").get(0).asText());
    }

    @Test
    void nineConcurrentCallsWithAOneShotGrantTokenReachTheUpstreamExactlyOnce() throws Exception {
        String id = grants.request("staging", "vol-7f3a-stg");
        grants.approve(id, fx.airlock.addOps("erin", "ops"));
        String grantToken = grants.redeem(id);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(fx.gatewayUrl(GATEWAY))).timeout(Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + grantToken).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(call("delete_volume", "{\"volumeId\":\"vol-7f3a-stg\"}")))
                .build();
        ExecutorService pool = Executors.newFixedThreadPool(9);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < 9; i++) {
                answers.add(pool.submit(() -> {
                    go.await();
                    return http.send(request, HttpResponse.BodyHandlers.ofString()).body();
                }));
            }
            go.countDown();
            int results = 0;
            for (Future<String> f : answers) if (f.get().contains("\"result\"")) results++;
            assertEquals(1, results);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, fx.upstream.calls().size(), "calls that reached the upstream");
    }
}
