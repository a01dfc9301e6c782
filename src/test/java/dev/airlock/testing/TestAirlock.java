package dev.airlock.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.app.Airlock;
import dev.airlock.app.AirlockConfig;
import dev.airlock.http.AirlockServer;
import dev.airlock.store.postgres.PgSettings;
import dev.airlock.store.postgres.PgStateStore;
import dev.airlock.http.ServerVertx;
import dev.airlock.metrics.AirlockMetrics;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

/**
 * A real Airlock, in this JVM, serving real HTTP on a loopback port, with the shipped example policy (or another),
 * a fresh data directory, and a clock the test controls. Tests talk to it only over HTTP, with the JDK's client.
 */
public final class TestAirlock implements AutoCloseable {
    public static final ObjectMapper JSON = new ObjectMapper();
    public static final Path EXAMPLE_POLICY = Path.of("scopes");

    public final Path dataDir;
    public final MutableClock clock;
    public final Airlock airlock;
    public final String base;
    private final Vertx vertx;
    private final AirlockServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TestAirlock(Path dataDir, MutableClock clock, Airlock airlock, String base, Vertx vertx, AirlockServer server) {
        this.dataDir = dataDir;
        this.clock = clock;
        this.airlock = airlock;
        this.base = base;
        this.vertx = vertx;
        this.server = server;
    }

    public static TestAirlock start() throws Exception {
        return start(EXAMPLE_POLICY, Files.createTempDirectory("airlock-test"), JWSAlgorithm.EdDSA);
    }

    public static TestAirlock start(Path policy, Path dataDir, JWSAlgorithm alg) throws Exception {
        return start(policy, dataDir, alg, null);
    }

    /** @param issuer the public URL ({@code serve --issuer}), as behind a TLS proxy; null for the loopback URL */
    public static TestAirlock start(Path policy, Path dataDir, JWSAlgorithm alg, String issuer) throws Exception {
        return start(policy, dataDir, alg, issuer, AirlockMetrics.on());
    }

    /** With these metrics: {@link AirlockMetrics#off()} is {@code serve --no-metrics}. */
    public static TestAirlock start(Path policy, Path dataDir, JWSAlgorithm alg, String issuer, AirlockMetrics metrics)
            throws Exception {
        int port = freePort();
        String base = "http://127.0.0.1:" + port;
        MutableClock clock = new MutableClock(Clock.systemUTC().instant());
        Airlock airlock = Airlock.open(new AirlockConfig(dataDir, policy, issuer != null ? issuer : base, alg, null,
                clock), metrics);
        // As serve builds it: with metrics on, the Vert.x metrics module's HTTP server meters too.
        Vertx vertx = ServerVertx.create(airlock.metrics);
        AirlockServer server = AirlockServer.start(vertx, airlock, "127.0.0.1", port, 2)
                .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        return new TestAirlock(dataDir, clock, airlock, base, vertx, server);
    }

    /**
     * Served on 127.0.0.1 but known as {@code http://localhost:<port>} (issuer and {@link #base}): WebAuthn needs a
     * domain as its relying party id, never an IP address, and browsers treat {@code localhost} as a secure context.
     */
    public static TestAirlock startOnLocalhost(Path policy) throws Exception {
        int port = freePort();
        String base = "http://localhost:" + port;
        MutableClock clock = new MutableClock(Clock.systemUTC().instant());
        Airlock airlock = Airlock.open(new AirlockConfig(Files.createTempDirectory("airlock-test"), policy, base,
                JWSAlgorithm.EdDSA, null, clock), AirlockMetrics.on());
        Vertx vertx = ServerVertx.create(airlock.metrics);
        AirlockServer server = AirlockServer.start(vertx, airlock, "127.0.0.1", port, 2)
                .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        return new TestAirlock(airlock.config.dataDir(), clock, airlock, base, vertx, server);
    }

    /**
     * A replica of a scaled-out Airlock (issue 14): state and audit log in the PostgreSQL store {@code shared},
     * {@code master.key} given (every replica has the same one), its own data directory for the rest.
     */
    public static TestAirlock startShared(Path policy, Path dataDir, String issuer, String masterKey,
                                          PgSettings shared) throws Exception {
        int port = freePort();
        String base = "http://127.0.0.1:" + port;
        MutableClock clock = new MutableClock(Clock.systemUTC().instant());
        Airlock airlock = Airlock.open(new AirlockConfig(dataDir, policy, issuer != null ? issuer : base,
                JWSAlgorithm.EdDSA, masterKey, clock), shared);
        Vertx vertx = Vertx.vertx();
        AirlockServer server = AirlockServer.start(vertx, airlock, "127.0.0.1", port, 2)
                .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        return new TestAirlock(dataDir, clock, airlock, base, vertx, server);
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Issues a client secret for an agent the way {@code airlock agent add} does, and returns it. */
    public String issueSecret(String agentId) throws Exception {
        String secret = "airlock_sk_test_" + agentId + "_" + System.nanoTime();
        airlock.store.putAgentSecretHash(agentId, dev.airlock.core.crypto.Hashes.sha256Hex(secret)).get();
        return secret;
    }

    public record Reply(int status, Map<String, java.util.List<String>> headers, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    public Reply send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.headers().map(), r.body());
    }

    public HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20));
    }

    public Reply get(String path) throws IOException, InterruptedException {
        return send(request(path).GET().build());
    }

    public Reply postForm(String path, String basicAuth, Map<String, String> params) throws IOException, InterruptedException {
        return postRawForm(path, basicAuth, form(params));
    }

    public Reply postRawForm(String path, String basicAuth, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = request(path).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (basicAuth != null) b.header("Authorization", basicAuth);
        return send(b.build());
    }

    public Reply postJson(String path, Object body) throws IOException, InterruptedException {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build());
    }

    /** client_credentials with HTTP Basic. */
    public Reply token(String clientId, String secret, String environment, String scope) throws Exception {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("grant_type", "client_credentials");
        if (environment != null) p.put("environment", environment);
        if (scope != null) p.put("scope", scope);
        return postForm("/oauth2/token", basic(clientId, secret), p);
    }

    public Reply check(String token, String env, String action, String resource) throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("token", token);
        body.put("environment", env);
        body.put("action", action);
        if (resource != null) body.put("resource", resource);
        return postJson("/v1/check", body);
    }

    public static String basic(String id, String secret) {
        String pair = URLEncoder.encode(id, StandardCharsets.UTF_8) + ":" + URLEncoder.encode(secret, StandardCharsets.UTF_8);
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    public static String form(Map<String, String> params) {
        StringJoiner j = new StringJoiner("&");
        params.forEach((k, v) -> j.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return j.toString();
    }

    // --- grants and the ops realm ---

    /** An ops account as its owner knows it: the printed passphrase and the TOTP secret enrolled on the phone. */
    public record OpsUser(String name, String passphrase, String totpSecret) {}

    /** Creates an ops account the way {@code airlock ops add} does. */
    public OpsUser addOps(String name, String... groups) throws Exception {
        var e = airlock.ops.create(name, java.util.Set.of(groups)).get(60, TimeUnit.SECONDS);
        return new OpsUser(name, new String(e.passphrase()), e.totpSecretBase32());
    }

    /**
     * A code from the user's phone for a new 30-second step: the clock moves 30 s first, because Airlock accepts each
     * step's code once per account.
     */
    public String freshCode(OpsUser u) {
        clock.advance(Duration.ofSeconds(30));
        return TestTotp.code(u.totpSecret(), clock.instant());
    }

    public Reply opsSignInRaw(String name, String passphrase, String code) throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        body.put("passphrase", passphrase);
        body.put("code", code);
        body.put("bearer", true);
        return postJsonAuth("/v1/ops/session", null, body);
    }

    /** Signs in as the CLI does and returns the session's bearer token. */
    public String opsSignIn(OpsUser u) throws Exception {
        Reply r = opsSignInRaw(u.name(), u.passphrase(), freshCode(u));
        if (r.status() != 200) throw new AssertionError("sign-in failed: " + r.body());
        return r.json().get("token").asText();
    }

    public Reply opsPost(String path, String session, Object body) throws Exception {
        return postJsonAuth(path, "Bearer " + session, body);
    }

    public Reply opsGet(String path, String session) throws Exception {
        return send(request(path).header("Authorization", "Bearer " + session).GET().build());
    }

    /** POST JSON with an agent credential ({@code Basic ...} or {@code Bearer <access token>}), or none. */
    public Reply agentPost(String path, String authorization, Object body) throws Exception {
        return postJsonAuth(path, authorization, body);
    }

    public Reply agentGet(String path, String authorization) throws Exception {
        HttpRequest.Builder b = request(path).GET();
        if (authorization != null) b.header("Authorization", authorization);
        return send(b.build());
    }

    private Reply postJsonAuth(String path, String authorization, Object body) throws Exception {
        HttpRequest.Builder b = request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (authorization != null) b.header("Authorization", authorization);
        return send(b.build());
    }

    /** A fresh RFC 7523 client assertion for deploy-bot (private_key_jwt), signed by nimbus with the test key. */
    public String deployBotAssertion() throws Exception {
        var key = com.nimbusds.jose.jwk.OctetKeyPair.parse(java.nio.file.Files.readString(
                Path.of("src/test/resources/keys/deploy-bot.private.jwk.json")));
        var claims = new com.nimbusds.jwt.JWTClaimsSet.Builder().issuer("deploy-bot").subject("deploy-bot").audience(base)
                .issueTime(java.util.Date.from(clock.instant()))
                .expirationTime(java.util.Date.from(clock.instant().plusSeconds(60)))
                .jwtID(java.util.UUID.randomUUID().toString()).build();
        var jwt = new com.nimbusds.jwt.SignedJWT(new com.nimbusds.jose.JWSHeader.Builder(JWSAlgorithm.EdDSA)
                .keyID(key.getKeyID()).build(), claims);
        jwt.sign(new com.nimbusds.jose.crypto.Ed25519Signer(key));
        return jwt.serialize();
    }

    /** {@code Bearer <deploy-bot's staging access token>}: another agent's credential. */
    public String deployBotBearer() throws Exception {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("grant_type", "client_credentials");
        p.put("environment", "staging");
        p.put("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
        p.put("client_assertion", deployBotAssertion());
        Reply r = postForm("/oauth2/token", null, p);
        if (r.status() != 200) throw new AssertionError(r.body());
        return "Bearer " + r.json().get("access_token").asText();
    }

    /** The audit log's lines as written so far (durable before each response, so complete for what was answered). */
    public java.util.List<String> auditLines() throws IOException {
        if (airlock.audit instanceof PgStateStore pg) return pg.auditLines();
        return java.nio.file.Files.readAllLines(dataDir.resolve("audit.log"));
    }

    @Override
    public void close() throws Exception {
        try {
            server.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } finally {
            airlock.close();
        }
    }
}
