package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.cli.GrantCommandTest.Run;
import dev.airlock.cli.GrantCommandTest.Runner;
import dev.airlock.core.ops.Totp;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestAirlock.OpsUser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, finding 6, as the people involved meet it: the approver's {@code airlock grants login} after a backward
 * clock correction says why it is refused and which command clears it; the operator's
 * {@code airlock ops reset-totp-step} on the server's data directory clears it, audited, and the approver's next code
 * works. The server runs on a moved clock; the CLI uses the real one, which is where the server's clock was corrected
 * back to.
 */
class OpsClockCorrectionCliTest {
    static final Duration HOUR = Duration.ofHours(1);

    @TempDir
    Path tmp;

    TestAirlock airlock;
    OpsUser bob;

    @BeforeEach
    void start() throws Exception {
        airlock = TestAirlock.start();
        bob = airlock.addOps("bob", "ops");
    }

    @AfterEach
    void stop() throws Exception {
        airlock.close();
    }

    Run login(String code) {
        return Runner.run(bob.passphrase() + "\n" + code + "\n", "grants", "login", "--url", airlock.base, "--name", "bob",
                "--session-file", tmp.resolve("ops-session").toString());
    }

    Run opsCommand(String... args) {
        String[] all = new String[args.length + 5];
        all[0] = "ops";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--data";
        all[args.length + 2] = airlock.dataDir.toString();
        all[args.length + 3] = "--policy";
        all[args.length + 4] = TestAirlock.EXAMPLE_POLICY.toString();
        return Runner.run(null, all);
    }

    @Test
    void loginAfterABackwardCorrectionSaysWhyAndTheOperatorCommandLetsTheNextCodeIn() throws Exception {
        airlock.clock.step(HOUR);
        assertEquals(0, login(airlock.freshCode(bob)).exit());
        long lastStep = Totp.step(airlock.clock.instant());
        airlock.clock.step(HOUR.negated());

        Run refused = login(airlock.freshCode(bob));
        assertEquals(1, refused.exit(), refused.err());
        assertTrue(refused.err().contains("sign-in refused: the last code accepted for bob was for a time"), refused.err());
        assertTrue(refused.err().contains("minutes ahead of this server's clock; the clock was probably corrected"
                + " backwards; an operator can run `airlock ops reset-totp-step bob` (clock_behind)"), refused.err());

        Run reset = opsCommand("reset-totp-step", "bob");
        assertEquals(0, reset.exit(), reset.err());
        assertTrue(reset.out().startsWith("Ops account bob: the last accepted TOTP step was"), reset.out());
        assertTrue(reset.out().contains("lowered to the current step"), reset.out());
        airlock.airlock.store.refresh();
        String audited = airlock.auditLines().stream().filter(l -> l.contains("\"type\":\"ops.totp_step_reset\""))
                .findFirst().orElseThrow();
        assertTrue(audited.contains("\"name\":\"bob\"") && audited.contains("\"from_step\":" + lastStep)
                && audited.contains("\"by\":\"cli\""), audited);

        Run again = opsCommand("reset-totp-step", "bob");
        assertEquals(0, again.exit(), again.err());
        assertTrue(again.out().contains("is not ahead of this clock; nothing changed"), again.out());
        assertEquals(1, airlock.auditLines().stream().filter(l -> l.contains("ops.totp_step_reset")).count());

        Run next = login(airlock.freshCode(bob));
        assertEquals(0, next.exit(), next.err());
    }

    @Test
    void approveAfterABackwardCorrectionSaysWhyNotJustCodeInvalid() throws Exception {
        String secret = airlock.issueSecret("coding-agent");
        airlock.clock.step(HOUR);
        java.util.Map<String, Object> grant = new java.util.LinkedHashMap<>();
        grant.put("environment", "staging");
        grant.put("scopes", java.util.List.of("volume:delete"));
        grant.put("resources", java.util.List.of("vol-7f3a-stg"));
        grant.put("reason", "the staging volume is corrupt after the failed migration test run");
        TestAirlock.Reply filed = airlock.agentPost("/v1/grants", TestAirlock.basic("coding-agent", secret), grant);
        assertEquals(201, filed.status(), filed.body());
        String id = filed.json().path("auth_req_id").asText();
        assertEquals(0, login(airlock.freshCode(bob)).exit());
        airlock.clock.step(HOUR.negated());

        Run r = Runner.run(null, "grants", "approve", id, "--code", airlock.freshCode(bob), "--session-file",
                tmp.resolve("ops-session").toString());

        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("approval refused (HTTP 403): the last code accepted for bob was for a time"),
                r.err());
        assertTrue(r.err().contains("an operator can run `airlock ops reset-totp-step bob` (clock_behind)"), r.err());
    }

    @Test
    void resetTotpStepOfAnUnknownNameFails() throws Exception {
        Run r = opsCommand("reset-totp-step", "nobody");
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("no ops account 'nobody'"), r.err());
        assertFalse(Files.readString(airlock.dataDir.resolve("audit.log")).contains("ops.totp_step_reset"));
    }
}
