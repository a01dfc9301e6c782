package dev.airlock.mcp;

import static dev.airlock.testing.McpFixture.CREDENTIAL;
import static dev.airlock.testing.McpFixture.GATEWAY;
import static dev.airlock.testing.McpFixture.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jwt.SignedJWT;
import dev.airlock.testing.McpFixture;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestAirlock.Reply;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * MCP authorization at the gateway (issue 15 item 2): RFC 9728 metadata naming Airlock, 401 with resource_metadata,
 * RFC 8707 tokens bound to one gateway and one environment, refused everywhere else, and a client that knows only the
 * gateway's URL finding its way to a tool call.
 */
class McpAuthorizationTest {
    McpFixture fx;

    @BeforeEach
    void start() throws Exception {
        fx = McpFixture.start();
    }

    @AfterEach
    void stop() throws Exception {
        fx.close();
    }

    private String metadataUrl(String gateway) {
        return fx.airlock.base + "/.well-known/oauth-protected-resource" + gateway;
    }

    @Test
    void withoutATokenTheGatewayAnswers401NamingItsResourceMetadata() throws Exception {
        Reply r = fx.post(GATEWAY, null, call("get_volume", "{\"volumeId\":\"vol-7f3a-stg\"}"));
        assertEquals(401, r.status(), r.body());
        assertEquals("Bearer resource_metadata=\"" + metadataUrl(GATEWAY) + "\"", r.header("WWW-Authenticate"));
        assertTrue(r.json().get("error").get("message").asText().contains("resource=" + fx.gatewayUrl(GATEWAY)));
        assertTrue(fx.upstream.calls().isEmpty());
    }

    @Test
    void aBadTokenIsInvalidTokenWithTheResourceMetadata() throws Exception {
        Reply r = fx.post(GATEWAY, "not-a-token", call("get_volume", "{\"volumeId\":\"vol-7f3a-stg\"}"));
        assertEquals(401, r.status(), r.body());
        assertEquals("Bearer error=\"invalid_token\", resource_metadata=\"" + metadataUrl(GATEWAY) + "\"",
                r.header("WWW-Authenticate"));
        assertEquals("2.0", r.json().get("jsonrpc").asText(), r.body());
    }

    @Test
    void protectedResourceMetadataNamesAirlockAsTheAuthorizationServer() throws Exception {
        Reply r = fx.airlock.get("/.well-known/oauth-protected-resource" + GATEWAY);
        assertEquals(200, r.status(), r.body());
        JsonNode m = r.json();
        assertEquals(fx.gatewayUrl(GATEWAY), m.get("resource").asText());
        assertEquals(List.of(fx.airlock.base), List.of(m.get("authorization_servers").get(0).asText()));
        assertEquals(1, m.get("authorization_servers").size());
        assertEquals("header", m.get("bearer_methods_supported").get(0).asText());
        assertTrue(m.get("scopes_supported").toString().contains("volume:delete"), m.toString());
        assertEquals(404, fx.airlock.get("/.well-known/oauth-protected-resource/mcp/railway").status());
    }

    @Test
    void aTokenRequestedForTheGatewayIsBoundToItAndToOneEnvironment() throws Exception {
        Reply r = fx.tokenReply(fx.soloBasic, GATEWAY, null, null);
        assertEquals(200, r.status(), r.body());
        assertEquals("staging", r.json().get("environment").asText());
        SignedJWT jwt = SignedJWT.parse(r.json().get("access_token").asText());
        assertEquals(List.of(fx.gatewayUrl(GATEWAY)), jwt.getJWTClaimsSet().getAudience());
        assertEquals("staging", jwt.getJWTClaimsSet().getStringClaim("env"));
    }

    @Test
    void anAgentWithSeveralEnvironmentsMustNameOne() throws Exception {
        Reply r = fx.tokenReply(fx.basic, GATEWAY, null, null);
        assertEquals(400, r.status(), r.body());
        assertEquals("invalid_target", r.json().get("error").asText());
        assertTrue(r.json().get("error_description").asText().contains("dev, production, staging"), r.body());
    }

    @Test
    void twoResourcesOrAnUnknownGatewayAreInvalidTarget() throws Exception {
        Reply two = fx.airlock.postRawForm("/oauth2/token", fx.soloBasic, "grant_type=client_credentials&resource="
                + enc(fx.gatewayUrl(GATEWAY)) + "&resource=" + enc(fx.gatewayUrl("/mcp/other-mcp")));
        assertEquals("invalid_target", two.json().get("error").asText(), two.body());
        Reply unknown = fx.tokenReply(fx.soloBasic, "/mcp/nobody", null, null);
        assertEquals("invalid_target", unknown.json().get("error").asText(), unknown.body());
    }

    @Test
    void theResourceIsComparedInItsNormalForm() throws Exception {
        String spelled = fx.gatewayUrl(GATEWAY).replace("http://127.0.0.1", "HTTP://127.0.0.1") + "/";
        Reply r = fx.airlock.postForm("/oauth2/token", fx.soloBasic, Map.of("grant_type", "client_credentials",
                "resource", spelled));
        assertEquals(200, r.status(), r.body());
        assertEquals(List.of(fx.gatewayUrl(GATEWAY)),
                SignedJWT.parse(r.json().get("access_token").asText()).getJWTClaimsSet().getAudience());
    }

    @Test
    void aGatewayTokenIsRefusedAtAnotherGatewayAndAtCheck() throws Exception {
        String token = fx.token("staging", null);
        Reply other = fx.post("/mcp/other-mcp", token, call("get_volume", "{\"volumeId\":\"vol-7f3a-stg\"}"));
        assertEquals(401, other.status(), other.body());
        assertTrue(other.json().get("error").get("message").asText().contains("not this MCP gateway"), other.body());

        Reply check = fx.airlock.check(token, "staging", "volume:read", "vol-7f3a-stg");
        assertFalse(check.json().get("allowed").asBoolean(), check.body());

        Reply mine = fx.post(GATEWAY, token, call("get_volume", "{\"volumeId\":\"vol-7f3a-stg\"}"));
        assertEquals(200, mine.status(), mine.body());
        assertNotNull(mine.json().get("result"), mine.body());
        assertEquals(1, fx.upstream.calls().size());
    }

    /**
     * A gateway-bound token (RFC 8707 resource=&lt;issuer&gt;/mcp/volumes-mcp) at the REST enforcement proxy: refused
     * for its audience before anything is forwarded, where the same agent's environment token for the same request is
     * forwarded (so the route, the mapping and the environment are not what refuses it).
     */
    @Test
    void aGatewayTokenIsRefusedAtTheRestProxyForItsAudienceAndNothingIsForwarded() throws Exception {
        String path = "/proxy/generic-rest/v1/volumes/vol-7f3a-stg";
        Reply refused = proxyGet(path, fx.token("staging", "volume:read"));
        assertEquals(403, refused.status(), refused.body());
        assertEquals("wrong_environment", refused.json().get("code").asText(), refused.body());
        assertTrue(refused.body().contains("is not staging's"), refused.body());
        assertTrue(fx.upstream.received().isEmpty(), "the refused request reached the upstream");

        Reply control = proxyGet(path, environmentToken("staging"));
        assertEquals(1, fx.upstream.received().size(), control.status() + " " + control.body());
        assertEquals(List.of("Bearer " + CREDENTIAL), fx.upstream.received().get(0).header("Authorization"));
    }

    /**
     * RFC 7662 §4: the authorization server judges whether the token can be used at the protected resource asking; a
     * gateway-bound token can be used only at its gateway, so to the resource server api-gateway (which introspects
     * staging) it is inactive, while that client's answer for the same agent's staging environment token is active.
     */
    @Test
    void aGatewayTokenIsInactiveToAnAuthorisedIntrospectingClient() throws Exception {
        String apiGateway = TestAirlock.basic("api-gateway", fx.airlock.issueSecret("api-gateway"));
        Reply control = fx.airlock.postForm("/oauth2/introspect", apiGateway,
                Map.of("token", environmentToken("staging")));
        assertEquals(200, control.status(), control.body());
        assertTrue(control.json().get("active").asBoolean(), control.body());

        String token = fx.token("staging", null);
        Reply r = fx.airlock.postForm("/oauth2/introspect", apiGateway, Map.of("token", token));
        assertEquals(200, r.status(), r.body());
        assertEquals("{\"active\":false}", r.json().toString());
        String jti = SignedJWT.parse(token).getJWTClaimsSet().getJWTID();
        JsonNode event = fx.airlock.auditLines().stream().map(McpAuthorizationTest::tree)
                .filter(e -> "token.introspected".equals(e.path("type").asText()) && jti.equals(e.path("jti").asText()))
                .findFirst().orElseThrow(() -> new AssertionError("no token.introspected event for " + jti));
        assertEquals("wrong_environment", event.get("reason").asText(), event.toString());
    }

    /** A gateway-bound token is not an agent credential on /v1/grants (RFC 6750 Bearer); its environment token is. */
    @Test
    void aGatewayTokenIsRefusedAsAnAgentCredentialAtGrants() throws Exception {
        Reply control = fx.airlock.agentGet("/v1/grants", "Bearer " + environmentToken("staging"));
        assertEquals(200, control.status(), control.body());

        Reply r = fx.airlock.agentGet("/v1/grants", "Bearer " + fx.token("staging", null));
        assertEquals(401, r.status(), r.body());
        assertEquals("invalid_token", r.json().get("code").asText(), r.body());
        assertTrue(r.json().get("detail").asText().contains("is not staging's"), r.body());
    }

    private String environmentToken(String environment) throws Exception {
        Reply t = fx.airlock.token("coding-agent", fx.secret, environment, null);
        assertEquals(200, t.status(), t.body());
        return t.json().get("access_token").asText();
    }

    private Reply proxyGet(String path, String token) throws Exception {
        return fx.airlock.send(fx.airlock.request(path).header("Authorization", "Bearer " + token).GET().build());
    }

    private static JsonNode tree(String line) {
        try {
            return TestAirlock.JSON.readTree(line);
        } catch (java.io.IOException e) {
            throw new AssertionError(line, e);
        }
    }

    @Test
    void anEnvironmentTokenIsRefusedAtTheGateway() throws Exception {
        Reply t = fx.airlock.token("coding-agent", fx.secret, "staging", null);
        String token = t.json().get("access_token").asText();
        Reply r = fx.post(GATEWAY, token, call("get_volume", "{\"volumeId\":\"vol-7f3a-stg\"}"));
        assertEquals(401, r.status(), r.body());
        assertTrue(r.header("WWW-Authenticate").contains("invalid_token"));
        assertTrue(fx.upstream.calls().isEmpty());
    }

    /**
     * An MCP client that knows only the gateway's URL and its own client credentials, following the specification's
     * discovery: 401 → resource_metadata → authorization server metadata → token endpoint with resource → tool call.
     */
    @Test
    void aClientThatFollowsDiscoveryFromTheGatewayUrlAloneGetsATokenAndCallsATool() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String gateway = fx.gatewayUrl(GATEWAY);
        HttpResponse<String> first = http.send(HttpRequest.newBuilder(URI.create(gateway))
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
                        + "\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":"
                        + "{\"name\":\"c\",\"version\":\"1\"}}}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, first.statusCode());
        Matcher m = Pattern.compile("resource_metadata=\"([^\"]+)\"")
                .matcher(first.headers().firstValue("WWW-Authenticate").orElseThrow());
        assertTrue(m.find());
        JsonNode prm = getJson(http, m.group(1));
        assertEquals(gateway, prm.get("resource").asText());
        String as = prm.get("authorization_servers").get(0).asText();
        JsonNode asMetadata = getJson(http, as + "/.well-known/oauth-authorization-server");
        assertTrue(asMetadata.get("grant_types_supported").toString().contains("client_credentials"));
        String tokenEndpoint = asMetadata.get("token_endpoint").asText();
        HttpResponse<String> token = http.send(HttpRequest.newBuilder(URI.create(tokenEndpoint))
                .header("Authorization", fx.soloBasic).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(TestAirlock.form(Map.of("grant_type", "client_credentials",
                        "resource", prm.get("resource").asText())))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, token.statusCode(), token.body());
        String accessToken = TestAirlock.JSON.readTree(token.body()).get("access_token").asText();
        try (McpSyncClient client = fx.client(accessToken)) {
            McpSchema.CallToolResult r = client.callTool(new McpSchema.CallToolRequest("get_volume",
                    Map.of("volumeId", "vol-7f3a-stg")));
            assertTrue(r.content().get(0).toString().contains("called get_volume"), r.toString());
        }
        assertEquals(1, fx.upstream.calls().size());
    }

    private static JsonNode getJson(HttpClient http, String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), url + ": " + r.body());
        return TestAirlock.JSON.readTree(r.body());
    }

    private static String enc(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
    }
}
