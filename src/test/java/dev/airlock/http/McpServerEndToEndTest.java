package dev.airlock.http;

import static dev.airlock.testing.ProxyFixture.CREDENTIAL;
import static dev.airlock.testing.ProxyFixture.gql;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.airlock.testing.IndependentVerifier;
import dev.airlock.testing.ProxyFixture;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestAirlock.OpsUser;
import dev.airlock.testing.TestAirlock.Reply;
import dev.airlock.testing.UpstreamRecorder;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, must-show 3: an agent that knows only Airlock's MCP server, driven by the official MCP Java SDK client,
 * asks, is refused, asks people, and after two approvals deletes a production volume once through Airlock's proxy.
 * The same flow with the MCP gateway, /mcp/&lt;server&gt;, as the last leg: {@link McpServerThroughGatewayTest}.
 */
class McpServerEndToEndTest {
    static final String DELETE_7F3A = gql("mutation { volumeDelete(volumeId: \"vol-7f3a\") }");

    ProxyFixture fx;
    McpSyncClient client;

    @BeforeEach
    void start() throws Exception {
        fx = ProxyFixture.start();
        client = legacyClient(fx.airlock.base, fx.basic);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            client.closeGracefully();
        } finally {
            fx.close();
        }
    }

    static McpSyncClient legacyClient(String base, String authorization) {
        HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport.builder(base).endpoint("/mcp")
                .httpRequestCustomizer((request, method, uri, body, context) -> request.header("Authorization",
                        authorization))
                .build();
        return McpClient.sync(transport).requestTimeout(Duration.ofSeconds(20))
                .initializationTimeout(Duration.ofSeconds(20)).build();
    }

    static McpSchema.CallToolResult call(McpSyncClient client, String tool, Map<String, Object> arguments) {
        return client.callTool(new McpSchema.CallToolRequest(tool, arguments));
    }

    static JsonNode structured(McpSchema.CallToolResult r) {
        return TestAirlock.JSON.valueToTree(r.structuredContent());
    }

    static String text(McpSchema.CallToolResult r) {
        return ((McpSchema.TextContent) r.content().get(0)).text();
    }

    @Test
    void initializeThenToolsListShowsTheFourToolsWithStrictSchemasAndHints() {
        McpSchema.InitializeResult init = client.initialize();
        assertEquals("airlock", init.serverInfo().name());
        assertEquals("2025-11-25", init.protocolVersion());
        assertTrue(init.capabilities().tools() != null, "tools capability");
        assertTrue(init.capabilities().resources() == null && init.capabilities().prompts() == null);
        assertTrue(init.instructions().contains("Never look for credentials"), init.instructions());
        assertTrue(init.instructions().contains("request_grant"), init.instructions());

        List<McpSchema.Tool> tools = client.listTools().tools();
        assertEquals(List.of("get_token", "check", "request_grant", "grant_status"),
                tools.stream().map(McpSchema.Tool::name).toList());
        Map<String, List<String>> required = Map.of("get_token", List.of("environment"),
                "check", List.of("environment", "action"),
                "request_grant", List.of("environment", "scopes", "resources", "reason"),
                "grant_status", List.of("auth_req_id"));
        for (McpSchema.Tool t : tools) {
            JsonNode schema = TestAirlock.JSON.valueToTree(t.inputSchema());
            assertEquals("object", schema.get("type").asText(), t.name());
            assertFalse(schema.get("additionalProperties").asBoolean(), t.name());
            assertEquals(required.get(t.name()), TestAirlock.JSON.convertValue(schema.get("required"), List.class),
                    t.name());
            schema.get("properties").forEach(p -> assertTrue(p.has("maxLength") || p.path("items").has("maxLength"),
                    t.name() + " " + p));
            assertEquals(Boolean.FALSE, t.annotations().destructiveHint(), t.name());
            assertEquals(Boolean.FALSE, t.annotations().openWorldHint(), t.name());
            assertEquals(t.name().equals("check") || t.name().equals("grant_status"), t.annotations().readOnlyHint(),
                    t.name());
            assertTrue(t.description().contains("request_grant") || t.name().equals("request_grant"), t.name());
        }
        assertTrue(tools.get(0).description().contains("do not search"), tools.get(0).description());
        assertTrue(tools.get(2).description().contains("two different people"), tools.get(2).description());
    }

    @Test
    void getTokenForStagingReturnsATokenTheJwksVerifies() throws Exception {
        client.initialize();
        McpSchema.CallToolResult r = call(client, "get_token", Map.of("environment", "staging",
                "scopes", List.of("db:read", "volume:read")));
        assertFalse(r.isError(), text(r));
        JsonNode s = structured(r);
        String jwt = s.get("access_token").asText();
        assertEquals("Bearer", s.get("token_type").asText());
        assertEquals("staging", s.get("environment").asText());
        assertEquals("db:read volume:read", s.get("scope").asText());
        assertTrue(s.get("expires_in").asLong() > 0 && s.get("expires_in").asLong() <= 900, s.toString());
        assertTrue(s.get("use").get("proxy").asText().startsWith(fx.airlock.base + "/proxy/"), s.toString());
        assertTrue(text(r).contains(jwt) && text(r).contains("Authorization: Bearer"), text(r));

        JWTClaimsSet c = new IndependentVerifier(fx.airlock.base, "urn:airlock:env:staging", fx.airlock.clock).verify(jwt);
        assertEquals("coding-agent", c.getStringClaim("client_id"));
        assertEquals("staging", c.getStringClaim("env"));
        // The token works: a staging read through the proxy reaches the upstream.
        assertEquals(200, fx.get("/proxy/generic-rest/v1/volumes/vol-7f3a-stg", jwt).status());
    }

    @Test
    void anAgentIsRefusedAsksTwoPeopleApproveAndTheTokenDeletesOnceThroughTheProxy() throws Exception {
        OpsUser carol = fx.airlock.addOps("carol", "prod-ops");
        OpsUser dave = fx.airlock.addOps("dave", "prod-ops");
        client.initialize();

        // 1. Ask for the destructive scope: refused, and told to ask people through request_grant.
        McpSchema.CallToolResult refused = call(client, "get_token", Map.of("environment", "production",
                "scopes", List.of("volume:delete")));
        assertTrue(refused.isError(), text(refused));
        JsonNode why = structured(refused);
        assertEquals("invalid_scope", why.get("error").asText());
        assertEquals("request_grant", why.get("grant_request").get("mcp_tool").asText(), why.toString());
        assertTrue(why.get("grant_request").get("agent_may_request").asBoolean());
        assertTrue(text(refused).contains("call request_grant") && text(refused).contains("do not retry with other"
                + " credentials"), text(refused));

        // 2. check says the same without minting anything.
        McpSchema.CallToolResult checked = call(client, "check", Map.of("environment", "production",
                "action", "volume:delete", "resource", "vol-7f3a"));
        assertFalse(checked.isError(), text(checked));
        assertFalse(structured(checked).get("allowed").asBoolean());
        assertEquals("grant_required", structured(checked).get("code").asText(), structured(checked).toString());
        assertEquals("production", structured(checked).get("grant_request").get("fields").get("environment").asText());

        // 3. It asks people: pending, with where they approve and how often to poll.
        Map<String, Object> ask = new LinkedHashMap<>();
        ask.put("environment", "production");
        ask.put("scopes", List.of("volume:delete"));
        ask.put("resources", List.of("vol-7f3a"));
        ask.put("reason", "vol-7f3a holds the stale credential copy that breaks every deploy of the API service");
        ask.put("command", "mutation { volumeDelete(volumeId: \"vol-7f3a\") }");
        McpSchema.CallToolResult filed = call(client, "request_grant", ask);
        assertFalse(filed.isError(), text(filed));
        JsonNode grant = structured(filed);
        String id = grant.get("auth_req_id").asText();
        assertEquals("pending", grant.get("status").asText());
        assertEquals(2, grant.get("approvals_required").asInt());
        assertEquals(fx.airlock.base + "/ops/#/grants/" + id, grant.get("approval_url").asText());
        assertTrue(grant.get("interval").asInt() > 0 && grant.get("expires_in").asInt() > 0, grant.toString());

        McpSchema.CallToolResult waiting = call(client, "grant_status", Map.of("auth_req_id", id));
        assertFalse(waiting.isError(), text(waiting));
        assertEquals("pending", structured(waiting).get("status").asText());
        assertFalse(structured(waiting).has("access_token"));

        // 4. Two people approve with their second factor; the agent collects the one-shot token, exactly once.
        approve(id, carol);
        approve(id, dave);
        McpSchema.CallToolResult approved = call(client, "grant_status", Map.of("auth_req_id", id));
        assertFalse(approved.isError(), text(approved));
        assertEquals("approved", structured(approved).get("status").asText());
        String grantToken = structured(approved).get("access_token").asText();
        assertEquals(id, structured(approved).get("grant").get("id").asText());

        McpSchema.CallToolResult again = call(client, "grant_status", Map.of("auth_req_id", id));
        assertTrue(again.isError(), text(again));
        assertEquals("collected", structured(again).get("status").asText());
        assertFalse(structured(again).has("access_token"));
        assertFalse(text(again).contains(grantToken));

        // 5. The token deletes the granted volume once through the proxy, with the provider's credential injected.
        Reply deleted = fx.graphql(grantToken, DELETE_7F3A);
        assertEquals(200, deleted.status(), deleted.body());
        UpstreamRecorder.Received got = fx.upstream.only();
        assertArrayEquals(DELETE_7F3A.getBytes(UTF_8), got.body());
        assertEquals(List.of("Bearer " + CREDENTIAL), got.header("Authorization"));

        Reply twice = fx.graphql(grantToken, DELETE_7F3A);
        assertEquals(403, twice.status(), twice.body());
        assertEquals("grant_used", twice.json().get("code").asText());
        assertEquals(1, fx.upstream.received().size(), "exactly one call reached the upstream");
    }

    private void approve(String id, OpsUser who) throws Exception {
        approve(fx.airlock, id, who);
    }

    /** {@code who} signs in with passphrase and TOTP and approves grant {@code id} with a fresh second factor. */
    static void approve(TestAirlock airlock, String id, OpsUser who) throws Exception {
        Reply r = airlock.opsPost("/v1/grants/" + id + "/approve", airlock.opsSignIn(who),
                Map.of("code", airlock.freshCode(who)));
        assertEquals(200, r.status(), r.body());
    }
}
