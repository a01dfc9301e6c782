package dev.airlock.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.sun.net.httpserver.HttpServer;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestAirlock.OpsUser;
import dev.airlock.testing.TestAirlock.Reply;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 3, item 7, end to end: webhooks configured in {@code grants.yaml} hear about each grant as it is created,
 * approved, redeemed, denied, cancelled and expired, with the request's details and a link to the ops page, while a
 * webhook that hangs and one that always fails neither hold up nor lose a single grant. The receivers are real HTTP
 * servers on loopback; the notifier is the one the server runs.
 */
class GrantWebhookTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CIBA = "urn:openid:params:grant-type:ciba";
    private static final String REASON = "the staging restore wrote into vol-7f3a by mistake and it must be removed";

    private final List<HttpServer> receivers = new ArrayList<>();
    private final BlockingQueue<JsonNode> heard = new LinkedBlockingQueue<>();
    private final AtomicInteger failedAttempts = new AtomicInteger();
    private final CountDownLatch releaseHung = new CountDownLatch(1);
    private final AtomicInteger hungRequests = new AtomicInteger();
    private TestAirlock airlock;
    private String agent;
    private OpsUser carol;
    private OpsUser dave;

    @BeforeEach
    void start() throws Exception {
        String good = receiver("/hooks/good", exchange -> {
            heard.add(JSON.readTree(exchange.getRequestBody().readAllBytes()));
            return 200;
        });
        String failing = receiver("/hooks/failing", exchange -> {
            failedAttempts.incrementAndGet();
            return 500;
        });
        String hung = receiver("/hooks/hung", exchange -> {
            hungRequests.incrementAndGet();
            releaseHung.await(60, TimeUnit.SECONDS);
            return 200;
        });
        Path policy = Files.createTempDirectory("airlock-webhook-policy");
        try (Stream<Path> files = Files.list(Path.of("scopes"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) Files.copy(f, policy.resolve(f.getFileName()));
        }
        Files.writeString(policy.resolve("grants.yaml"), "\nwebhooks:\n"
                + "  - url: " + hung + "\n"
                + "  - url: " + failing + "\n"
                + "  - url: " + good + "\n", UTF_8, StandardOpenOption.APPEND);
        airlock = TestAirlock.start(policy, Files.createTempDirectory("airlock-webhook-data"), JWSAlgorithm.EdDSA);
        agent = TestAirlock.basic("coding-agent", airlock.issueSecret("coding-agent"));
        carol = airlock.addOps("carol", "prod-ops", "ops");
        dave = airlock.addOps("dave", "prod-ops");
    }

    @AfterEach
    void stop() throws Exception {
        releaseHung.countDown();
        if (airlock != null) airlock.close();
        for (HttpServer s : receivers) s.stop(0);
    }

    @Test
    void everyGrantEventReachesTheWebhookWhileAHungAndAFailingWebhookHoldNothingUp() throws Exception {
        // Created, approved twice, redeemed: the whole flow completes while one webhook is stuck on its first event.
        String approvedId = file("vol-7f3a");
        String carolSession = airlock.opsSignIn(carol);
        String daveSession = airlock.opsSignIn(dave);
        assertEquals(200, approve(carol, carolSession, approvedId).status());
        assertEquals(200, approve(dave, daveSession, approvedId).status());
        Reply token = airlock.postForm("/oauth2/token", agent, Map.of("grant_type", CIBA, "auth_req_id", approvedId));
        assertEquals(200, token.status(), token.body());

        // Denied, cancelled, expired.
        String deniedId = file("vol-9c1e");
        Reply denied = airlock.opsPost("/v1/grants/" + deniedId + "/deny", carolSession,
                Map.of("reason", "use the staging copy instead"));
        assertEquals(200, denied.status(), denied.body());
        String cancelledId = file("vol-9c1e");
        assertEquals(200, airlock.agentPost("/v1/grants/" + cancelledId + "/cancel", agent, Map.of()).status());
        String expiredId = file("vol-7f3a");
        airlock.clock.advance(Duration.ofMinutes(16));
        airlock.airlock.domain().grants.expireDue().get(10, TimeUnit.SECONDS);

        assertEquals(1, hungRequests.get(), "the hung webhook is still holding its first delivery");
        List<String> events = new ArrayList<>();
        Map<String, JsonNode> firstByEvent = new LinkedHashMap<>();
        for (int i = 0; i < 9; i++) {
            JsonNode body = heard.poll(10, TimeUnit.SECONDS);
            assertNotNull(body, "webhook deliveries so far: " + events);
            JsonNode a = body.path("airlock");
            String event = a.path("event").asText();
            events.add(event + " " + a.path("grant_id").asText());
            firstByEvent.putIfAbsent(event, body);
        }
        assertEquals(List.of("created " + approvedId, "approved " + approvedId, "approved " + approvedId,
                "redeemed " + approvedId, "created " + deniedId, "denied " + deniedId, "created " + cancelledId,
                "cancelled " + cancelledId, "created " + expiredId, "expired " + expiredId).subList(0, 9), events);
        JsonNode last = heard.poll(10, TimeUnit.SECONDS);
        assertNotNull(last, "the expiry was announced");
        assertEquals("expired", last.path("airlock").path("event").asText());

        // What an approver needs, and the link to decide.
        JsonNode created = firstByEvent.get("created");
        JsonNode a = created.path("airlock");
        assertEquals("coding-agent", a.path("agent").asText(), created.toString());
        assertEquals("production", a.path("environment").asText(), created.toString());
        assertTrue(a.path("reason").asText().contains("staging restore"), created.toString());
        assertTrue(created.toString().contains(airlock.base + "/ops/#/grants/" + approvedId), created.toString());
        assertTrue(created.has("text") || created.has("blocks"), "Slack-compatible: " + created);

        // The failing webhook was tried (and retried) without costing the grants anything.
        assertTrue(failedAttempts.get() >= 1, "the failing webhook was called");
        assertEquals("redeemed", airlock.agentGet("/v1/grants/" + approvedId, agent).json().path("status").asText());
    }

    private String file(String volume) throws Exception {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("environment", "production");
        b.put("scopes", List.of("volume:delete"));
        b.put("resources", List.of(volume));
        b.put("reason", REASON);
        b.put("command", "railway volume delete " + volume);
        Reply r = airlock.agentPost("/v1/grants", agent, b);
        assertEquals(201, r.status(), r.body());
        return r.json().path("auth_req_id").asText();
    }

    private Reply approve(OpsUser who, String session, String id) throws Exception {
        return airlock.opsPost("/v1/grants/" + id + "/approve", session, Map.of("code", airlock.freshCode(who)));
    }

    interface Answer {
        int status(com.sun.net.httpserver.HttpExchange exchange) throws Exception;
    }

    private String receiver(String path, Answer answer) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        s.createContext(path, exchange -> {
            int status;
            try {
                status = answer.status(exchange);
            } catch (Exception e) {
                status = 599;
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        s.start();
        receivers.add(s);
        return "http://127.0.0.1:" + s.getAddress().getPort() + path;
    }
}
