package dev.airlock.harness;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The harnesses' well-behaved client of a separate Airlock process: the JDK's HTTP/1.1 client, one call per method,
 * every answer returned as it came (status and body), nothing asserted here. An {@link IOException} means no answer:
 * for the crash harness, an operation that was not acknowledged.
 */
public final class HarnessClient {
    public static final ObjectMapper JSON = new ObjectMapper();
    public static final String CIBA = "urn:openid:params:grant-type:ciba";

    private final HttpClient http;
    public final String base;
    private final Duration timeout;

    public HarnessClient(String base, Duration timeout) {
        this.base = base;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2))
                .build();
    }

    /** An answer; {@code retryAfter} is its Retry-After header or null (a 503 must carry one, RFC 9110 §10.2.3). */
    public record Reply(int status, String body, String retryAfter) {
        public Reply(int status, String body) {
            this(status, body, null);
        }

        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }

        public boolean ok() {
            return status >= 200 && status < 300;
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    public static String basic(String id, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((URLEncoder.encode(id, UTF_8) + ":"
                + URLEncoder.encode(secret, UTF_8)).getBytes(UTF_8));
    }

    public static String form(Map<String, String> params) {
        StringJoiner j = new StringJoiner("&");
        params.forEach((k, v) -> j.add(URLEncoder.encode(k, UTF_8) + "=" + URLEncoder.encode(v, UTF_8)));
        return j.toString();
    }

    public Reply get(String path, String authorization) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout).GET();
        if (authorization != null) b.header("Authorization", authorization);
        return send(b.build());
    }

    public Reply postForm(String path, String authorization, Map<String, String> params)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(params)));
        if (authorization != null) b.header("Authorization", authorization);
        return send(b.build());
    }

    public Reply postJson(String path, String authorization, Object body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (authorization != null) b.header("Authorization", authorization);
        return send(b.build());
    }

    private Reply send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body(), r.headers().firstValue("Retry-After").orElse(null));
    }

    // --- the operations ---

    public Reply mint(String basic, String environment, String scope) throws IOException, InterruptedException {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("grant_type", "client_credentials");
        p.put("environment", environment);
        if (scope != null) p.put("scope", scope);
        return postForm("/oauth2/token", basic, p);
    }

    public Reply check(String token, String environment, String action, String resource)
            throws IOException, InterruptedException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("token", token);
        body.put("environment", environment);
        body.put("action", action);
        if (resource != null) body.put("resource", resource);
        return postJson("/v1/check", null, body);
    }

    public Reply introspect(String basic, String token) throws IOException, InterruptedException {
        return postForm("/oauth2/introspect", basic, Map.of("token", token));
    }

    public Reply revoke(String basic, String token) throws IOException, InterruptedException {
        return postForm("/oauth2/revoke", basic, Map.of("token", token));
    }

    public Reply fileGrant(String basic, String environment, String scope, String resource)
            throws IOException, InterruptedException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("environment", environment);
        body.put("scopes", List.of(scope));
        body.put("resources", List.of(resource));
        body.put("reason", "harness: volume " + resource + " is left over from a migration and must be removed");
        body.put("command", "railway volume delete " + resource);
        return postJson("/v1/grants", basic, body);
    }

    public Reply grant(String authorization, String id) throws IOException, InterruptedException {
        return get("/v1/grants/" + id, authorization);
    }

    public Reply cancel(String basic, String id) throws IOException, InterruptedException {
        return postJson("/v1/grants/" + id + "/cancel", basic, Map.of());
    }

    public Reply approve(String session, String id, String code) throws IOException, InterruptedException {
        return postJson("/v1/grants/" + id + "/approve", "Bearer " + session, Map.of("code", code));
    }

    public Reply deny(String session, String id, String reason) throws IOException, InterruptedException {
        return postJson("/v1/grants/" + id + "/deny", "Bearer " + session, Map.of("reason", reason));
    }

    public Reply redeem(String basic, String id) throws IOException, InterruptedException {
        return postForm("/oauth2/token", basic, Map.of("grant_type", CIBA, "auth_req_id", id));
    }

    /** Ops sign-in; {@code bearer} false asks for the cookie session the web page uses. */
    public Reply signIn(String name, String passphrase, String code, boolean bearer)
            throws IOException, InterruptedException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        body.put("passphrase", passphrase);
        body.put("code", code);
        body.put("bearer", bearer);
        return postJson("/v1/ops/session", null, body);
    }

    /** The cookie a cookie sign-in set, from a raw answer; the JDK client hides Set-Cookie in {@link Reply}. */
    public String signInCookie(String name, String passphrase, String code) throws IOException, InterruptedException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        body.put("passphrase", passphrase);
        body.put("code", code);
        body.put("bearer", false);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/ops/session")).timeout(timeout)
                .header("Content-Type", "application/json").header("Origin", base)
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("airlock_ops="))
                .map(c -> c.substring("airlock_ops=".length(), c.indexOf(';') < 0 ? c.length() : c.indexOf(';')))
                .findFirst().orElseThrow(() -> new AssertionError("no session cookie: " + r.statusCode() + " " + r.body()));
    }

    public static String jti(String jwt) {
        return Jose.payload(jwt).path("jti").asText();
    }
}
