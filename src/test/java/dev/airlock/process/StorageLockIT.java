package dev.airlock.process;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 13, finding 5, with the shipped jar as separate processes: deleting lock files (a "stale lock" clean-up)
 * while a server runs neither lets a writer overwrite acknowledged audit lines nor lets a second server share the
 * data directory.
 */
class StorageLockIT {
    private static final Path POLICY = Path.of("scopes").toAbsolutePath();

    private final List<AirlockProcess> servers = new ArrayList<>();
    private Path tmp;
    private Path logs;

    @BeforeEach
    void dirs() throws IOException {
        tmp = Files.createTempDirectory("airlock-locks");
        logs = tmp.resolve("logs");
    }

    @AfterEach
    void stopServers() throws InterruptedException {
        for (AirlockProcess s : servers) s.close();
    }

    private AirlockProcess server(Path data) throws IOException {
        AirlockProcess s = AirlockProcess.server(data, POLICY, AirlockProcess.freePort(), logs);
        servers.add(s);
        return s;
    }

    private static void deleteLockFiles(Path data) throws IOException {
        try (Stream<Path> files = Files.list(data)) {
            for (Path p : files.filter(p -> p.getFileName().toString().endsWith(".lock")).toList()) {
                Files.delete(p);
            }
        }
    }

    @Test
    @Timeout(180)
    void aSecondServeAfterDeletingEveryLockFileIsRefused() throws Exception {
        Path data = tmp.resolve("data");
        server(data).start();
        deleteLockFiles(data);
        AirlockProcess second = server(data);
        second.launch();
        assertEquals(2, second.awaitExitWithoutListening(Duration.ofSeconds(60)), second.output());
        assertTrue(second.stderr().contains("another Airlock is serving"), second.output());
    }

    @Test
    @Timeout(300)
    void deletingLockFilesWhileAServerWritesLetsNoCliWriteOverwriteAnAcknowledgedAuditLine() throws Exception {
        Path data = tmp.resolve("data");
        AirlockProcess.Result add = AirlockProcess.cli(logs, "agent", "add", "coding-agent", "--data", data.toString(),
                "--policy", POLICY.toString());
        assertEquals(0, add.exit(), add.toString());
        String secret = add.lastLine();
        AirlockProcess server = server(data).start();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String basic = "Basic " + Base64.getEncoder().encodeToString(("coding-agent:" + secret).getBytes(UTF_8));
        HttpRequest mint = HttpRequest.newBuilder(URI.create(server.base + "/oauth2/token"))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/x-www-form-urlencoded")
                .header("Authorization", basic).POST(HttpRequest.BodyPublishers.ofString(
                        "grant_type=client_credentials&environment=staging&scope=db%3Aread")).build();
        for (int i = 0; i < 20; i++) {
            assertEquals(200, http.send(mint, HttpResponse.BodyHandlers.ofString()).statusCode());
        }
        byte[] acknowledged = Files.readAllBytes(data.resolve("audit.log"));

        deleteLockFiles(data);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger minted = new AtomicInteger();
        Thread load = new Thread(() -> {
            while (!stop.get()) {
                try {
                    if (http.send(mint, HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                        minted.incrementAndGet();
                    }
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        });
        load.start();
        try {
            for (int i = 0; i < 3; i++) {
                for (String verb : new String[] {"freeze", "unfreeze"}) {
                    AirlockProcess.Result r = AirlockProcess.cli(logs, "env", verb, "staging", "--data",
                            data.toString(), "--policy", POLICY.toString());
                    assertEquals(0, r.exit(), r.toString());
                }
            }
        } finally {
            stop.set(true);
            load.join();
        }
        assertTrue(minted.get() > 0, "the server kept writing while the CLI did");
        server.close();

        byte[] after = Files.readAllBytes(data.resolve("audit.log"));
        assertTrue(after.length > acknowledged.length);
        assertArrayEquals(acknowledged, Arrays.copyOf(after, acknowledged.length),
                "no acknowledged audit byte was overwritten");
        AirlockProcess.Result verify = AirlockProcess.cli(logs, "audit", "verify", "--data", data.toString());
        assertEquals(0, verify.exit(), verify.toString());
        long freezes = Files.readAllLines(data.resolve("audit.log")).stream()
                .filter(l -> l.contains("\"type\":\"env.frozen\"") || l.contains("\"type\":\"env.unfrozen\"")).count();
        assertEquals(6, freezes, "every CLI write is in the log");
    }
}
