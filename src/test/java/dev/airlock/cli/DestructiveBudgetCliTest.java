package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.cli.GrantCommandTest.Run;
import dev.airlock.cli.GrantCommandTest.Runner;
import dev.airlock.testing.PolicyCopy;
import dev.airlock.testing.TestAirlock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, part 3, as the agent meets it: {@code POST /v1/grants} and {@code airlock grant request} over a real
 * server whose clock the test moves. Two destructive uses a day in staging: two requests filed, the third refused with
 * the instant the budget resets (and {@code Retry-After}), and filed again once the UTC day has turned.
 */
class DestructiveBudgetCliTest {
    static final String REASON = "vol-7f3a-stg is an orphaned copy of the old primary; deleting it frees the quota";

    @TempDir
    Path data;
    @TempDir
    Path tmp;
    TestAirlock airlock;
    Path secretFile;
    String basic;

    @BeforeEach
    void start() throws Exception {
        Path policy = PolicyCopy.ofShipped().replace("grants.yaml", "  staging:\n    approver_groups: [ops]\n",
                "  staging:\n    approver_groups: [ops]\n    destructive_uses_per_day: 2\n").dir;
        airlock = TestAirlock.start(policy, data, JWSAlgorithm.EdDSA);
        airlock.clock.set(Instant.parse("2031-03-04T23:55:00Z"));
        String secret = airlock.issueSecret("coding-agent");
        basic = TestAirlock.basic("coding-agent", secret);
        secretFile = tmp.resolve("secret");
        Files.writeString(secretFile, secret + "\n");
    }

    @AfterEach
    void stop() throws Exception {
        airlock.close();
    }

    TestAirlock.Reply post() throws Exception {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("environment", "staging");
        b.put("scopes", List.of("volume:delete"));
        b.put("resources", List.of("vol-7f3a-stg"));
        b.put("reason", REASON);
        return airlock.agentPost("/v1/grants", basic, b);
    }

    Run request() {
        List<String> all = new ArrayList<>(List.of("grant", "request", "--env", "staging", "--scope", "volume:delete",
                "--resource", "vol-7f3a-stg", "--reason", REASON));
        all.addAll(List.of("--url", airlock.base, "--client-id", "coding-agent", "--secret-file", secretFile.toString()));
        return Runner.run(null, all.toArray(String[]::new));
    }

    @Test
    void theUsesOfTheDayAreFiledTheNextIsRefusedWithItsResetAndAfterTheResetFiledAgain() throws Exception {
        assertEquals(201, post().status());
        Run cli = request();
        assertEquals(0, cli.exit(), cli.err());

        TestAirlock.Reply over = post();
        assertEquals(429, over.status(), over.body());
        JsonNode j = over.json();
        assertEquals("destructive_budget_spent", j.path("code").asText());
        assertEquals("2031-03-05T00:00:00Z", j.path("resets_at").asText());
        assertEquals(300, j.path("retry_after").asLong());
        assertEquals("300", over.header("Retry-After"));
        Run refused = request();
        assertEquals(GrantCommand.FAILED, refused.exit());
        assertTrue(refused.err().contains("resets at 2031-03-05T00:00:00Z"), refused.err());
        assertTrue(refused.err().contains("(destructive_budget_spent)"), refused.err());

        airlock.clock.set(Instant.parse("2031-03-05T00:00:00Z"));
        assertEquals(201, post().status(), "a new UTC day, a new budget (yesterday's grants, still pending, count against yesterday)");
        assertEquals(0, request().exit());
        assertEquals(429, post().status());
    }
}
