package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.cli.GrantCommandTest.Run;
import dev.airlock.cli.GrantCommandTest.Runner;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestTotp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code airlock grants ...}, the approvers' side, run in process against a real Airlock over HTTP. Passphrase and
 * codes are piped on standard input, as they would be without a terminal. The session token is read from the session
 * file only to prove it is never printed.
 *
 * <p>One server and its ops accounts serve the whole class (Argon2id makes accounts and sign-ins cost a second each);
 * every test has its own session file and its own grant, and cancels what it left pending.
 */
class GrantsCommandTest {
    static final String REASON = "vol-7f3a is an orphaned volume from the failed migration and costs money daily";

    static TestAirlock airlock;
    static String agentBasic;
    static TestAirlock.OpsUser carol;
    static TestAirlock.OpsUser dave;
    static TestAirlock.OpsUser erin;
    /** Sessions opened over HTTP for tests that are not about signing in, by account name. */
    static final Map<String, String> sessions = new java.util.HashMap<>();

    @TempDir
    Path tmp;

    Path sessionFile;
    final List<Run> runs = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        airlock = TestAirlock.start();
        agentBasic = TestAirlock.basic("coding-agent", airlock.issueSecret("coding-agent"));
        carol = airlock.addOps("carol", "prod-ops");
        dave = airlock.addOps("dave", "prod-ops");
        erin = airlock.addOps("erin", "ops");
    }

    @AfterAll
    static void stop() throws Exception {
        airlock.close();
    }

    @BeforeEach
    void sessionFile() {
        sessionFile = tmp.resolve("state").resolve("airlock").resolve("ops-session");
    }

    /** At most five pending grants per agent: withdraw this test's. */
    @AfterEach
    void cancelLeftovers() throws Exception {
        for (JsonNode g : airlock.opsGet("/v1/grants", signedIn(erin)).json().path("grants")) {
            String status = g.path("status").asText();
            if (status.equals("pending") || status.equals("approved")) {
                airlock.agentPost("/v1/grants/" + g.path("id").asText() + "/cancel", agentBasic, Map.of());
            }
        }
    }

    @Test
    void loginWithPipedPassphraseAndCodeKeepsTheSessionInAnOwnerOnlyFileAndNeverPrintsIt() throws Exception {
        Run login = login(carol);
        assertEquals(0, login.exit(), login.err());
        assertTrue(login.out().startsWith("signed in to " + airlock.base + " as carol (groups: prod-ops)"), login.out());
        assertTrue(login.err().contains("passphrase for carol: "), "prompts go to stderr: " + login.err());
        assertFalse(login.err().contains(carol.passphrase()), "the passphrase is not echoed");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sessionFile)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sessionFile.getParent())));
        String token = sessionToken();
        assertTrue(token.startsWith("ops_"), "the file holds the bearer");
        assertEquals(200, airlock.opsGet("/v1/ops/session", token).status());

        String id = fileGrant(null);
        assertEquals(0, grants("list").exit());
        assertEquals(0, grants("show", id).exit());
        assertEquals(0, grants("approve", id, "--code", airlock.freshCode(carol)).exit());
        for (Run r : runs) {
            assertFalse(r.out().contains(token) || r.err().contains(token), "session token printed: " + r);
        }
    }

    /** Issue 13: the list endpoint pages (at most 200 a page); the CLI follows next_cursor up to --limit grants. */
    @Test
    void listFollowsPagesUpToLimitAndSaysWhenMoreRemain() throws Exception {
        // Dated ahead of every other test's grant in this shared server, so that they are the newest. Two agents
        // share them so that neither passes the 200 finished grants per agent that the server's sweep keeps (it runs
        // every 5 s and would forget the oldest of them part-way through this test).
        java.time.Instant t = airlock.clock.instant().plus(Duration.ofDays(1));
        for (int i = 0; i < 205; i++) {
            java.time.Instant at = t.plusSeconds(i);
            dev.airlock.core.grant.Grant g = new dev.airlock.core.grant.Grant(String.format("gr_paging%04d", i),
                    i % 2 == 0 ? "coding-agent" : "deploy-bot", "staging", List.of("volume:delete"), List.of("vol-7f3a-stg"), REASON, null, 1,
                    List.of(), dev.airlock.core.grant.GrantStatus.DENIED, at, at.plusSeconds(900), "erin", "no",
                    at.plusSeconds(1), null, 0, null, 1);
            assertTrue(airlock.airlock.store.saveGrant(g).join());
        }
        useSession(erin);
        Run all = grants("list", "--status", "denied", "--limit", "1000", "--json");
        assertEquals(0, all.exit(), all.err());
        JsonNode body = TestAirlock.JSON.readTree(all.out());
        long mine = 0;
        for (JsonNode g : body.get("grants")) if (g.get("id").asText().startsWith("gr_paging")) mine++;
        assertEquals(205, mine, "two pages followed");
        assertEquals("gr_paging0204", body.get("grants").get(0).get("id").asText(), "newest first");
        assertTrue(body.get("next_cursor").isNull());

        // Issue 16: each finished grant shows when it ended (its own decision time), not the shared expiry column.
        Run ended = grants("list", "--status", "all", "--limit", "2");
        java.time.Instant second = t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        assertTrue(ended.out().contains("gr_paging0204 ") && ended.out().contains("ended "
                + second.plusSeconds(204 + 1)), ended.out());
        assertTrue(ended.out().contains("ended " + second.plusSeconds(203 + 1)), ended.out());

        Run some = grants("list", "--status", "denied", "--limit", "3");
        assertEquals(0, some.exit(), some.err());
        String[] lines = some.out().strip().split("\\R");
        assertEquals(5, lines.length, some.out());
        assertTrue(lines[1].startsWith("gr_paging0204 "), some.out());
        assertTrue(lines[4].contains("more with --limit"), some.out());
        assertEquals(2, grants("list", "--limit", "0").exit());
    }

    @Test
    void loginWithAWrongCodeIsRefusedAndLeavesNoSessionFile() throws Exception {
        String wrong = TestTotp.wrongCode(carol.totpSecret(), airlock.clock.instant());
        Run r = Runner.run(carol.passphrase() + "\n" + wrong + "\n", "grants", "login", "--url", airlock.base,
                "--name", "carol", "--session-file", sessionFile.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("sign-in refused: "), r.err());
        assertTrue(r.err().contains("(signin_refused)"), r.err());
        assertFalse(Files.exists(sessionFile));
    }

    @Test
    void listShowsPendingGrantsAsATableAndShowHasEverythingToDecide() throws Exception {
        String id = fileGrant("cloud volume delete vol-7f3a --force");
        // A refusal the approver should see next to the request: the agent first tried to get the scope directly.
        airlock.token("coding-agent", secretOf(agentBasic), "production", "volume:delete");
        useSession(carol);

        Run list = grants("list");
        assertEquals(0, list.exit(), list.err());
        String[] lines = list.out().strip().split("\\R");
        assertEquals(2, lines.length, list.out());
        assertTrue(lines[0].matches("ID +STATUS +ENV +AGENT +SCOPES +RESOURCES +APPROVALS +WHEN"), lines[0]);
        assertTrue(lines[1].matches(id + " +pending +production +coding-agent +volume:delete +vol-7f3a +0/2 +approve by"
                + " \\S+Z"), lines[1]);

        Run show = grants("show", id);
        assertEquals(0, show.exit(), show.err());
        for (String expected : List.of("grant        " + id, "status       pending (0/2 approvals)",
                "agent        coding-agent", "environment  production", "scopes       volume:delete",
                "resources    vol-7f3a", "reason       " + REASON, "command      cloud volume delete vol-7f3a --force",
                "refusals     1 recent")) {
            assertTrue(show.out().contains(expected), "show should contain '" + expected + "':\n" + show.out());
        }
        assertTrue(show.out().contains("volume:delete"), show.out());
    }

    @Test
    void showPrintsEachScopeWithItsRiskAndThatADestructiveGrantCannotBeUndone() throws Exception {
        String id = fileGrant(null);
        useSession(carol);
        Run show = grants("show", id);
        assertEquals(0, show.exit(), show.err());
        for (String expected : List.of("scopes       volume:delete (destructive)\n",
                "risk         DESTRUCTIVE: this action cannot be undone\n",
                "if approved  1 use, by a token that lives 5m once collected\n")) {
            assertTrue(show.out().contains(expected), "show should contain '" + expected + "':\n" + show.out());
        }
        assertFalse(show.out().contains("\nyou "), "carol may decide; nothing to say: " + show.out());
    }

    @Test
    void showOfAGrantRequiredOnlyGrantInProductionPrintsItsRiskAndNoCannotBeUndoneLine() throws Exception {
        try (TestAirlock other = TestAirlock.start(dev.airlock.testing.PolicyCopy.withProductionVariableWrite().dir,
                Files.createTempDirectory("airlock-test"), com.nimbusds.jose.JWSAlgorithm.EdDSA)) {
            String basic = TestAirlock.basic("coding-agent", other.issueSecret("coding-agent"));
            TestAirlock.OpsUser frank = other.addOps("frank", "prod-ops");
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("environment", "production");
            body.put("scopes", List.of("variable:write"));
            body.put("resources", List.of("var-api-prod"));
            body.put("reason", "rotate the API's database password after the leak in ticket 4411");
            TestAirlock.Reply r = other.agentPost("/v1/grants", basic, body);
            assertEquals(201, r.status(), r.body());
            OpsSessionFile.write(sessionFile, new OpsSessionFile.Session(other.base, "frank", other.opsSignIn(frank)));
            Run show = grants("show", r.json().get("auth_req_id").asText());
            assertEquals(0, show.exit(), show.err());
            assertTrue(show.out().contains("scopes       variable:write (write, grant required by policy)\n"), show.out());
            assertTrue(show.out().contains("risk         no destructive scope\n"), show.out());
            assertFalse(show.out().contains("cannot be undone"), "production alone is no reason to say so: " + show.out());
        }
    }

    @Test
    void showAndApproveTellTheAgentsOwnerSheMayNotDecideAndAskForNoCode() throws Exception {
        TestAirlock.OpsUser alice = airlock.addOps("alice", "prod-ops"); // owner: alice in agents.yaml
        String id = fileGrant(null);
        useSession(alice);
        Run show = grants("show", id);
        assertTrue(show.out().contains("you          may not approve or deny: alice owns the requesting agent coding-agent"),
                show.out());
        Run approve = Runner.run("", "grants", "approve", id, "--session-file", sessionFile.toString());
        assertEquals(1, approve.exit());
        assertFalse(approve.err().contains("one-time code to approve"), "no code is asked for: " + approve.err());
        assertTrue(approve.err().contains("(requester_cannot_approve)"), approve.err());
    }

    @Test
    void afterApprovingShowSaysSoAndApproveAsksForNoSecondCode() throws Exception {
        String id = fileGrant(null);
        useSession(carol);
        assertEquals(0, grants("approve", id, "--code", airlock.freshCode(carol)).exit());
        Run show = grants("show", id);
        assertTrue(show.out().contains("you          may not approve (you may still deny): you already approved this grant"),
                show.out());
        Run again = Runner.run("", "grants", "approve", id, "--session-file", sessionFile.toString());
        assertEquals(1, again.exit());
        assertFalse(again.err().contains("one-time code to approve"), "no code is asked for: " + again.err());
        assertTrue(again.err().contains("(already_approved_by_you)"), again.err());
    }

    @Test
    void approveWithCodeCountsOnceAndASecondApprovalBySamePersonIs409WithItsCode() throws Exception {
        String id = fileGrant(null);
        useSession(carol);

        Run first = grants("approve", id, "--code", airlock.freshCode(carol));
        assertEquals(0, first.exit(), first.err());
        assertTrue(first.out().contains("approved grant " + id + ": 1/2 approvals; it still needs another approver"),
                first.out());

        Run second = grants("approve", id, "--code", airlock.freshCode(carol));
        assertEquals(1, second.exit());
        assertTrue(second.err().contains("approval refused (HTTP 409): "), second.err());
        assertTrue(second.err().contains("(already_approved_by_you)"), second.err());

        useSession(dave);
        Run quorum = grants("approve", id, "--code", airlock.freshCode(dave));
        assertEquals(0, quorum.exit(), quorum.err());
        assertTrue(quorum.out().contains("2/2 approvals; the grant is approved: the agent's next poll collects its token"),
                quorum.out());

        Run late = grants("approve", id);
        assertEquals(1, late.exit());
        assertTrue(late.err().contains("HTTP 409") && late.err().contains("(grant_approved)"), late.err());
        assertFalse(late.err().contains("one-time code to approve"), "no code is asked for a decided grant");
    }

    @Test
    void approveAsksForAFreshCodeOnStandardInputAfterShowingTheGrant() throws Exception {
        String id = fileGrant(null);
        useSession(carol);
        Run r = Runner.run(airlock.freshCode(carol) + "\n", "grants", "approve", id, "--session-file", sessionFile.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().indexOf("reason       " + REASON) < r.out().indexOf("approved grant " + id), r.out());
        assertTrue(r.err().contains("one-time code to approve " + id + " (a fresh one): "), r.err());
    }

    @Test
    void reusingTheSignInCodeToApproveIsRefusedAsAnInvalidCode() throws Exception {
        String id = fileGrant(null);
        String code = airlock.freshCode(carol);
        Run login = Runner.run(carol.passphrase() + "\n" + code + "\n", "grants", "login", "--url", airlock.base,
                "--name", "carol", "--session-file", sessionFile.toString());
        assertEquals(0, login.exit(), login.err());
        Run r = grants("approve", id, "--code", code);
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("HTTP 403") && r.err().contains("(code_invalid)"), r.err());
    }

    @Test
    void denyNeedsAReasonAndTheAgentIsToldIt() throws Exception {
        String id = fileGrant(null);
        useSession(carol);
        Run noReason = grants("deny", id);
        assertEquals(2, noReason.exit());
        assertTrue(noReason.err().contains("Missing required option: '--reason"), noReason.err());

        Run r = grants("deny", id, "--reason", "detach it from the billing database first");
        assertEquals(0, r.exit(), r.err());
        JsonNode g = airlock.agentGet("/v1/grants/" + id, agentBasic).json();
        assertEquals("denied", g.path("status").asText());
        assertEquals("detach it from the billing database first", g.path("deny_reason").asText());
    }

    @Test
    void anApproverOutsideTheEnvironmentsGroupsGets403WithDetailAndCode() throws Exception {
        String id = fileGrant(null);
        useSession(erin);
        Run r = grants("approve", id, "--code", airlock.freshCode(erin));
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("approval refused (HTTP 403): erin is not in an approver group of production"
                + " (prod-ops) (not_an_approver)"), r.err());
    }

    @Test
    void withoutASessionOrAfterItEndedEveryCommandSaysToSignIn() throws Exception {
        Run none = grants("list");
        assertEquals(1, none.exit());
        assertTrue(none.err().contains("not signed in") && none.err().contains("airlock grants login"), none.err());

        assertEquals(0, login(carol).exit());
        airlock.clock.advance(Duration.ofMinutes(16));
        Run idle = grants("list");
        assertEquals(1, idle.exit());
        assertTrue(idle.err().contains("run 'airlock grants login --url " + airlock.base + " --name carol'"), idle.err());
    }

    @Test
    void logoutEndsTheSessionOnTheServerAndDeletesTheFile() throws Exception {
        assertEquals(0, login(carol).exit());
        String token = sessionToken();
        Run r = grants("logout");
        assertEquals(0, r.exit(), r.err());
        assertFalse(Files.exists(sessionFile));
        assertEquals(401, airlock.opsGet("/v1/ops/session", token).status());
        assertEquals("not signed in", grants("logout").out().strip());
    }

    @Test
    void aSessionFileOthersCanReadIsRefused() throws Exception {
        useSession(carol);
        Files.setPosixFilePermissions(sessionFile, PosixFilePermissions.fromString("rw-r--r--"));
        Run r = grants("list");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("is readable by others"), r.err());
    }

    @Test
    void showMakesInvisibleAndControlCharactersFromTheAgentVisible() throws Exception {
        // U+202E (right-to-left override) would make the command read differently from what it is.
        String id = fileGrant("cloud volume delete vol-7f3a \u202E--dry-run");
        useSession(carol);
        Run show = grants("show", id);
        assertTrue(show.out().contains("command      cloud volume delete vol-7f3a <U+202E>--dry-run"), show.out());
        assertFalse(show.out().contains("\u202E"));
    }

    @Test
    void theDefaultSessionFileFollowsTheXdgStateDirectory() {
        assertEquals(Path.of("/x/s"), OpsSessionFile.defaultPath(Map.of("AIRLOCK_OPS_SESSION_FILE", "/x/s"), "/home/a"));
        assertEquals(Path.of("/state/airlock/ops-session"),
                OpsSessionFile.defaultPath(Map.of("XDG_STATE_HOME", "/state"), "/home/a"));
        assertEquals(Path.of("/home/a/.local/state/airlock/ops-session"),
                OpsSessionFile.defaultPath(Map.of("XDG_STATE_HOME", "relative/is/ignored"), "/home/a"));
        assertEquals(Path.of("/home/a/.local/state/airlock/ops-session"), OpsSessionFile.defaultPath(Map.of(), "/home/a"));
    }

    // --- helpers ---

    private Run login(TestAirlock.OpsUser u) {
        String code = airlock.freshCode(u);
        Run r = Runner.run(u.passphrase() + "\n" + code + "\n", "grants", "login", "--url", airlock.base,
                "--name", u.name(), "--session-file", sessionFile.toString());
        runs.add(r);
        return r;
    }

    /** A live session of {@code u}'s (opened over HTTP, kept for the class), written where the CLI looks for it. */
    private void useSession(TestAirlock.OpsUser u) throws Exception {
        OpsSessionFile.write(sessionFile, new OpsSessionFile.Session(airlock.base, u.name(), signedIn(u)));
    }

    private static String signedIn(TestAirlock.OpsUser u) throws Exception {
        String token = sessions.get(u.name());
        if (token == null || airlock.opsGet("/v1/ops/session", token).status() != 200) {
            token = airlock.opsSignIn(u);
            sessions.put(u.name(), token);
        }
        return token;
    }

    private Run grants(String... args) {
        List<String> all = new ArrayList<>(List.of("grants"));
        all.addAll(List.of(args));
        all.addAll(List.of("--session-file", sessionFile.toString()));
        Run r = Runner.run(null, all.toArray(String[]::new));
        runs.add(r);
        return r;
    }

    private String sessionToken() throws Exception {
        return TestAirlock.JSON.readTree(Files.readString(sessionFile)).get("token").asText();
    }

    private String fileGrant(String command) throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("environment", "production");
        body.put("scopes", List.of("volume:delete"));
        body.put("resources", List.of("vol-7f3a"));
        body.put("reason", REASON);
        if (command != null) body.put("command", command);
        TestAirlock.Reply r = airlock.agentPost("/v1/grants", agentBasic, body);
        assertEquals(201, r.status(), r.body());
        return r.json().get("auth_req_id").asText();
    }

    private static String secretOf(String basic) {
        String pair = new String(java.util.Base64.getDecoder().decode(basic.substring(6)), java.nio.charset.StandardCharsets.UTF_8);
        return java.net.URLDecoder.decode(pair.substring(pair.indexOf(':') + 1), java.nio.charset.StandardCharsets.UTF_8);
    }
}
