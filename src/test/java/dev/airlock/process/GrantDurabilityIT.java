package dev.airlock.process;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.testing.TestTotp;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 3, item 10: a grant's whole life survives {@code kill -9} of a separate Airlock process. Each step is taken
 * over HTTP against the shipped jar, the process is killed without warning, restarted on the same data directory,
 * and only then is the step's effect looked for: a pending grant and the approval it already has, the redemption
 * (a second redemption is refused), and the spent use (a second check is refused). Every step is in the audit log,
 * whose chain verifies after the last restart.
 *
 * <p>Ops people sign in with TOTP codes from the real clock (the server is another process). Airlock accepts each
 * 30-second step once per account and one step either side of now, so a person signs in with the previous step's
 * code and approves with the current one: two distinct fresh codes without waiting.
 */
class GrantDurabilityIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path POLICY = Path.of("scopes").toAbsolutePath();
    private static final int SIGKILL_EXIT = 128 + 9;

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final List<AirlockProcess> servers = new ArrayList<>();
    private Path tmp;
    private Path logs;
    private String base;
    private String basic;

    record Reply(int status, String body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    record Ops(String name, String passphrase, String totpSecret) {}

    @BeforeEach
    void dirs() throws IOException {
        tmp = Files.createTempDirectory("airlock-grant-durability");
        logs = tmp.resolve("logs");
    }

    @AfterEach
    void stopServers() throws InterruptedException {
        for (AirlockProcess s : servers) s.close();
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void pendingGrantsApprovalsRedemptionsAndUsesSurviveKill9() throws Exception {
        Path data = tmp.resolve("data");
        AirlockProcess.Result add = AirlockProcess.cli(logs, "agent", "add", "coding-agent", "--data", data.toString(),
                "--policy", POLICY.toString());
        assertEquals(0, add.exit(), add.toString());
        basic = DurabilityIT.basic("coding-agent", add.lastLine());
        AirlockProcess server = AirlockProcess.server(data, POLICY, AirlockProcess.freePort(), logs);
        servers.add(server);
        server.start();
        base = server.base;
        // Two production approvers, created by the CLI while the server runs (it picks them up from the journal).
        Ops bob = addOps(data, "bob");
        Ops carol = addOps(data, "carol");

        // 1. The agent files two production-destructive grants; one will stay pending throughout.
        String first = fileGrant("vol-7f3a");
        String second = fileGrant("vol-9c1e");

        // 2. bob approves the first: one of two approvals, still pending. kill -9, restart.
        String bobSession = signIn(bob);
        Reply approved = opsPost("/v1/grants/" + first + "/approve", bobSession, Map.of("code", code(bob, 0)));
        assertEquals(200, approved.status(), approved.body());
        assertEquals("pending", approved.json().path("status").asText(), approved.body());
        restart(server);

        // 3. Both grants are still pending, and the first still has bob's approval.
        JsonNode g1 = grant(first);
        assertEquals("pending", g1.path("status").asText(), g1.toString());
        assertEquals(1, g1.path("approvals").size(), g1.toString());
        assertEquals("bob", g1.path("approvals").get(0).path("by").asText(), g1.toString());
        assertEquals("pending", grant(second).path("status").asText());
        // A restart signs everyone out (sessions live in memory): bob's bearer no longer works.
        assertEquals(401, opsGet("/v1/grants?status=pending", bobSession).status());

        // 4. carol gives the second approval; the agent redeems it. kill -9, restart.
        String carolSession = signIn(carol);
        Reply quorum = opsPost("/v1/grants/" + first + "/approve", carolSession, Map.of("code", code(carol, 0)));
        assertEquals(200, quorum.status(), quorum.body());
        assertEquals("approved", quorum.json().path("status").asText(), quorum.body());
        Reply redeemed = redeem(first);
        assertEquals(200, redeemed.status(), redeemed.body());
        String grantToken = redeemed.json().path("access_token").asText();
        assertFalse(grantToken.isEmpty(), redeemed.body());
        restart(server);

        // 5. The redemption held: a second one is refused. The token still works, once.
        Reply again = redeem(first);
        assertEquals(400, again.status(), again.body());
        assertEquals("invalid_grant", again.json().path("error").asText(), again.body());
        assertEquals("redeemed", grant(first).path("status").asText());
        JsonNode use = check(grantToken, "vol-7f3a");
        assertTrue(use.path("allowed").asBoolean(), use.toString());
        restart(server);

        // 6. The use held: the one-shot token is spent after the restart too. The other grant is still pending.
        JsonNode spent = check(grantToken, "vol-7f3a");
        assertFalse(spent.path("allowed").asBoolean(true), spent.toString());
        assertTrue(spent.path("reason").asText().contains("grant already used"), spent.toString());
        assertEquals("pending", grant(second).path("status").asText());

        // 7. Every step is an audit event, and the chain verifies.
        AirlockProcess.Result verify = AirlockProcess.cli(logs, "audit", "verify", "--data", data.toString());
        assertEquals(0, verify.exit(), verify.toString());
        List<String> events = grantEvents(data, first);
        assertEquals(List.of("grant.requested", "grant.approved", "grant.approved", "grant.redeemed", "grant.used"),
                events.stream().filter(e -> !e.equals("check")).toList(), "grant " + first + " in the audit log");
        assertEquals(List.of("grant.requested"), grantEvents(data, second));
    }

    // ---------------------------------------------------------------------------------------------------------------

    private void restart(AirlockProcess server) throws Exception {
        assertEquals(SIGKILL_EXIT, server.kill9(), "exit status of a SIGKILLed process");
        server.start();
    }

    private Ops addOps(Path data, String name) throws Exception {
        AirlockProcess.Result r = AirlockProcess.cli(logs, "ops", "add", name, "--group", "prod-ops", "--no-qr",
                "--data", data.toString(), "--policy", POLICY.toString());
        assertEquals(0, r.exit(), r.toString());
        return new Ops(name, printed(r.out(), "Passphrase:"), printed(r.out(), "TOTP secret:"));
    }

    private static String printed(String out, String label) {
        return out.lines().filter(l -> l.startsWith(label)).map(l -> l.substring(label.length()).strip()).findFirst()
                .orElseThrow(() -> new AssertionError("no '" + label + "' in:\n" + out));
    }

    /** The code of the current 30-second step plus {@code offset} steps, as the person's phone would show it. */
    private static String code(Ops who, int offset) {
        return TestTotp.code(who.totpSecret(), Instant.now().plusSeconds(30L * offset));
    }

    private String signIn(Ops who) throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", who.name());
        body.put("passphrase", who.passphrase());
        body.put("code", code(who, -1));
        body.put("bearer", true);
        Reply r = postJson("/v1/ops/session", null, body);
        assertEquals(200, r.status(), r.body());
        return r.json().path("token").asText();
    }

    private String fileGrant(String volume) throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("environment", "production");
        body.put("scopes", List.of("volume:delete"));
        body.put("resources", List.of(volume));
        body.put("reason", "staging volume migration left " + volume + " orphaned; ticket OPS-2291 asks to remove it");
        body.put("command", "railway volume delete " + volume);
        Reply r = postJson("/v1/grants", basic, body);
        assertEquals(201, r.status(), r.body());
        return r.json().path("auth_req_id").asText();
    }

    private JsonNode grant(String id) throws Exception {
        Reply r = send(HttpRequest.newBuilder(URI.create(base + "/v1/grants/" + id)).header("Authorization", basic)
                .timeout(Duration.ofSeconds(10)).GET().build());
        assertEquals(200, r.status(), r.body());
        return r.json();
    }

    private Reply redeem(String id) throws Exception {
        String form = "grant_type=" + URLEncoder.encode("urn:openid:params:grant-type:ciba", UTF_8) + "&auth_req_id="
                + URLEncoder.encode(id, UTF_8);
        return send(HttpRequest.newBuilder(URI.create(base + "/oauth2/token")).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-www-form-urlencoded").header("Authorization", basic)
                .POST(HttpRequest.BodyPublishers.ofString(form)).build());
    }

    private JsonNode check(String token, String resource) throws Exception {
        Reply r = postJson("/v1/check", null, Map.of("token", token, "environment", "production",
                "action", "volume:delete", "resource", resource));
        assertEquals(200, r.status(), r.body());
        return r.json();
    }

    private Reply opsPost(String path, String session, Object body) throws Exception {
        return postJson(path, "Bearer " + session, body);
    }

    private Reply opsGet(String path, String session) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + session)
                .timeout(Duration.ofSeconds(10)).GET().build());
    }

    private Reply postJson(String path, String authorization, Object body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (authorization != null) b.header("Authorization", authorization);
        return send(b.build());
    }

    private Reply send(HttpRequest request) throws Exception {
        HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body());
    }

    /** The types of the audit events about one grant, in log order. */
    private static List<String> grantEvents(Path data, String id) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(data.resolve("audit.log"), UTF_8)) {
            JsonNode e = JSON.readTree(line);
            if (e.path("grant_id").asText().equals(id)) out.add(e.path("type").asText());
        }
        return out;
    }
}
