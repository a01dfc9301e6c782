package dev.airlock.http;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.app.Airlock;
import dev.airlock.app.AirlockConfig;
import dev.airlock.testing.MutableClock;
import dev.airlock.testing.TestAirlock;
import io.vertx.core.Vertx;
import java.net.Socket;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, finding 7: the accepting thread died and the process stayed up, so the supervisor never restarted it.
 * The server probes itself; once it no longer accepts connections it says so (healthz 503) and its owner exits.
 */
class ServingWatchTest {
    Airlock airlock;
    Vertx vertx;
    AirlockServer server;
    int port;
    final CountDownLatch lost = new CountDownLatch(1);
    final List<Socket> sockets = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        port = TestAirlock.freePort();
        airlock = Airlock.open(new AirlockConfig(Files.createTempDirectory("airlock-watch"), TestAirlock.EXAMPLE_POLICY,
                "http://127.0.0.1:" + port, JWSAlgorithm.EdDSA, null, new MutableClock(Clock.systemUTC().instant())));
        vertx = Vertx.vertx();
        server = AirlockServer.start(vertx, airlock, "127.0.0.1", port, 2,
                        new ConnectionLimits(5, Duration.ofSeconds(30)), lost::countDown, 100)
                .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        for (Socket s : sockets) s.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        airlock.close();
    }

    @Test
    void serverWhenNoLongerAcceptingThenNotServingAndOwnerTold() throws Exception {
        assertTrue(server.serving());
        server.stopAcceptingForTest().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertTrue(lost.await(30, TimeUnit.SECONDS), "the owner is told, so serve exits and the supervisor restarts it");
        assertFalse(server.serving());
    }

    @Test
    void serverWhoseConnectionCapIsFullIsStillServing() throws Exception {
        for (int i = 0; i < 5; i++) {
            Socket s = new Socket("127.0.0.1", port);
            s.getOutputStream().write("GET /healthz HTTP/1.1\r\n".getBytes(US_ASCII));
            sockets.add(s);
        }
        // Thirty probes' worth: each finds its connection accepted (and closed by the cap), so none counts as a failure.
        assertFalse(lost.await(3, TimeUnit.SECONDS), "a full server is not a dead one");
        assertTrue(server.serving());
    }
}
