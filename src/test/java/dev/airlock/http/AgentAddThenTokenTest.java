package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.airlock.cli.Main;
import dev.airlock.testing.TestAirlock;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The README's first two steps, at machine speed (issue 14, item 6): {@code airlock agent add} on the running
 * server's data directory, then at once a token request with the new secret. The server used to read the CLI's write
 * only at its next poll (every 250 ms), so the request was refused with 401 unless a poll happened to fall between.
 * Five rounds, each replacing the secret, make a lucky pass on the old code vanishingly unlikely.
 */
class AgentAddThenTokenTest {
    static TestAirlock airlock;

    @BeforeAll
    static void start() throws Exception {
        airlock = TestAirlock.start();
    }

    @AfterAll
    static void stop() throws Exception {
        airlock.close();
    }

    /** {@code airlock agent add coding-agent} through Main's command tree, as a shell would run it; the secret. */
    static String agentAdd() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute("agent", "add", "coding-agent", "--data", airlock.dataDir.toString(),
                        "--policy", TestAirlock.EXAMPLE_POLICY.toString());
        assertEquals(0, exit, err.toString());
        List<String> lines = out.toString().lines().toList();
        return lines.get(lines.size() - 1);
    }

    @Test
    void tokenRightAfterAgentAddReturnsIsIssuedWithTheNewSecret() throws Exception {
        for (int round = 1; round <= 5; round++) {
            String secret = agentAdd();
            TestAirlock.Reply r = airlock.token("coding-agent", secret, "staging", "volume:read");
            assertEquals(200, r.status(), "round " + round + ": " + r.body());
        }
    }

    @Test
    void aWrongSecretRightAfterAgentAddIsStillRefused() throws Exception {
        agentAdd();
        TestAirlock.Reply r = airlock.token("coding-agent", "airlock_sk_" + "x".repeat(43), "staging", "volume:read");
        assertEquals(401, r.status(), r.body());
        assertEquals("invalid_client", r.json().get("error").asText());
    }
}
