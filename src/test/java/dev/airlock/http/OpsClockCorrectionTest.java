package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.ops.StepAhead;
import dev.airlock.core.ops.Totp;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestAirlock.OpsUser;
import dev.airlock.testing.TestAirlock.Reply;
import dev.airlock.testing.TestTotp;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, finding 6 (TOTP): an approver signs in while the server's clock (and the phone's) is an hour ahead; the
 * clock is then corrected. Each step's code is accepted once, so every code after the correction is at or before the
 * last accepted step: without a clear message the person is locked out for the hour and told "wrong code".
 */
class OpsClockCorrectionTest {
    static final Duration HOUR = Duration.ofHours(1);

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

    /** Signs in an hour ahead, then the clock is stepped back; returns the step of the code accepted ahead. */
    private long signInAheadThenCorrect() throws Exception {
        airlock.clock.step(HOUR);
        airlock.opsSignIn(bob);
        long accepted = Totp.step(airlock.clock.instant());
        airlock.clock.step(HOUR.negated());
        return accepted;
    }

    private static String expectedMessage(long lastStep, Instant now) {
        return new StepAhead("bob", lastStep - Totp.step(now)).message();
    }

    @Test
    void signInAfterABackwardCorrectionThenClockBehindNamingTheTimeAheadAndTheOperatorCommand() throws Exception {
        long lastStep = signInAheadThenCorrect();

        Reply r = airlock.opsSignInRaw("bob", bob.passphrase(), airlock.freshCode(bob));

        assertEquals(401, r.status(), r.body());
        assertEquals("clock_behind", r.json().path("code").asText(), r.body());
        String detail = r.json().path("detail").asText();
        assertEquals(expectedMessage(lastStep, airlock.clock.instant()), detail);
        assertTrue(detail.matches("the last code accepted for bob was for a time (59|60) minutes ahead of this server's"
                + " clock; the clock was probably corrected backwards; an operator can run"
                + " `airlock ops reset-totp-step bob`"), detail);
        assertTrue(airlock.auditLines().stream().anyMatch(l -> l.contains("\"type\":\"ops.signin\"")
                && l.contains("\"reason\":\"clock_behind\"") && l.contains(detail)), "audit names the cause");
    }

    @Test
    void signInAfterABackwardCorrectionIsNotCountedTowardTheLock() throws Exception {
        signInAheadThenCorrect();
        for (int i = 0; i < 8; i++) {
            Reply r = airlock.opsSignInRaw("bob", bob.passphrase(), airlock.freshCode(bob));
            assertEquals("clock_behind", r.json().path("code").asText(), "attempt " + i + ": " + r.body());
        }
    }

    @Test
    void signInWithAWrongCodeAfterABackwardCorrectionIsStillTheUsualRefusal() throws Exception {
        signInAheadThenCorrect();
        airlock.clock.advance(Duration.ofSeconds(30));
        Reply r = airlock.opsSignInRaw("bob", bob.passphrase(), TestTotp.wrongCode(bob.totpSecret(), airlock.clock.instant()));
        assertEquals(401, r.status(), r.body());
        assertEquals("signin_refused", r.json().path("code").asText(), r.body());
    }

    @Test
    void resetTotpStepLetsTheNextCodeInButNoCodeUpToNow() throws Exception {
        long lastStep = signInAheadThenCorrect();
        String refused = airlock.freshCode(bob);
        assertEquals("clock_behind", airlock.opsSignInRaw("bob", bob.passphrase(), refused).json().path("code").asText());

        var cleared = airlock.airlock.ops.resetTotpStep("bob").get(30, TimeUnit.SECONDS);
        assertTrue(cleared.isPresent());
        assertTrue(airlock.auditLines().stream().anyMatch(l -> l.contains("\"type\":\"ops.totp_step_reset\"")
                && l.contains("\"from_step\":" + lastStep)
                && l.contains("\"to_step\":" + Totp.step(airlock.clock.instant()))), "the reset is audited");

        // The floor is now the current step: the code shown now, and any earlier one, stay refused (no replay).
        Reply again = airlock.opsSignInRaw("bob", bob.passphrase(), refused);
        assertEquals(401, again.status(), again.body());
        assertEquals("signin_refused", again.json().path("code").asText(), again.body());
        // The code used an hour ahead is outside the window now.
        String usedAhead = TestTotp.code(bob.totpSecret(), Instant.ofEpochSecond(lastStep * Totp.STEP_SECONDS));
        assertEquals(401, airlock.opsSignInRaw("bob", bob.passphrase(), usedAhead).status());

        Reply next = airlock.opsSignInRaw("bob", bob.passphrase(), airlock.freshCode(bob));
        assertEquals(200, next.status(), next.body());
    }

    @Test
    void resetTotpStepWhenTheStepIsNotAheadChangesNothing() throws Exception {
        airlock.opsSignIn(bob);
        assertTrue(airlock.airlock.ops.resetTotpStep("bob").get(30, TimeUnit.SECONDS).isEmpty());
        assertTrue(airlock.auditLines().stream().noneMatch(l -> l.contains("ops.totp_step_reset")));
    }

    @Test
    void approveAfterABackwardCorrectionIsRefusedAndTheAuditSaysWhy() throws Exception {
        String secret = airlock.issueSecret("coding-agent");
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("environment", "staging");
        b.put("scopes", List.of("volume:delete"));
        b.put("resources", List.of("vol-7f3a-stg"));
        b.put("reason", "the staging volume is corrupt after the failed migration test run");
        Reply filed = airlock.agentPost("/v1/grants", TestAirlock.basic("coding-agent", secret), b);
        assertEquals(201, filed.status(), filed.body());
        String id = filed.json().get("auth_req_id").asText();

        airlock.clock.step(HOUR);
        String session = airlock.opsSignIn(bob);
        long lastStep = Totp.step(airlock.clock.instant());
        airlock.clock.step(HOUR.negated());

        Reply r = airlock.opsPost("/v1/grants/" + id + "/approve", session, Map.of("code", airlock.freshCode(bob)));
        assertEquals(403, r.status(), r.body());
        String message = expectedMessage(lastStep, airlock.clock.instant());
        assertTrue(airlock.auditLines().stream().anyMatch(l -> l.contains("\"type\":\"ops.code_refused\"")
                && l.contains("\"reason\":\"clock_behind\"") && l.contains(message)), "audit names the cause");
        // The session's own description tells the person, for the page to show.
        Reply me = airlock.opsGet("/v1/ops/session", session);
        assertEquals(message, me.json().path("totp_notice").asText(), me.body());

        airlock.airlock.ops.resetTotpStep("bob").get(30, TimeUnit.SECONDS);
        airlock.clock.advance(Duration.ofSeconds(30));
        Reply ok = airlock.opsPost("/v1/grants/" + id + "/approve", session,
                Map.of("code", TestTotp.code(bob.totpSecret(), airlock.clock.instant())));
        assertEquals(200, ok.status(), ok.body());
        assertTrue(airlock.opsGet("/v1/ops/session", session).json().path("totp_notice").isMissingNode());
    }
}
