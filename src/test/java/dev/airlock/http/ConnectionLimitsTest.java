package dev.airlock.http;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.app.Airlock;
import dev.airlock.app.AirlockConfig;
import dev.airlock.testing.MutableClock;
import dev.airlock.testing.TestAirlock;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, finding 7: about 20,000 slow connections exhausted the descriptors and stopped the server serving. A cap
 * on connections held, and a deadline for each request's headers and body (what the idle timeout misses: a slow
 * client is never idle).
 */
class ConnectionLimitsTest {
    static final int CAP = 50;
    static final Duration DEADLINE = Duration.ofSeconds(2);

    Airlock airlock;
    Vertx vertx;
    int port;
    final List<Socket> sockets = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        port = TestAirlock.freePort();
        String base = "http://127.0.0.1:" + port;
        airlock = Airlock.open(new AirlockConfig(Files.createTempDirectory("airlock-conn"), TestAirlock.EXAMPLE_POLICY,
                base, JWSAlgorithm.EdDSA, null, new MutableClock(Clock.systemUTC().instant())));
        vertx = Vertx.vertx();
        AirlockServer.start(vertx, airlock, "127.0.0.1", port, 2, new ConnectionLimits(CAP, DEADLINE))
                .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        for (Socket s : sockets) s.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        airlock.close();
    }

    private Socket open() throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(15_000);
        sockets.add(s);
        return s;
    }

    /** A slowloris client: a request line and one header, never the blank line that ends the headers. */
    private Socket slow() throws IOException {
        Socket s = open();
        s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n".getBytes(US_ASCII));
        s.getOutputStream().flush();
        return s;
    }

    /** Everything the server sends until it closes (bounded by the socket timeout). */
    private static String readToClose(Socket s) throws IOException {
        StringBuilder out = new StringBuilder();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = in.read(buf)) >= 0; ) out.append(new String(buf, 0, n, US_ASCII));
        } catch (SocketException reset) {
            // closed by the server with unread data: the same outcome for the client
        }
        return out.toString();
    }

    private String healthz() throws IOException {
        Socket s = open();
        OutputStream o = s.getOutputStream();
        o.write("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(US_ASCII));
        o.flush();
        return readToClose(s);
    }

    @Test
    void slowClientsBeyondTheCapAreClosedAndTheServerServesOnceTheirDeadlinePasses() throws Exception {
        List<Socket> slow = new ArrayList<>();
        for (int i = 0; i < CAP + 20; i++) slow.add(slow());
        // Every slow client is closed: those over the cap at once, the rest at the header deadline.
        for (Socket s : slow) assertEquals("", readToClose(s), "a slow client gets no answer, only a close");
        // A new client is served: the slots are free again, and the accepting loop is alive.
        String reply = healthz();
        assertTrue(reply.startsWith("HTTP/1.1 200"), reply);
    }

    @Test
    void clientWhileTheCapIsFullIsClosedAtOnceNotQueued() throws Exception {
        List<Socket> slow = new ArrayList<>();
        for (int i = 0; i < CAP; i++) slow.add(slow());
        // The server has accepted all 50 once a 51st connection is closed; poll, bounded, until then.
        Instant until = Instant.now().plusSeconds(10);
        String reply = null;
        while (Instant.now().isBefore(until)) {
            reply = healthz();
            if (reply.isEmpty()) break;
        }
        assertEquals("", reply, "over the cap: closed without an answer while the slow ones hold every slot");
    }

    @Test
    void bodyThatDoesNotArriveWithinTheDeadlineIsAnswered408AndClosed() throws Exception {
        Socket s = open();
        s.getOutputStream().write(("POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: 100\r\n\r\n{\"token\":").getBytes(US_ASCII));
        s.getOutputStream().flush();
        String reply = readToClose(s);
        assertTrue(reply.startsWith("HTTP/1.1 408"), reply);
        assertTrue(reply.contains("did not arrive within 2 s"), reply);
    }
}
