package dev.airlock.process;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 13, finding 7: about 20,000 slow connections exhausted the descriptors and the server stopped accepting for
 * good. Here the server runs with {@code ulimit -n 256}, so its default connection cap is 128 (the limit less 128 kept
 * for files), and a client opens more slow connections than it has descriptors. The server keeps accepting, keeps its
 * files, and serves again.
 */
class DescriptorExhaustionIT {
    static final int SLOW = 400;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void serverWithFewDescriptorsSurvivesMoreSlowConnectionsThanItHasDescriptors() throws Exception {
        Path tmp = Files.createTempDirectory("airlock-fds");
        List<Socket> slow = new ArrayList<>();
        try (AirlockProcess server = AirlockProcess.server(tmp.resolve("data"), Path.of("scopes").toAbsolutePath(),
                AirlockProcess.freePort(), tmp.resolve("logs")).withShellPrefix("ulimit -n 256")) {
            server.start(Duration.ofSeconds(60));
            for (int i = 0; i < SLOW; i++) {
                Socket s = new Socket("127.0.0.1", server.port);
                s.setSoTimeout(30_000);
                s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n".getBytes(US_ASCII));
                slow.add(s);
            }
            // While they are held, a new client is refused (closed), not left hanging; the process stays up.
            assertTrue(server.alive(), server.output());
            for (Socket s : slow) s.close();
            // Once they are gone, the server serves again: it kept accepting and has descriptors for its files.
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            Instant until = Instant.now().plusSeconds(30);
            int status = 0;
            while (Instant.now().isBefore(until) && status != 200) {
                try {
                    status = http.send(HttpRequest.newBuilder(URI.create(server.base + "/healthz"))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                } catch (IOException e) {
                    Thread.sleep(100);
                }
            }
            assertTrue(status == 200, "healthz after the flood: " + status + "\n" + server.output());
            HttpResponse<String> jwks = http.send(HttpRequest.newBuilder(URI.create(server.base + "/.well-known/jwks.json"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(jwks.statusCode() == 200, jwks.body());
            assertTrue(server.alive(), server.output());
        } finally {
            for (Socket s : slow) s.close();
        }
    }

}
