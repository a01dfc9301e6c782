package dev.airlock.testing;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A real Airlock whose providers point at a real {@link UpstreamRecorder}: the shipped policy and the shipped
 * {@code railway} and {@code generic-rest} provider files, copied into a temporary policy folder with only their
 * {@code upstream} and {@code credential} lines changed (the credential comes from a file this fixture writes, with a
 * value distinctive enough to search for everywhere). Three more providers cover the other paths:
 * <ul>
 *   <li>{@code keyed}: REST, injects the credential as {@code X-Api-Key} instead of Authorization;</li>
 *   <li>{@code unset}: REST, credential from an environment variable that is never set;</li>
 *   <li>{@code down}: REST, upstream on a loopback port nobody listens on.</li>
 * </ul>
 */
public final class ProxyFixture implements AutoCloseable {
    /** The provider's real credential: only Airlock and the upstream may ever see it. */
    public static final String CREDENTIAL = "prov-live-Zq81x7WvK3-credential-7c1e";
    public static final String UNSET_VARIABLE = "AIRLOCK_TEST_NEVER_SET_CREDENTIAL";

    public final UpstreamRecorder upstream;
    public final TestAirlock airlock;
    public final Path policy;
    public final Path credentialFile;
    public final String secret;
    public final String basic;
    /** HTTP Basic of the shipped policy's resource server, {@code api-gateway}: the client that may introspect. */
    public final String gatewayBasic;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private ProxyFixture(UpstreamRecorder upstream, TestAirlock airlock, Path policy, Path credentialFile) throws Exception {
        this.upstream = upstream;
        this.airlock = airlock;
        this.policy = policy;
        this.credentialFile = credentialFile;
        this.secret = airlock.issueSecret("coding-agent");
        this.basic = TestAirlock.basic("coding-agent", secret);
        this.gatewayBasic = TestAirlock.basic("api-gateway", airlock.issueSecret("api-gateway"));
    }

    public static ProxyFixture start() throws Exception {
        if (System.getenv(UNSET_VARIABLE) != null) throw new IllegalStateException(UNSET_VARIABLE + " must not be set");
        UpstreamRecorder upstream = UpstreamRecorder.start();
        try {
            Path policy = Files.createTempDirectory("airlock-proxy-policy");
            Path credential = policy.resolve("provider-credential.txt");
            Files.writeString(credential, CREDENTIAL + "\n");
            writePolicy(policy, upstream.base(), credential);
            TestAirlock airlock = TestAirlock.start(policy, Files.createTempDirectory("airlock-proxy-data"), JWSAlgorithm.EdDSA);
            return new ProxyFixture(upstream, airlock, policy, credential);
        } catch (Exception e) {
            upstream.close();
            throw e;
        }
    }

    static void writePolicy(Path policy, String upstreamBase, Path credential) throws IOException {
        Path shipped = TestAirlock.EXAMPLE_POLICY;
        for (String f : List.of("agents.yaml", "environments.yaml", "grants.yaml", "scopes.yaml")) {
            Files.copy(shipped.resolve(f), policy.resolve(f));
        }
        Path providers = Files.createDirectories(policy.resolve("providers"));
        String fromFile = "  file: " + credential.toAbsolutePath();
        Files.writeString(providers.resolve("railway.yaml"), replaced(shipped.resolve("providers/railway.yaml"),
                "upstream: https://backboard.railway.com", "upstream: " + upstreamBase,
                "  env: RAILWAY_TOKEN", fromFile));
        Files.writeString(providers.resolve("generic-rest.yaml"), replaced(shipped.resolve("providers/generic-rest.yaml"),
                "upstream: https://api.example.com", "upstream: " + upstreamBase,
                "  env: EXAMPLE_API_TOKEN", fromFile));
        Files.writeString(providers.resolve("keyed.yaml"), rest(upstreamBase, fromFile, "X-Api-Key", "{credential}"));
        Files.writeString(providers.resolve("unset.yaml"), rest(upstreamBase, "  env: " + UNSET_VARIABLE,
                "Authorization", "Bearer {credential}"));
        Files.writeString(providers.resolve("down.yaml"), rest("http://127.0.0.1:" + closedPort(), fromFile,
                "Authorization", "Bearer {credential}"));
    }

    private static String rest(String upstream, String credentialLine, String header, String template) {
        return "kind: rest\nupstream: " + upstream + "\ncredential:\n" + credentialLine + "\ninject:\n  header: " + header
                + "\n  template: \"" + template + "\"\nrules:\n  - method: GET\n    path: /v1/volumes/{id}\n"
                + "    scope: volume:read\n    resources:\n      - from: path\n        name: id\n";
    }

    private static String replaced(Path file, String... pairs) throws IOException {
        String text = Files.readString(file);
        for (int i = 0; i < pairs.length; i += 2) {
            if (!text.contains(pairs[i])) throw new IllegalStateException(file + " no longer contains " + pairs[i]);
            text = text.replace(pairs[i], pairs[i + 1]);
        }
        return text;
    }

    private static int closedPort() throws IOException {
        return TestAirlock.freePort();
    }

    // --- tokens ---

    /** An access token of coding-agent for {@code environment}; {@code scope} null means its default scopes. */
    public String token(String environment, String scope) throws Exception {
        TestAirlock.Reply r = airlock.token("coding-agent", secret, environment, scope);
        if (r.status() != 200) throw new AssertionError("token: " + r.body());
        return r.json().get("access_token").asText();
    }

    // --- requests through the proxy ---

    /** A request with the JDK client; {@code headers} are name/value pairs; {@code token} null sends none. */
    public TestAirlock.Reply call(String method, String path, String token, String contentType, byte[] body,
                                  String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(airlock.base + path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (token != null) b.header("Authorization", "Bearer " + token);
        if (contentType != null) b.header("Content-Type", contentType);
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new TestAirlock.Reply(r.statusCode(), r.headers().map(), r.body());
    }

    public TestAirlock.Reply get(String path, String token) throws Exception {
        return call("GET", path, token, null, null);
    }

    /** POSTs a GraphQL request body (a JSON object or array, as text) to the railway provider's endpoint. */
    public TestAirlock.Reply graphql(String token, String json) throws Exception {
        return call("POST", "/proxy/railway/graphql/v2", token, "application/json", json.getBytes(UTF_8));
    }

    /** A GraphQL request object for one document, as JSON text. */
    public static String gql(String document) {
        return gql(document, null, null);
    }

    public static String gql(String document, String operationName, Map<String, Object> variables) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("query", document);
        if (operationName != null) m.put("operationName", operationName);
        if (variables != null) m.put("variables", variables);
        try {
            return TestAirlock.JSON.writeValueAsString(m);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The audit log's proxy events, parsed. */
    public List<JsonNode> proxyEvents() throws IOException {
        return airlock.auditLines().stream().map(l -> {
            try {
                return TestAirlock.JSON.readTree(l);
            } catch (IOException e) {
                throw new AssertionError(l, e);
            }
        }).filter(n -> "proxy".equals(n.path("type").asText())).toList();
    }

    // --- raw HTTP/1.1, for requests the JDK client will not send (hop-by-hop headers, odd paths) ---

    public record RawReply(int status, Map<String, List<String>> headers, byte[] body) {
        public String text() {
            return new String(body, UTF_8);
        }

        public List<String> header(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
        }
    }

    /** Sends {@code head} (request line and header lines, no blank line) and {@code body}, with Connection: close. */
    public RawReply raw(String head, byte[] body) throws IOException {
        URI base = URI.create(airlock.base);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5000);
            s.setSoTimeout(20_000);
            String h = head + "\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                    + (body == null ? "" : "Content-Length: " + body.length + "\r\n") + "\r\n";
            byte[] all = body == null ? h.getBytes(ISO_8859_1) : concat(h.getBytes(ISO_8859_1), body);
            return exchange(s, all);
        }
    }

    /** Sends exactly these bytes (request line, headers, framing and body are the caller's) and reads the answer. */
    public RawReply rawExact(byte[] request) throws IOException {
        URI base = URI.create(airlock.base);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5000);
            s.setSoTimeout(20_000);
            return exchange(s, request);
        }
    }

    private static RawReply exchange(Socket s, byte[] request) throws IOException {
        try {
            OutputStream out = s.getOutputStream();
            out.write(request);
            out.flush();
        } catch (IOException e) {
            // The server may answer (413) and close before reading everything; its answer is still to be read.
        }
        return read(s.getInputStream());
    }

    public static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Reads one answer to the end of the connection, undoing chunked transfer coding. */
    static RawReply read(InputStream in) throws IOException {
        byte[] all = in.readAllBytes();
        int split = indexOf(all, "\r\n\r\n".getBytes(ISO_8859_1), 0);
        if (split < 0) throw new IOException("no complete answer: " + new String(all, ISO_8859_1));
        String[] lines = new String(all, 0, split, ISO_8859_1).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int c = lines[i].indexOf(':');
            headers.computeIfAbsent(lines[i].substring(0, c).trim().toLowerCase(Locale.ROOT), k -> new java.util.ArrayList<>())
                    .add(lines[i].substring(c + 1).trim());
        }
        byte[] rest = java.util.Arrays.copyOfRange(all, split + 4, all.length);
        boolean chunked = headers.getOrDefault("transfer-encoding", List.of()).stream()
                .anyMatch(v -> v.equalsIgnoreCase("chunked"));
        return new RawReply(status, headers, chunked ? dechunk(rest) : rest);
    }

    private static byte[] dechunk(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (true) {
            int eol = indexOf(b, "\r\n".getBytes(ISO_8859_1), i);
            if (eol < 0) throw new IOException("truncated chunked body");
            int size = Integer.parseInt(new String(b, i, eol - i, ISO_8859_1).split(";")[0].trim(), 16);
            if (size == 0) return out.toByteArray();
            out.write(b, eol + 2, size);
            i = eol + 2 + size + 2;
        }
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = from; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
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
