package dev.airlock.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A real Airlock in front of a real {@link McpRecorder}: the shipped policy and the shipped {@code volumes-mcp} provider
 * file, copied with only its {@code upstream} and {@code credential} lines changed, plus:
 * <ul>
 *   <li>{@code other-mcp}: the same provider under another name, so another gateway (another audience);</li>
 *   <li>{@code down-mcp}: an MCP provider whose upstream nobody listens on;</li>
 *   <li>{@code generic-rest}: the shipped REST provider, upstream the recorder's server, so that the enforcement proxy
 *       {@code /proxy/generic-rest/...} is there to refuse gateway-bound tokens;</li>
 *   <li>the agent {@code volumes-agent}, with staging only, so that a token requested with {@code resource} alone has
 *       one environment to be for.</li>
 * </ul>
 */
public final class McpFixture implements AutoCloseable {
    public static final String CREDENTIAL = ProxyFixture.CREDENTIAL;
    public static final String GATEWAY = "/mcp/volumes-mcp";

    public final McpRecorder upstream;
    public final TestAirlock airlock;
    public final String secret;
    public final String basic;
    public final String soloSecret;
    public final String soloBasic;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private McpFixture(McpRecorder upstream, TestAirlock airlock) throws Exception {
        this.upstream = upstream;
        this.airlock = airlock;
        this.secret = airlock.issueSecret("coding-agent");
        this.basic = TestAirlock.basic("coding-agent", secret);
        this.soloSecret = airlock.issueSecret("volumes-agent");
        this.soloBasic = TestAirlock.basic("volumes-agent", soloSecret);
    }

    public static McpFixture start() throws Exception {
        McpRecorder upstream = McpRecorder.start();
        try {
            Path policy = Files.createTempDirectory("airlock-mcp-policy");
            Path credential = policy.resolve("provider-credential.txt");
            Files.writeString(credential, CREDENTIAL + "\n");
            Path shipped = TestAirlock.EXAMPLE_POLICY;
            for (String f : List.of("environments.yaml", "grants.yaml", "scopes.yaml")) {
                Files.copy(shipped.resolve(f), policy.resolve(f));
            }
            Files.writeString(policy.resolve("agents.yaml"), Files.readString(shipped.resolve("agents.yaml"))
                    + "\n  - id: volumes-agent\n    description: works on staging volumes through the MCP gateway.\n"
                    + "    auth: client_secret_basic\n    environments:\n      staging:\n"
                    + "        scopes: [volume:read, volume:write]\n        grantable: [volume:delete]\n");
            Path providers = Files.createDirectories(policy.resolve("providers"));
            String text = Files.readString(shipped.resolve("providers/volumes-mcp.yaml"));
            String fromFile = "  file: " + credential.toAbsolutePath();
            String mcp = replaced(text, "upstream: https://mcp.volumes.example.com/mcp", "upstream: " + upstream.url(),
                    "  env: VOLUMES_MCP_TOKEN", fromFile);
            Files.writeString(providers.resolve("volumes-mcp.yaml"), mcp);
            Files.writeString(providers.resolve("other-mcp.yaml"), mcp);
            Files.writeString(providers.resolve("down-mcp.yaml"), replaced(mcp, "upstream: " + upstream.url(),
                    "upstream: http://127.0.0.1:" + TestAirlock.freePort() + "/mcp"));
            Files.writeString(providers.resolve("generic-rest.yaml"), replaced(
                    Files.readString(shipped.resolve("providers/generic-rest.yaml")),
                    "upstream: https://api.example.com", "upstream: " + upstream.base(),
                    "  env: EXAMPLE_API_TOKEN", fromFile));
            TestAirlock airlock = TestAirlock.start(policy, Files.createTempDirectory("airlock-mcp-data"), JWSAlgorithm.EdDSA);
            return new McpFixture(upstream, airlock);
        } catch (Exception e) {
            upstream.close();
            throw e;
        }
    }

    private static String replaced(String text, String... pairs) {
        for (int i = 0; i < pairs.length; i += 2) {
            if (!text.contains(pairs[i])) throw new IllegalStateException("no longer contains " + pairs[i]);
            text = text.replace(pairs[i], pairs[i + 1]);
        }
        return text;
    }

    /** The gateway's URL, the RFC 8707 resource its tokens are bound to. */
    public String gatewayUrl(String path) {
        return airlock.base + path;
    }

    /** A coding-agent token bound to {@code gateway} for {@code environment}; {@code scope} null: default scopes. */
    public String token(String gateway, String environment, String scope) throws Exception {
        TestAirlock.Reply r = tokenReply(basic, gateway, environment, scope);
        if (r.status() != 200) throw new AssertionError("token: " + r.body());
        return r.json().get("access_token").asText();
    }

    public String token(String environment, String scope) throws Exception {
        return token(GATEWAY, environment, scope);
    }

    public TestAirlock.Reply tokenReply(String basicAuth, String gateway, String environment, String scope)
            throws Exception {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("grant_type", "client_credentials");
        p.put("resource", gatewayUrl(gateway));
        if (environment != null) p.put("environment", environment);
        if (scope != null) p.put("scope", scope);
        return airlock.postForm("/oauth2/token", basicAuth, p);
    }

    /** The official SDK's (legacy, Streamable HTTP) client, connected to {@code gateway} with {@code token}. */
    public McpSyncClient client(String gateway, String token) {
        HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport.builder(airlock.base)
                .endpoint(gateway)
                .httpRequestCustomizer((builder, method, uri, body, context) -> {
                    if (token != null) builder.header("Authorization", "Bearer " + token);
                })
                .build();
        McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(20))
                .initializationTimeout(Duration.ofSeconds(20)).build();
        client.initialize();
        return client;
    }

    public McpSyncClient client(String token) {
        return client(GATEWAY, token);
    }

    /** One raw POST to a gateway: {@code body} as is, {@code headers} as name/value pairs. */
    public TestAirlock.Reply post(String path, String token, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(airlock.base + path)).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.getBytes(UTF_8)));
        if (token != null) b.header("Authorization", "Bearer " + token);
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new TestAirlock.Reply(r.statusCode(), r.headers().map(), r.body());
    }

    /** A {@code tools/call} message for {@code tool} with {@code arguments} (JSON text). */
    public static String call(String tool, String arguments) {
        return "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool
                + "\",\"arguments\":" + arguments + "}}";
    }

    /** The audit log's proxy events (one per gateway call), parsed. */
    public List<JsonNode> proxyEvents() throws IOException {
        return airlock.auditLines().stream().map(l -> {
            try {
                return TestAirlock.JSON.readTree(l);
            } catch (IOException e) {
                throw new AssertionError(l, e);
            }
        }).filter(n -> "proxy".equals(n.path("type").asText())).toList();
    }

    @Override
    public void close() throws Exception {
        try {
            airlock.close();
        } finally {
            upstream.close();
        }
    }
}
