package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.cli.GrantCommandTest.Run;
import dev.airlock.cli.GrantCommandTest.Runner;
import dev.airlock.testing.PolicyCopy;
import dev.airlock.testing.TestAirlock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code airlock grants approve} where grants.yaml asks for a passkey (issue 16): the CLI cannot do WebAuthn, so it
 * says where to approve instead of asking for a code that would be refused.
 */
class GrantsApproveWithPasskeyPolicyTest {
    static TestAirlock airlock;
    static String agentBasic;
    static TestAirlock.OpsUser carol;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws Exception {
        PolicyCopy policy = PolicyCopy.ofShipped().replace("grants.yaml", """
                    # approval_factor:
                    #   destructive: passkey
                """, """
                    approval_factor:
                      destructive: passkey
                """).replace("grants.yaml", "    #   other: any\n", "      other: any\n");
        airlock = TestAirlock.start(policy.dir, Files.createTempDirectory("airlock-test"),
                com.nimbusds.jose.JWSAlgorithm.EdDSA);
        agentBasic = TestAirlock.basic("coding-agent", airlock.issueSecret("coding-agent"));
        carol = airlock.addOps("carol", "prod-ops");
    }

    @AfterAll
    static void stop() throws Exception {
        airlock.close();
    }

    @Test
    void approveWhenPolicyRequiresAPasskeyThenNamesTheOpsPageAndAsksForNoCode() throws Exception {
        String id = fileGrant();
        Path session = tmp.resolve("ops-session");
        OpsSessionFile.write(session, new OpsSessionFile.Session(airlock.base, "carol", airlock.opsSignIn(carol)));

        Run show = Runner.run(null, "grants", "show", id, "--session-file", session.toString());
        assertEquals(0, show.exit(), show.err());
        assertTrue(show.out().contains("each with    a passkey, on the ops page (this CLI cannot sign with one)\n"),
                show.out());

        Run approve = Runner.run("", "grants", "approve", id, "--session-file", session.toString());
        assertEquals(1, approve.exit(), approve.out());
        assertFalse(approve.err().contains("one-time code to approve"), "no code is asked for: " + approve.err());
        assertTrue(approve.err().contains("needs a passkey approval"), approve.err());
        assertTrue(approve.err().contains("Approve it on the ops page: " + airlock.base + "/ops/#/grants/" + id),
                approve.err());
        assertEquals("pending", airlock.agentGet("/v1/grants/" + id, agentBasic).json().path("status").asText());
    }

    private static String fileGrant() throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("environment", "production");
        body.put("scopes", List.of("volume:delete"));
        body.put("resources", List.of("vol-7f3a"));
        body.put("reason", "replace the corrupt replica vol-7f3a");
        TestAirlock.Reply r = airlock.agentPost("/v1/grants", agentBasic, body);
        assertEquals(201, r.status(), r.body());
        return r.json().get("auth_req_id").asText();
    }
}
