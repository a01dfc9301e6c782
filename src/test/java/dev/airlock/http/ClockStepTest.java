package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.core.store.Retention;
import dev.airlock.testing.TestAirlock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, finding 6, through a running server: the wall clock stepped forward past a revoked token's {@code exp}
 * (or a used assertion's) and back does not revive it. Restarts and each rule of {@link Retention} are covered in
 * {@code ClockStepRetentionTest}.
 */
class ClockStepTest {
    static final Duration DAY = Duration.ofDays(1);

    TestAirlock airlock;

    @BeforeEach
    void start() throws Exception {
        airlock = TestAirlock.start();
        // Past the start-up period in which the store forgets nothing, so that what is tested is the rule itself.
        airlock.clock.advance(Retention.LONGEST_LIFETIME.plus(Retention.TOLERATED_STEP).plusMinutes(1));
    }

    @AfterEach
    void stop() throws Exception {
        airlock.close();
    }

    /** A day ahead, two minutes there (so the store's purge is due and runs), then corrected. */
    private void stepAheadADayAndBack() {
        airlock.clock.step(DAY).advance(Duration.ofMinutes(2));
        airlock.airlock.store.refresh();
        airlock.clock.step(DAY.negated());
    }

    @Test
    void checkWhenARevokedTokenOutlivedAClockStepPastItsExpiryAndBackThenStillRevoked() throws Exception {
        String secret = airlock.issueSecret("coding-agent");
        TestAirlock.Reply minted = airlock.token("coding-agent", secret, "staging", "db:read");
        assertEquals(200, minted.status(), minted.body());
        String token = minted.json().get("access_token").asText();
        TestAirlock.Reply revoked = airlock.postForm("/oauth2/revoke", TestAirlock.basic("coding-agent", secret),
                Map.of("token", token));
        assertEquals(200, revoked.status(), revoked.body());

        stepAheadADayAndBack();

        JsonNode d = airlock.check(token, "staging", "db:read", null).json();
        assertFalse(d.path("allowed").asBoolean(true), d.toString());
        assertEquals("token_revoked", d.path("code").asText(), d.toString());
    }

    @Test
    void tokenWhenAUsedAssertionIsReplayedAfterAClockStepPastItsExpiryAndBackThenInvalidClient() throws Exception {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("grant_type", "client_credentials");
        p.put("environment", "staging");
        p.put("client_assertion_type", ClientAuthenticationTest.JWT_BEARER);
        p.put("client_assertion", ClientAuthenticationTest.assertion(ClientAuthenticationTest.deployBotKey(),
                "deploy-bot", airlock.base, airlock.clock.instant().plus(Duration.ofMinutes(5)), "once-only"));
        TestAirlock.Reply first = airlock.postForm("/oauth2/token", null, p);
        assertEquals(200, first.status(), first.body());

        stepAheadADayAndBack();

        TestAirlock.Reply replay = airlock.postForm("/oauth2/token", null, p);
        assertEquals(401, replay.status(), replay.body());
        assertEquals("invalid_client", replay.json().path("error").asText());
        assertTrue(airlock.auditLines().stream().anyMatch(l -> l.contains("assertion jti already used (replay)")));
    }
}
