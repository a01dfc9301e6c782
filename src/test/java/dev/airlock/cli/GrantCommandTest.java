package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.airlock.testing.IndependentVerifier;
import dev.airlock.testing.TestAirlock;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code airlock grant ...}, the agent's side, run in process against a real Airlock over HTTP. Approvers act through
 * HTTP as the ops page would. The CLI sleeps in real time between polls (5 s, the policy's interval) while the server's
 * clock is the test's: tests that wait decide the grant within the CLI's first interval, so each waits about 5 s.
 */
class GrantCommandTest {
    static final String AGENT = "coding-agent";
    static final String REASON = "vol-7f3a is an orphaned volume from the failed migration and costs money daily";
    static final String COMMAND = "cloud volume delete vol-7f3a --force";

    @TempDir
    Path tmp;

    TestAirlock airlock;
    Path secretFile;

    record Run(int exit, String out, String err) {}

    @BeforeEach
    void start() throws Exception {
        airlock = TestAirlock.start();
        secretFile = tmp.resolve("secret");
        Files.writeString(secretFile, airlock.issueSecret(AGENT) + "\n");
    }

    @AfterEach
    void stop() throws Exception {
        airlock.close();
    }

    @Test
    void requestWithATrivialReasonIsRefusedWithExitOneAndTheServersReasonOnStderr() {
        Run r = grant("request", "--env", "production", "--scope", "volume:delete", "--resource", "vol-7f3a",
                "--reason", "cleanup");
        assertEquals(GrantCommand.FAILED, r.exit(), r.err());
        assertTrue(r.err().startsWith("grant request refused: reason is too short to judge"), r.err());
        assertTrue(r.err().strip().endsWith("(reason)"), "the refusal's code is shown: " + r.err());
        assertEquals("", r.out());
    }

    @Test
    void requestForAScopeTheAgentGetsAutomaticallyPointsToTheTokenEndpoint() {
        Run r = grant("request", "--env", "production", "--scope", "db:read", "--resource", "db-prod-main",
                "--reason", REASON);
        assertEquals(GrantCommand.FAILED, r.exit(), r.err());
        assertTrue(r.err().contains("(no_grant_needed)"), r.err());
        assertTrue(r.err().contains("get it without people at " + airlock.base + "/oauth2/token"), r.err());
    }

    @Test
    void requestWithoutWaitPrintsOnlyTheGrantIdAndTellsWhatApproversNeed() throws Exception {
        Run r = grant("request", "--env", "production", "--scope", "volume:delete", "--resource", "vol-7f3a",
                "--reason", REASON, "--command", COMMAND);
        assertEquals(0, r.exit(), r.err());
        String id = r.out().strip();
        assertTrue(id.matches("gr_[A-Za-z0-9_-]+"), "stdout is the id alone: " + r.out());
        assertTrue(r.err().contains("filed grant " + id + ": volume:delete on vol-7f3a in production"), r.err());
        assertTrue(r.err().contains("it needs 2 approval(s)"), r.err());
        assertTrue(r.err().contains("'airlock grant wait " + id + "'"), r.err());
        JsonNode g = airlock.agentGet("/v1/grants/" + id, basic()).json();
        assertEquals(COMMAND, g.path("command").asText());
    }

    @Test
    void waitPrintsAOneShotTokenThatVerifiesOnceTwoPeopleApproved() throws Exception {
        // Each fresh code moves the server's clock 30 s, four of them below: start it 2 minutes behind, so the token
        // it mints is current for a verifier on the real clock.
        airlock.clock.set(Instant.now().minus(Duration.ofMinutes(2)));
        TestAirlock.OpsUser carol = airlock.addOps("carol", "prod-ops");
        TestAirlock.OpsUser dave = airlock.addOps("dave", "prod-ops");
        CompletableFuture<Run> waiting = CompletableFuture.supplyAsync(() -> grant("request", "--env", "production",
                "--scope", "volume:delete", "--resource", "vol-7f3a", "--reason", REASON, "--command", COMMAND, "--wait"));
        String carolSession = airlock.opsSignIn(carol);
        String id = pendingGrantId(carolSession);
        for (var approver : List.of(Map.entry(carol, carolSession), Map.entry(dave, airlock.opsSignIn(dave)))) {
            TestAirlock.Reply a = airlock.opsPost("/v1/grants/" + id + "/approve", approver.getValue(),
                    Map.of("code", airlock.freshCode(approver.getKey())));
            assertEquals(200, a.status(), a.body());
        }
        Run r = waiting.get(30, TimeUnit.SECONDS);
        assertEquals(0, r.exit(), r.err());
        String[] lines = r.out().strip().split("\\R");
        assertEquals(1, lines.length, "stdout is the token alone: " + r.out());
        // A grant token (typ airlock-grant+jwt, aud its grant): verified as exactly that, never as an access token.
        JWTClaimsSet claims = new IndependentVerifier(airlock.base, "urn:airlock:grant:" + id,
                new com.nimbusds.jose.JOSEObjectType("airlock-grant+jwt"), airlock.clock).verify(lines[0]);
        assertEquals("volume:delete", claims.getStringClaim("scope"));
        Map<String, Object> grant = claims.getJSONObjectClaim("grant");
        assertEquals(id, grant.get("id"));
        assertEquals(List.of("vol-7f3a"), grant.get("resources"));
        assertTrue(r.err().contains("approved by carol, dave: volume:delete on vol-7f3a in production"), r.err());
        assertFalse(r.err().contains(lines[0]), "the token is never on stderr");
        assertEquals(200, airlock.check(lines[0], "production", "volume:delete", "vol-7f3a").status());
    }

    @Test
    void waitOnADeniedGrantExitsThreeWithTheApproversReason() throws Exception {
        CompletableFuture<Run> waiting = CompletableFuture.supplyAsync(() -> grant("request", "--env", "production",
                "--scope", "volume:delete", "--resource", "vol-7f3a", "--reason", REASON, "--wait"));
        String session = airlock.opsSignIn(airlock.addOps("carol", "prod-ops"));
        String id = pendingGrantId(session);
        TestAirlock.Reply d = airlock.opsPost("/v1/grants/" + id + "/deny", session,
                Map.of("reason", "vol-7f3a still backs the billing database; detach it first"));
        assertEquals(200, d.status(), d.body());
        Run r = waiting.get(30, TimeUnit.SECONDS);
        assertEquals(GrantCommand.DENIED, r.exit(), r.err());
        assertTrue(r.err().contains("grant " + id + " was not approved: denied by carol: vol-7f3a still backs the billing"
                + " database; detach it first"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void waitOnAGrantThatExpiredExitsFour() throws Exception {
        String id = fileGrant();
        airlock.clock.advance(Duration.ofMinutes(16));
        Run r = grant("wait", id);
        assertEquals(GrantCommand.EXPIRED, r.exit(), r.err());
        assertTrue(r.err().contains("grant " + id + " expired"), r.err());
    }

    @Test
    void waitThatRunsOutOfTimeExitsFiveAndSaysHowToResume() throws Exception {
        String id = fileGrant();
        Run r = grant("wait", id, "--timeout", "1s");
        assertEquals(GrantCommand.TIMED_OUT, r.exit(), r.err());
        assertTrue(r.err().contains("pending: waiting for approvals: 0 of 2"), r.err());
        assertTrue(r.err().contains("resume with 'airlock grant wait " + id + "'"), r.err());
    }

    @Test
    void statusShowsTheGrantAndCancelWithdrawsItSoWaitSaysNotApproved() throws Exception {
        String id = fileGrant();
        Run status = grant("status", id);
        assertEquals(0, status.exit(), status.err());
        assertTrue(status.out().contains("status       pending (0/2 approvals)"), status.out());
        assertTrue(status.out().contains("reason       " + REASON), status.out());

        Run cancel = grant("cancel", id);
        assertEquals(0, cancel.exit(), cancel.err());
        assertEquals("cancelled grant " + id, cancel.out().strip());

        Run again = grant("cancel", id);
        assertEquals(GrantCommand.FAILED, again.exit());
        assertTrue(again.err().contains("(grant_cancelled)"), again.err());

        Run wait = grant("wait", id);
        assertEquals(GrantCommand.DENIED, wait.exit(), wait.err());
        assertTrue(wait.err().contains("the grant was cancelled"), wait.err());
    }

    @Test
    void wrongSecretIsRefusedWithoutLeakingIt() throws Exception {
        Files.writeString(secretFile, "airlock_sk_not_the_secret");
        Run r = grant("request", "--env", "production", "--scope", "volume:delete", "--resource", "vol-7f3a",
                "--reason", REASON);
        assertEquals(GrantCommand.FAILED, r.exit());
        assertTrue(r.err().contains("invalid client credentials"), r.err());
        assertFalse(r.err().contains("airlock_sk_not_the_secret"), r.err());
    }

    @Test
    void noSecretIsAUsageErrorNamingWhereToPutIt() {
        Run r = Runner.run(null, "grant", "status", "gr_x", "--url", airlock.base, "--client-id", AGENT,
                "--secret-env", "AIRLOCK_TEST_SURELY_UNSET");
        assertEquals(GrantCommand.USAGE, r.exit());
        assertTrue(r.err().contains("no client secret: set AIRLOCK_TEST_SURELY_UNSET"), r.err());
    }

    @Test
    void timeoutMustBeADurationWithAUnit() {
        Run r = grant("wait", "gr_x", "--timeout", "15");
        assertEquals(GrantCommand.USAGE, r.exit());
        assertTrue(r.err().contains("'15' is not a duration like 90s, 15m or 1h"), r.err());
    }

    @Test
    void aKeyFileAgentAuthenticatesWithAnAssertionBothToFileAndToPoll() {
        String key = "src/test/resources/keys/deploy-bot.private.jwk.json";
        // deploy-bot may not ask for volume:delete at all: a 403 (not a 401) proves it was recognised.
        Run r = Runner.run(null, "grant", "request", "--url", airlock.base, "--client-id", "deploy-bot", "--key-file", key,
                "--env", "production", "--scope", "volume:delete", "--resource", "vol-7f3a", "--reason", REASON);
        assertEquals(GrantCommand.FAILED, r.exit(), r.err());
        assertTrue(r.err().contains("(scope_not_grantable)"), r.err());

        Run poll = Runner.run(null, "grant", "wait", "gr_unknown", "--url", airlock.base, "--client-id", "deploy-bot",
                "--key-file", key);
        assertEquals(GrantCommand.FAILED, poll.exit(), poll.err());
        assertTrue(poll.err().contains("invalid_grant: unknown auth_req_id"), poll.err());
    }

    @Test
    void helpDocumentsTheExitCodes() {
        Run r = Runner.run(null, "grant", "request", "--help");
        assertEquals(0, r.exit(), r.err());
        for (String line : List.of("Exit codes:", "3   --wait: denied", "4   --wait: expired", "5   --wait: --timeout ran out")) {
            assertTrue(r.out().contains(line), "help should list '" + line + "':\n" + r.out());
        }
    }

    // --- helpers ---

    private Run grant(String sub, String... args) {
        List<String> all = new ArrayList<>(List.of("grant", sub));
        all.addAll(List.of(args));
        all.addAll(List.of("--url", airlock.base, "--client-id", AGENT, "--secret-file", secretFile.toString()));
        return Runner.run(null, all.toArray(String[]::new));
    }

    private String basic() throws Exception {
        return TestAirlock.basic(AGENT, Files.readString(secretFile).strip());
    }

    private String fileGrant() throws Exception {
        TestAirlock.Reply r = airlock.agentPost("/v1/grants", basic(), Map.of("environment", "production",
                "scopes", List.of("volume:delete"), "resources", List.of("vol-7f3a"), "reason", REASON));
        assertEquals(201, r.status(), r.body());
        return r.json().get("auth_req_id").asText();
    }

    /** The id of the grant the CLI filed, as approvers see it appear in their list. */
    private String pendingGrantId(String session) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            JsonNode grants = airlock.opsGet("/v1/grants?status=pending", session).json().path("grants");
            if (!grants.isEmpty()) return grants.get(0).get("id").asText();
            Thread.sleep(20);
        }
        throw new AssertionError("the CLI filed no grant");
    }

    /**
     * Runs {@code airlock ...} in process with its own output streams. With {@code stdin}, standard input is swapped
     * for the run, so such runs take turns; runs without it may overlap (a background {@code --wait}).
     */
    static final class Runner {
        private static final Object STDIN = new Object();

        static Run run(String stdin, String... args) {
            if (stdin == null) return execute(args);
            synchronized (STDIN) {
                java.io.InputStream before = System.in;
                System.setIn(new java.io.ByteArrayInputStream(stdin.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                try {
                    return execute(args);
                } finally {
                    System.setIn(before);
                }
            }
        }

        private static Run execute(String... args) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int exit = Main.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(args);
            return new Run(exit, out.toString(), err.toString());
        }
    }
}
