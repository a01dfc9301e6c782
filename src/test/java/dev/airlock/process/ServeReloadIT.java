package dev.airlock.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.testing.IndependentPolicyHash;
import dev.airlock.testing.PolicyCopy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 14 with the shipped jar as a separate process: a real {@code kill -HUP}, {@code airlock policy reload} and
 * {@code airlock keys rotate} against a running {@code airlock serve}.
 */
class ServeReloadIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private AirlockProcess server;

    @AfterEach
    void stop() throws InterruptedException {
        if (server != null) server.close();
    }

    static String get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    static String readyHash(AirlockProcess s) throws Exception {
        return JSON.readTree(get(s.base + "/readyz")).path("policy_hash").asText();
    }

    /** A bound on waiting for the server to act, not a timing assertion. */
    static void await(Callable<Boolean> done, String what) throws Exception {
        for (int i = 0; i < 600; i++) {
            if (done.call()) return;
            Thread.sleep(50);
        }
        throw new AssertionError("gave up waiting for " + what);
    }

    @Test
    @Timeout(240)
    void sighupAndPolicyReloadAndKeysRotateReachARunningServe() throws Exception {
        Path tmp = Files.createTempDirectory("airlock-reload-it");
        PolicyCopy policy = PolicyCopy.ofShipped(tmp);
        Path data = tmp.resolve("data");
        server = AirlockProcess.server(data, policy.dir, AirlockProcess.freePort(), tmp.resolve("logs")).start();
        String first = readyHash(server);
        assertEquals(IndependentPolicyHash.of(policy.dir), first);

        // 1. A real SIGHUP.
        policy.replace("agents.yaml", "    owner: alice\n", "    owner: alice-and-carol\n");
        String edited = IndependentPolicyHash.of(policy.dir);
        assertEquals(0, new ProcessBuilder("kill", "-HUP", Long.toString(server.pid())).start().waitFor());
        await(() -> readyHash(server).equals(edited), "SIGHUP to reload");
        await(() -> server.stderr().contains("SIGHUP: policy reloaded"), "the reload to be reported");

        // 2. The command, refused on a broken edit: the server keeps serving the edited policy.
        policy.replace("agents.yaml", "    owner: alice-and-carol\n", "    owner: alice\n    colour: blue\n");
        AirlockProcess.Result refused = AirlockProcess.cli(tmp.resolve("logs"), "policy", "reload", "--data",
                data.toString());
        assertEquals(1, refused.exit(), refused.toString());
        assertTrue(refused.err().contains("colour"), refused.toString());
        assertEquals(edited, readyHash(server));

        // 3. A rotation published by the CLI shows up in the running server's JWKS.
        String before = get(server.base + "/.well-known/jwks.json");
        AirlockProcess.Result rotated = AirlockProcess.cli(tmp.resolve("logs"), "keys", "rotate", "--data",
                data.toString());
        assertEquals(0, rotated.exit(), rotated.toString());
        String kid = rotated.out().replaceAll("(?s).*published EdDSA key (\\S+);.*", "$1");
        assertNotEquals(rotated.out(), kid, rotated.toString());
        assertTrue(!before.contains(kid));
        await(() -> get(server.base + "/.well-known/jwks.json").contains(kid), "the server to publish the key");
    }
}
