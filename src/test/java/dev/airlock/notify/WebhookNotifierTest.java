package dev.airlock.notify;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.airlock.core.grant.Approval;
import dev.airlock.core.grant.Grant;
import dev.airlock.core.grant.GrantEvent;
import dev.airlock.core.grant.GrantStatus;
import dev.airlock.core.policy.Webhook;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real HTTP on loopback: each receiver is a JDK {@link HttpServer} whose answers the test scripts. Waits have generous
 * deadlines; nothing asserts that anything was fast, only what arrived, how often, and in what order.
 */
@Timeout(120)
class WebhookNotifierTest {
    static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    static final Instant AT = T0.plus(Duration.ofMinutes(5));
    static final Duration DEADLINE = Duration.ofSeconds(30);
    static final String OPS = "https://ops.example/";
    static final ObjectMapper JSON = new ObjectMapper();

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final Logger notifyLogger = Logger.getLogger("dev.airlock.notify");
    private final List<String> logLines = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            logLines.add(new SimpleFormatter().format(r));
        }

        @Override
        public void flush() { }

        @Override
        public void close() { }
    };

    @BeforeEach
    void captureLogs() {
        notifyLogger.addHandler(capture);
    }

    @AfterEach
    void closeEverything() throws Exception {
        notifyLogger.removeHandler(capture);
        Collections.reverse(toClose);
        for (AutoCloseable c : toClose) c.close();
    }

    // ---- delivery and payload ---------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"created", "approved", "denied", "expired", "cancelled", "redeemed"})
    void whenAGrantEventHappensThenEachWebhookGetsItsFieldsAndLink(String type) throws Exception {
        Receiver hook = receiver();
        WebhookNotifier notifier = notifier(List.of(Webhook.forUrl(hook.url("/hook"))), fast());

        notifier.notify(new GrantEvent(type, grant("gr_abc", statusAfter(type)), "alice", AT));

        Request r = hook.next();
        assertEquals("POST", r.method());
        assertEquals("/hook", r.path());
        assertTrue(r.contentType().startsWith("application/json"), r.contentType());
        JsonNode a = r.json().get("airlock");
        assertEquals(type, a.get("event").asText());
        assertEquals("gr_abc", a.get("grant_id").asText());
        assertEquals("coding-agent", a.get("agent").asText());
        assertEquals("production", a.get("environment").asText());
        assertEquals("[\"volume:delete\"]", a.get("scopes").toString());
        assertEquals("[\"vol-7f3a\"]", a.get("resources").toString());
        assertEquals("the volume vol-7f3a is full of stale test data", a.get("reason").asText());
        assertEquals("airlock-vol rm vol-7f3a", a.get("command").asText());
        assertEquals(1, a.get("approvals").asInt());
        assertEquals(2, a.get("approvals_required").asInt());
        assertEquals("[\"alice\"]", a.get("approved_by").toString());
        assertEquals(statusAfter(type).label(), a.get("status").asText());
        assertEquals("alice", a.get("actor").asText());
        assertEquals(AT.toString(), a.get("at").asText());
        assertEquals("https://ops.example/ops/#/grants/gr_abc", a.get("link").asText());

        String text = r.json().get("text").asText();
        assertTrue(text.contains("gr_abc") && text.contains("https://ops.example/ops/#/grants/gr_abc"), text);
        assertTrue(text.contains(type.equals("created") ? "requested" : type), text);
        JsonNode blocks = r.json().get("blocks");
        assertTrue(blocks.get(0).get("text").get("text").asText()
                .contains("<https://ops.example/ops/#/grants/gr_abc|"), blocks.toString());
        assertTrue(blocks.get(1).get("fields").size() >= 8, "a section of fields: " + blocks);
        assertFalse(r.bodyText().contains("jti-must-not-leak"), "no token or token id in a notification");
    }

    @Test
    void whenAWebhookListsEventsThenOnlyThoseAreSent() throws Exception {
        Receiver hook = receiver();
        WebhookNotifier notifier = notifier(List.of(new Webhook(hook.url("/only-decisions"), null,
                Set.of("denied", "redeemed"))), fast());

        notifier.notify(event("created", "gr_1"));
        notifier.notify(event("approved", "gr_1"));
        notifier.notify(event("denied", "gr_1"));
        notifier.close();   // lets everything queued go out

        assertEquals("denied", hook.next().json().get("airlock").get("event").asText(),
                "one sender per webhook delivers in order, so anything sent for created/approved would come first");
        assertEquals(1, hook.count());
    }

    @Test
    void whenUrlEnvIsSetThenTheInjectedGetenvResolvesItAndAnUnsetOneIsLoggedOnceByName() throws Exception {
        Receiver hook = receiver();
        Map<String, String> env = Map.of("AIRLOCK_TEST_HOOK", hook.url("/from-env"),
                "AIRLOCK_BAD_HOOK", "ftp://hooks.example/BADVALUESECRET");
        Set<String> all = Set.copyOf(Webhook.EVENTS);
        WebhookNotifier notifier = notifier(List.of(
                new Webhook(null, "AIRLOCK_TEST_HOOK", all),
                new Webhook(null, "AIRLOCK_MISSING_HOOK", all),
                new Webhook(null, "AIRLOCK_BAD_HOOK", all)), env::get, fast());

        for (int i = 0; i < 3; i++) notifier.notify(event("created", "gr_" + i));

        assertEquals(1, notifier.activeWebhooks());
        assertEquals("/from-env", hook.next().path());
        assertEquals(1, logLines.stream().filter(l -> l.contains("AIRLOCK_MISSING_HOOK")).count(), logLines.toString());
        assertEquals(1, logLines.stream().filter(l -> l.contains("AIRLOCK_BAD_HOOK")).count(), logLines.toString());
        assertFalse(String.join("", logLines).contains("BADVALUESECRET"), "a variable's value is never logged");
    }

    // ---- retries ------------------------------------------------------------------------------------------------

    @Test
    void whenTheReceiverFailsTwiceWith500ThenTheThirdAttemptDelivers() throws Exception {
        Receiver hook = receiver();
        hook.answer(n -> n <= 2 ? Reply.of(500) : Reply.of(200));
        WebhookNotifier notifier = notifier(List.of(Webhook.forUrl(hook.url("/flaky"))), fast());

        notifier.notify(event("created", "gr_1"));

        await(() -> notifier.stats().delivered() == 1, notifier);
        assertEquals(3, hook.count());
        assertEquals(2, notifier.stats().retries());
        List<String> bodies = List.of(hook.next().bodyText(), hook.next().bodyText(), hook.next().bodyText());
        assertEquals(1, Set.copyOf(bodies).size(), "every attempt sends the same body");
    }

    @Test
    void whenTheReceiverSays429WithRetryAfterThenTheRetryWaitsThatLong() throws Exception {
        Receiver hook = receiver();
        hook.answer(n -> n == 1 ? Reply.of(429, "Retry-After", "1") : Reply.of(200));
        WebhookNotifier notifier = notifier(List.of(Webhook.forUrl(hook.url("/limited"))), fast());

        notifier.notify(event("created", "gr_1"));

        await(() -> notifier.stats().delivered() == 1, notifier);
        Request first = hook.next();
        Request second = hook.next();
        // A lower bound only: the test back-off is 1 ms, so a retry that ignored Retry-After would come far sooner.
        long gapMillis = TimeUnit.NANOSECONDS.toMillis(second.nanos() - first.nanos());
        assertTrue(gapMillis >= 950, "retried after " + gapMillis + " ms despite Retry-After: 1");
    }

    @Test
    void whenRetryAfterIsHugeThenItIsCapped() throws Exception {
        Receiver hook = receiver();
        hook.answer(n -> n == 1 ? Reply.of(429, "Retry-After", "86400") : Reply.of(200));
        WebhookNotifier.Tuning capped = new WebhookNotifier.Tuning(fast().retryDelays(), Duration.ofSeconds(5),
                Duration.ofSeconds(60), Duration.ofMillis(50), 1000, DEADLINE);
        WebhookNotifier notifier = notifier(List.of(Webhook.forUrl(hook.url("/day"))), capped);

        notifier.notify(event("created", "gr_1"));

        await(() -> notifier.stats().delivered() == 1, notifier);   // a day's wait would miss this deadline
        assertEquals(2, hook.count());
    }

    @Test
    void retryAfterIsReadAsSecondsOrAnHttpDate() {
        Duration max = Duration.ofSeconds(60);
        assertEquals(Duration.ofSeconds(7), WebhookTarget.retryAfter(" 7 ", T0, max).orElseThrow());
        assertEquals(Duration.ofSeconds(30),
                WebhookTarget.retryAfter("Tue, 1 Jan 2030 00:00:30 GMT", T0, max).orElseThrow());
        assertEquals(Duration.ZERO, WebhookTarget.retryAfter("Mon, 31 Dec 2029 23:00:00 GMT", T0, max).orElseThrow());
        assertEquals(max, WebhookTarget.retryAfter("3600", T0, max).orElseThrow());
        assertTrue(WebhookTarget.retryAfter("soon", T0, max).isEmpty());
        assertTrue(WebhookTarget.retryAfter("-1", T0, max).isEmpty());
    }

    @Test
    void whenTheReceiverSays400ThenThereIsNoRetry() throws Exception {
        Receiver hook = receiver();
        hook.answer(n -> Reply.of(400));
        WebhookNotifier notifier = notifier(List.of(Webhook.forUrl(hook.url("/bad"))), fast());

        notifier.notify(event("created", "gr_1"));

        await(() -> notifier.stats().failed() == 1, notifier);
        assertEquals(1, hook.count());
        assertEquals(0, notifier.stats().retries());
    }

    @Test
    void whenTheReceiverRedirectsThenTheRedirectIsNotFollowed() throws Exception {
        Receiver elsewhere = receiver();
        Receiver hook = receiver();
        hook.answer(n -> Reply.of(302, "Location", elsewhere.url("/collector")));
        WebhookNotifier notifier = notifier(List.of(Webhook.forUrl(hook.url("/moved"))), fast());

        notifier.notify(event("created", "gr_1"));

        await(() -> notifier.stats().failed() == 1, notifier);
        assertEquals(1, hook.count());
        assertEquals(0, elsewhere.count(), "the grant went only where the policy says");
    }

    @Test
    void whenNothingListensThenEachBackOffIsTriedAndThenItGivesUp() throws Exception {
        WebhookNotifier notifier = notifier(List.of(Webhook.forUrl(deadUrl("/nobody"))), fast());

        notifier.notify(event("created", "gr_1"));

        await(() -> notifier.stats().failed() == 1, notifier);
        assertEquals(5, notifier.stats().retries(), "1, 2, 4, 8, 16 s in production: five retries");
    }

    // ---- isolation and back-pressure ------------------------------------------------------------------------------

    @Test
    void whenOneWebhookNeverAnswersThenNeitherNotifyNorAnotherWebhookWaitsForIt() throws Exception {
        Receiver slow = receiver();
        CountDownLatch release = new CountDownLatch(1);
        slow.answer(n -> {
            release.await();
            return Reply.of(200);
        });
        Receiver healthy = receiver();
        WebhookNotifier notifier = notifier(List.of(Webhook.forUrl(slow.url("/slow")),
                Webhook.forUrl(healthy.url("/healthy"))), fast());
        toClose.add(release::countDown);   // closes first: unsticks the slow receiver before the notifier closes

        notifier.notify(event("created", "gr_1"));
        slow.next();                                    // the slow webhook is now holding its request open
        notifier.notify(event("approved", "gr_1"));     // returns although that webhook's sender is stuck

        assertEquals("created", healthy.next().json().get("airlock").get("event").asText());
        assertEquals("approved", healthy.next().json().get("airlock").get("event").asText());
        assertEquals(1, release.getCount(), "both arrived while the slow webhook was still stuck");
        assertEquals(1, slow.count());
    }

    @Test
    void whenAWebhookHasTooManyDeliveriesInHandThenNewOnesAreDroppedWithoutBlocking() throws Exception {
        Receiver stuck = receiver();
        CountDownLatch release = new CountDownLatch(1);
        stuck.answer(n -> {
            release.await();
            return Reply.of(200);
        });
        WebhookNotifier.Tuning four = new WebhookNotifier.Tuning(fast().retryDelays(), Duration.ofSeconds(5),
                Duration.ofSeconds(60), Duration.ofSeconds(60), 4, DEADLINE);
        WebhookNotifier notifier = notifier(List.of(Webhook.forUrl(stuck.url("/stuck"))), four);

        for (int i = 0; i < 50; i++) notifier.notify(event("created", "gr_" + i));   // would hang here if it blocked

        assertEquals(46, notifier.stats().dropped(), "four in hand (one in flight, three queued), the rest dropped");
        assertTrue(logLines.stream().anyMatch(l -> l.contains("dropped")), logLines.toString());
        release.countDown();
        await(() -> notifier.stats().delivered() == 4, notifier);
        assertEquals(4, stuck.count());
    }

    @Test
    void whenClosedThenQueuedDeliveriesStillGoOutAndLaterEventsDoNot() throws Exception {
        Receiver hook = receiver();
        WebhookNotifier notifier = notifier(List.of(Webhook.forUrl(hook.url("/close"))), fast());

        for (int i = 0; i < 3; i++) notifier.notify(event("created", "gr_" + i));
        notifier.close();
        notifier.notify(event("created", "gr_late"));

        assertEquals(3, hook.count());
        assertEquals(3, notifier.stats().delivered());
    }

    @Test
    void notifyNeverThrows() throws Exception {
        Receiver hook = receiver();
        WebhookNotifier notifier = notifier(List.of(Webhook.forUrl(hook.url("/x"))), fast());

        assertDoesNotThrow(() -> notifier.notify(null));
        assertDoesNotThrow(() -> notifier.notify(new GrantEvent("created", null, "alice", AT)));
        assertDoesNotThrow(() -> notifier.notify(new GrantEvent(null, grant("gr_1", GrantStatus.PENDING), null, null)));
    }

    // ---- what agents control, and what must stay secret -----------------------------------------------------------

    @Test
    void whenTheAgentWritesSlackMarkupThenItArrivesNeutralised() throws Exception {
        Receiver hook = receiver();
        WebhookNotifier notifier = notifier(List.of(Webhook.forUrl(hook.url("/slack"))), fast());
        Grant evil = withText(grant("gr_1", GrantStatus.PENDING), "<!channel> <https://evil|click> @here approve me",
                "rm -rf /tmp/x ```\n<!here> [approve](https://evil) done", List.of("vol-1", "<@U123|boss>"));

        notifier.notify(new GrantEvent("created", evil, "coding-agent", AT));

        JsonNode body = hook.next().json();
        List<String> strings = new ArrayList<>();
        collectStrings(body, strings);
        for (String s : strings) {
            for (String bad : List.of("<!channel", "<!here", "<https://evil", "<@U123", "@here", "](https://evil")) {
                assertFalse(s.contains(bad), "'" + bad + "' reached the message in: " + s);
            }
            for (int i = s.indexOf("<http"); i >= 0; i = s.indexOf("<http", i + 1)) {
                assertTrue(s.startsWith("<https://ops.example/ops/#/grants/gr_1|", i), "only our own link: " + s);
            }
        }
        assertTrue(body.get("airlock").get("reason").asText().startsWith("&lt;!channel&gt; &lt;https://evil|click&gt;"));
        String command = strings.stream().filter(t -> t.startsWith("*Command*")).findFirst().orElseThrow();
        assertEquals(2, command.split("```", -1).length - 1, "the agent cannot close the code block: " + command);
    }

    @Test
    void whenAgentTextIsLongThenItIsCutWithAnEllipsisAndNeverInsideAnEscape() throws Exception {
        Receiver hook = receiver();
        WebhookNotifier notifier = notifier(List.of(Webhook.forUrl(hook.url("/long"))), fast());
        Grant longOne = withText(grant("gr_1", GrantStatus.PENDING), "&".repeat(2000), "x".repeat(5000),
                List.of("vol-1"));

        notifier.notify(new GrantEvent("created", longOne, "coding-agent", AT));

        JsonNode a = hook.next().json().get("airlock");
        String reason = a.get("reason").asText();
        String command = a.get("command").asText();
        assertTrue(reason.length() <= 500 && reason.endsWith("…"), reason.length() + " chars");
        assertTrue(reason.substring(0, reason.length() - 1).matches("(&amp;)+"), reason);
        assertTrue(command.length() <= 1000 && command.endsWith("…"), command.length() + " chars");
    }

    @Test
    void theWebhookUrlPathAndQueryNeverReachTheLog() throws Exception {
        Receiver refusing = receiver();
        refusing.answer(n -> Reply.of(400));
        WebhookNotifier failing = notifier(List.of(
                Webhook.forUrl(refusing.url("/services/T0SECRET/B0SECRET/XSECRET?token=QSECRET")),
                Webhook.forUrl(deadUrl("/hooks/DEADSECRET?k=KSECRET"))), fast());
        Receiver full = receiver();
        CountDownLatch release = new CountDownLatch(1);
        full.answer(n -> {
            release.await();
            return Reply.of(200);
        });
        WebhookNotifier.Tuning one = new WebhookNotifier.Tuning(fast().retryDelays(), Duration.ofSeconds(5),
                Duration.ofSeconds(60), Duration.ofSeconds(60), 1, DEADLINE);
        WebhookNotifier overflowing = notifier(List.of(Webhook.forUrl(full.url("/q/FULLSECRET?t=TSECRET"))), one);

        for (int i = 0; i < 3; i++) {
            failing.notify(event("created", "gr_" + i));
            overflowing.notify(event("created", "gr_" + i));
        }
        await(() -> failing.stats().failed() == 6, failing);
        assertEquals(2, overflowing.stats().dropped());
        release.countDown();

        String log = String.join("", logLines);
        assertTrue(log.contains("HTTP 400") && log.contains("ConnectException") && log.contains("dropped"), log);
        assertTrue(log.contains("127.0.0.1"), "the host is named, so people know which webhook: " + log);
        assertFalse(log.contains("SECRET"), log);
    }

    // ---- fixtures -------------------------------------------------------------------------------------------------

    static WebhookNotifier.Tuning fast() {
        return new WebhookNotifier.Tuning(List.of(Duration.ofMillis(1), Duration.ofMillis(1), Duration.ofMillis(1),
                Duration.ofMillis(1), Duration.ofMillis(1)), Duration.ofSeconds(5), Duration.ofSeconds(60),
                Duration.ofSeconds(60), 1000, DEADLINE);
    }

    WebhookNotifier notifier(List<Webhook> hooks, WebhookNotifier.Tuning tuning) {
        return notifier(hooks, name -> null, tuning);
    }

    WebhookNotifier notifier(List<Webhook> hooks, Function<String, String> getenv, WebhookNotifier.Tuning tuning) {
        return track(new WebhookNotifier(hooks, OPS, getenv, Clock.fixed(AT, ZoneOffset.UTC), tuning,
                WebhookNotifier.httpClient(tuning)));
    }

    static GrantStatus statusAfter(String type) {
        return switch (type) {
            case "created" -> GrantStatus.PENDING;
            case "approved" -> GrantStatus.APPROVED;
            default -> GrantStatus.valueOf(type.toUpperCase(java.util.Locale.ROOT));
        };
    }

    static GrantEvent event(String type, String grantId) {
        return new GrantEvent(type, grant(grantId, statusAfter(type)), "alice", AT);
    }

    static Grant grant(String id, GrantStatus status) {
        return new Grant(id, "coding-agent", "production", List.of("volume:delete"), List.of("vol-7f3a"),
                "the volume vol-7f3a is full of stale test data", "airlock-vol rm vol-7f3a", 2,
                List.of(new Approval("alice", T0.plusSeconds(60))), status, T0, T0.plus(Duration.ofHours(1)),
                null, null, null, "jti-must-not-leak", 1, null, 3);
    }

    static Grant withText(Grant g, String reason, String command, List<String> resources) {
        return new Grant(g.id(), g.agentId(), g.environment(), g.scopes(), resources, reason, command,
                g.requiredApprovals(), g.approvals(), g.status(), g.createdAt(), g.expiresAt(), g.decidedBy(),
                g.denyReason(), g.decidedAt(), g.tokenJti(), g.usesLeft(), g.tokenExpiresAt(), g.version());
    }

    static void collectStrings(JsonNode n, List<String> out) {
        if (n.isTextual()) out.add(n.asText());
        for (JsonNode child : n) collectStrings(child, out);
    }

    private <T extends AutoCloseable> T track(T c) {
        toClose.add(c);
        return c;
    }

    private Receiver receiver() throws IOException {
        return track(new Receiver());
    }

    /** An http URL on a loopback port nobody listens on (bound, then released). */
    static String deadUrl(String pathAndQuery) throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + s.getLocalPort() + pathAndQuery;
        }
    }

    static void await(BooleanSupplier condition, WebhookNotifier notifier) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "condition not met within " + DEADLINE + "; " + notifier.stats());
            Thread.sleep(5);
        }
    }

    record Reply(int status, Map<String, String> headers) {
        static Reply of(int status) {
            return new Reply(status, Map.of());
        }

        static Reply of(int status, String header, String value) {
            return new Reply(status, Map.of(header, value));
        }
    }

    interface Answer {
        /** @param n the number of this request, from 1 */
        Reply reply(int n) throws Exception;
    }

    record Request(String method, String path, String contentType, byte[] body, long nanos) {
        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    /** A webhook receiver: records every request (before answering, so a stuck answer is still seen), then answers. */
    static final class Receiver implements AutoCloseable {
        private final HttpServer server;
        private final ExecutorService pool = Executors.newCachedThreadPool();
        private final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
        private final AtomicInteger count = new AtomicInteger();
        private volatile Answer answer = n -> Reply.of(200);

        Receiver() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setExecutor(pool);
            server.createContext("/", this::handle);
            server.start();
        }

        void answer(Answer a) {
            this.answer = a;
        }

        String url(String pathAndQuery) {
            return "http://127.0.0.1:" + server.getAddress().getPort() + pathAndQuery;
        }

        int count() {
            return count.get();
        }

        Request next() throws InterruptedException {
            Request r = requests.poll(DEADLINE.toSeconds(), TimeUnit.SECONDS);
            assertNotNull(r, "no request within " + DEADLINE);
            return r;
        }

        private void handle(HttpExchange ex) throws IOException {
            try (ex; InputStream in = ex.getRequestBody()) {
                byte[] body = in.readAllBytes();
                int n = count.incrementAndGet();
                requests.add(new Request(ex.getRequestMethod(), ex.getRequestURI().getPath(),
                        String.valueOf(ex.getRequestHeaders().getFirst("Content-Type")), body, System.nanoTime()));
                Reply reply;
                try {
                    reply = answer.reply(n);
                } catch (Exception e) {
                    reply = Reply.of(599);
                }
                reply.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
                ex.sendResponseHeaders(reply.status(), -1);
            }
        }

        @Override
        public void close() {
            server.stop(0);
            pool.shutdownNow();
        }
    }
}
