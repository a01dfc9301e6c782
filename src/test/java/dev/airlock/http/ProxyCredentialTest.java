package dev.airlock.http;

import static dev.airlock.testing.ProxyFixture.CREDENTIAL;
import static dev.airlock.testing.ProxyFixture.gql;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.testing.ProxyFixture;
import dev.airlock.testing.ProxyFixture.RawReply;
import dev.airlock.testing.TestAirlock.Reply;
import dev.airlock.testing.UpstreamRecorder;
import dev.airlock.testing.UpstreamRecorder.Answer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The credential stays inside (issue 4, item 5). A distinctive provider credential goes through every path the proxy
 * has (allowed, refused, unauthenticated, credential unreadable, upstream down, upstream too slow), and is then looked
 * for in every answer, the audit log and everything logged through {@code java.util.logging} (Vert.x's and Netty's
 * default): it must be nowhere but upstream. And what the agent sends as credentials of its own never gets there.
 */
class ProxyCredentialTest {
    ProxyFixture fx;
    String token;
    final List<String> answers = new ArrayList<>();
    final Capture logs = new Capture();
    Level rootLevel;

    @BeforeEach
    void start() throws Exception {
        Logger root = Logger.getLogger("");
        rootLevel = root.getLevel();
        root.setLevel(Level.ALL); // everything anyone logs, debug included
        root.addHandler(logs);
        fx = ProxyFixture.start();
        token = fx.token("staging", null);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            fx.close();
        } finally {
            Logger.getLogger("").removeHandler(logs);
            Logger.getLogger("").setLevel(rootLevel);
        }
    }

    @Test
    void theCredentialIsInNoAnswerNoAuditLineAndNoLogLineWhateverHappens() throws Exception {
        // Allowed, refused, unauthenticated, credential missing, upstream down.
        keep(fx.graphql(token, gql("{ volume(id: \"vol-7f3a-stg\") { id } }")), 200);
        keep(fx.graphql(token, gql("mutation { volumeDelete(volumeId: \"vol-7f3a\") }")), 403);
        keep(fx.graphql("not-a-token", gql("{ volume(id: \"vol-7f3a-stg\") { id } }")), 401);
        keep(fx.get("/proxy/unset/v1/volumes/vol-7f3a-stg", token), 503);
        keep(fx.get("/proxy/down/v1/volumes/vol-7f3a-stg", token), 502);

        // The credential file holds a CR LF: refused as a header value, and not quoted back.
        Files.writeString(fx.credentialFile, CREDENTIAL + "\r\nX-Injected: 1\n");
        Reply broken = keep(fx.get("/proxy/generic-rest/v1/volumes/vol-7f3a-stg", token), 503);
        assertTrue(broken.json().get("detail").asText().contains("cannot go in a header"), broken.body());
        // The file is gone.
        Files.delete(fx.credentialFile);
        Reply gone = keep(fx.get("/proxy/generic-rest/v1/volumes/vol-7f3a-stg", token), 503);
        assertTrue(gone.json().get("detail").asText().contains(fx.credentialFile.toString()), gone.body());
        Files.writeString(fx.credentialFile, CREDENTIAL + "\n");

        // The upstream takes too long: a second server on the same Airlock, with a short upstream timeout.
        fx.upstream.hang();
        Vertx vertx = Vertx.vertx();
        try {
            HttpServer server = vertx.createHttpServer(AirlockServer.options("127.0.0.1", 0))
                    .requestHandler(Routes.router(vertx, fx.airlock.airlock, new ProxyForwarder.Options(5_000, 300)))
                    .listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            String slow = "http://127.0.0.1:" + server.actualPort() + "/proxy/generic-rest/v1/volumes/vol-7f3a-stg";
            Reply timedOut = keep(fx.airlock.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(slow))
                    .header("Authorization", "Bearer " + token).GET().build()), 504);
            assertEquals("upstream_timeout", timedOut.json().get("code").asText(), timedOut.body());
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }

        for (String a : answers) assertFalse(a.contains(CREDENTIAL), "the credential in an answer: " + a);
        String audit = String.join("\n", fx.airlock.auditLines());
        assertFalse(audit.contains(CREDENTIAL), "the credential in the audit log");
        assertFalse(audit.contains(token), "the agent's token in the audit log");
        assertTrue(logs.count() > 0, "the capture saw nothing: it would prove nothing");
        assertFalse(logs.text().contains(CREDENTIAL), "the credential in a log line");
        assertFalse(logs.text().contains(token), "the agent's token in a log line");
        // It did reach the upstream, where it belongs.
        assertTrue(fx.upstream.received().stream().anyMatch(r -> r.header("Authorization").equals(List.of("Bearer " + CREDENTIAL))));
    }

    @Test
    void theUpstreamSeesExactlyOneAuthorizationTheInjectedOneAndNoneOfTheAgentsCredentials() throws Exception {
        RawReply r = fx.raw("GET /proxy/generic-rest/v1/volumes/vol-7f3a-stg HTTP/1.1\r\n"
                + "Authorization: Bearer " + token + "\r\n"
                + "Proxy-Authorization: Bearer agent-proxy-credential\r\n"
                + "Cookie: session=agent-cookie\r\n"
                + "Forwarded: for=10.9.8.7;host=internal\r\n"
                + "X-Forwarded-For: 10.9.8.7\r\n"
                + "X-Forwarded-Host: internal.example\r\n"
                + "X-Real-IP: 10.9.8.7\r\n"
                + "Keep-Alive: timeout=99\r\n"
                + "TE: trailers\r\n"
                + "X-Smuggle: named-by-connection\r\n"
                + "Connection: X-Smuggle\r\n"
                + "X-Request-Id: kept-1", null);
        assertEquals(200, r.status(), r.text());
        UpstreamRecorder.Received got = fx.upstream.only();
        assertEquals(List.of("Bearer " + CREDENTIAL), got.header("Authorization"));
        for (String gone : List.of("Proxy-Authorization", "Cookie", "Forwarded", "X-Forwarded-For", "X-Forwarded-Host",
                "X-Real-IP", "Keep-Alive", "TE", "X-Smuggle")) {
            assertEquals(List.of(), got.header(gone), gone + " reached the upstream");
        }
        assertEquals(List.of("kept-1"), got.header("X-Request-Id"), "an ordinary header is forwarded");
        assertNoHeaderValueContains(got, token);
    }

    @Test
    void twoAuthorizationHeadersAreRefusedAndNothingIsForwarded() throws Exception {
        RawReply r = fx.raw("GET /proxy/generic-rest/v1/volumes/vol-7f3a-stg HTTP/1.1\r\n"
                + "Authorization: Bearer " + token + "\r\nAuthorization: Bearer agent-own-provider-token", null);
        assertEquals(400, r.status(), r.text());
        assertTrue(fx.upstream.received().isEmpty());
    }

    @Test
    void aProviderCredentialHeaderTheAgentSendsIsReplacedNotForwarded() throws Exception {
        Reply r = fx.call("GET", "/proxy/keyed/v1/volumes/vol-7f3a-stg", token, null, null,
                "X-Api-Key", "agent-own-key", "x-api-key", "agent-second-key");
        assertEquals(200, r.status(), r.body());
        UpstreamRecorder.Received got = fx.upstream.only();
        assertEquals(List.of(CREDENTIAL), got.header("X-Api-Key"));
        assertEquals(List.of(), got.header("Authorization"), "the agent's Airlock token is not forwarded either");
        assertNoHeaderValueContains(got, "agent-own-key");
        assertNoHeaderValueContains(got, "agent-second-key");
    }

    @Test
    void hopByHopHeadersOfTheUpstreamsAnswerAreDropped() throws Exception {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("X-Kept", "yes");
        headers.put("Keep-Alive", "timeout=5");
        headers.put("Proxy-Connection", "keep-alive");
        headers.put("X-Hop", "named-by-connection");
        headers.put("Connection", "X-Hop");
        headers.put("Set-Cookie", "upstream-session=abc");
        fx.upstream.answer(new Answer(200, headers, "{}".getBytes(UTF_8), false));
        RawReply r = fx.raw("GET /proxy/generic-rest/v1/volumes/vol-7f3a-stg HTTP/1.1\r\nAuthorization: Bearer " + token, null);
        assertEquals(200, r.status(), r.text());
        assertEquals(List.of("yes"), r.header("X-Kept"));
        for (String gone : List.of("Keep-Alive", "Proxy-Connection", "X-Hop", "Set-Cookie")) {
            assertEquals(List.of(), r.header(gone), gone + " reached the agent");
        }
    }

    private static void assertNoHeaderValueContains(UpstreamRecorder.Received got, String s) {
        for (Map.Entry<String, List<String>> h : got.headers().entrySet()) {
            for (String v : h.getValue()) assertFalse(v.contains(s), "'" + s + "' upstream in " + h.getKey());
        }
    }

    private Reply keep(Reply r, int status) {
        answers.add(r.status() + " " + r.headers() + " " + r.body());
        assertEquals(status, r.status(), r.body());
        return r;
    }

    /**
     * Every record logged in this JVM while the test runs, formatted with its stack trace, except the records of the
     * test's own stand-ins: the JDK HTTP server playing the upstream (which legitimately receives the credential) and
     * the JDK HTTP client playing the agent (which legitimately holds its token).
     */
    static final class Capture extends Handler {
        private final StringBuilder text = new StringBuilder();
        private int count;

        @Override
        public synchronized void publish(LogRecord r) {
            String name = r.getLoggerName() == null ? "" : r.getLoggerName();
            if (name.startsWith("com.sun.net.httpserver") || name.startsWith("jdk.") || name.startsWith("sun.")
                    || name.startsWith("java.net.http")) {
                return;
            }
            count++;
            text.append(name).append(' ').append(new java.util.logging.SimpleFormatter().formatMessage(r)).append('\n');
            if (r.getParameters() != null) for (Object p : r.getParameters()) text.append(p).append('\n');
            if (r.getThrown() != null) {
                StringWriter w = new StringWriter();
                r.getThrown().printStackTrace(new PrintWriter(w));
                text.append(w);
            }
        }

        synchronized String text() {
            return text.toString();
        }

        synchronized int count() {
            return count;
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

}
