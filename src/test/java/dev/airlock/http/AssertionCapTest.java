package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.core.store.AssertionLimits;
import dev.airlock.core.store.Retention;
import dev.airlock.testing.TestAirlock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The token endpoint when an agent has as many assertion ids remembered as the shipped cap allows
 * ({@link AssertionLimits#DEFAULT}): refused with 429 {@code slow_down} and Retry-After, never accepted unrecorded,
 * never counted as a failed attempt, and only for that agent. The example policy plus a second key-authenticated
 * agent, release-bot.
 */
class AssertionCapTest {
    static final int CAP = AssertionLimits.DEFAULT.perClient();

    @TempDir
    Path policy;
    TestAirlock airlock;
    OctetKeyPair deployBot;
    OctetKeyPair releaseBot;
    Instant firstExpiry;

    @BeforeEach
    void start() throws Exception {
        for (String f : List.of("agents.yaml", "environments.yaml", "grants.yaml", "scopes.yaml")) {
            Files.copy(TestAirlock.EXAMPLE_POLICY.resolve(f), policy.resolve(f));
        }
        releaseBot = new OctetKeyPairGenerator(Curve.Ed25519).keyID("release-bot-1").generate();
        Files.writeString(policy.resolve("agents.yaml"), """

                  - id: release-bot
                    description: A second agent that signs assertions, to show the cap is per agent.
                    owner: bob
                    auth: private_key_jwt
                    jwks:
                      keys:
                        - kty: OKP
                          crv: Ed25519
                          use: sig
                          kid: release-bot-1
                          x: %s
                    environments:
                      staging:
                        scopes: [service:read]
                """.formatted(releaseBot.getX()), StandardOpenOption.APPEND);
        airlock = TestAirlock.start(policy, Files.createTempDirectory("airlock-test"), com.nimbusds.jose.JWSAlgorithm.EdDSA);
        deployBot = ClientAuthenticationTest.deployBotKey();
        // Past the server's first 20 minutes, in which its store forgets nothing (Retention).
        airlock.clock.advance(Retention.LONGEST_LIFETIME.plus(Retention.TOLERATED_STEP).plusMinutes(1));
        fillDeployBotToItsCap();
    }

    @AfterEach
    void stop() throws Exception {
        airlock.close();
    }

    /** As if deploy-bot had just used CAP assertions: "used-0" expires first, in 30 s, the others in 10 minutes. */
    private void fillDeployBotToItsCap() throws Exception {
        Instant now = airlock.clock.instant();
        firstExpiry = now.plusSeconds(30);
        List<CompletableFuture<Boolean>> writes = new ArrayList<>();
        for (int i = 0; i < CAP; i++) {
            writes.add(airlock.airlock.store.recordAssertion("deploy-bot", "used-" + i,
                    i == 0 ? firstExpiry : now.plus(Duration.ofMinutes(10))));
        }
        for (CompletableFuture<Boolean> w : writes) assertTrue(w.get(60, TimeUnit.SECONDS));
    }

    private TestAirlock.Reply token(OctetKeyPair key, String client, String jti) throws Exception {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("grant_type", "client_credentials");
        p.put("environment", "staging");
        p.put("scope", "service:read");
        p.put("client_assertion_type", ClientAuthenticationTest.JWT_BEARER);
        p.put("client_assertion", ClientAuthenticationTest.assertion(key, client, airlock.base,
                airlock.clock.instant().plusSeconds(60), jti));
        return airlock.postForm("/oauth2/token", null, p);
    }

    private static void assertSlowDown(TestAirlock.Reply r, String retryAfter) {
        assertEquals(429, r.status(), r.body());
        JsonNode body = r.json();
        assertEquals("slow_down", body.path("error").asText(), r.body());
        assertTrue(body.path("error_description").asText().contains("this client has " + CAP
                + " client assertion ids remembered, the cap"), r.body());
        assertEquals(retryAfter, r.header("Retry-After"));
        assertNull(r.header("WWW-Authenticate"), "not an authentication failure");
    }

    @Test
    void whenAnAgentIsAtItsCapThenANewAssertionIsRefusedWithSlowDownUntilItsFirstIdMayBeForgotten() throws Exception {
        // 1. At the cap, a fresh, valid assertion is refused, and the client is told when the first id may be
        //    forgotten: 30 s to its exp, the second of its exp, the 5 minutes of tolerated clock step.
        assertSlowDown(token(deployBot, "deploy-bot", "fresh-1"), "331");
        assertTrue(airlock.auditLines().stream().anyMatch(l -> l.contains("\"type\":\"client.auth_failed\"")
                && l.contains("\"client_id\":\"deploy-bot\"") && l.contains("assertion not recorded: this client has "
                + CAP + " client assertion ids remembered, the cap")), "audited");

        // 2. Not a failed attempt: five failures would throttle (429 invalid_client); these stay slow_down.
        for (int i = 0; i < 7; i++) assertSlowDown(token(deployBot, "deploy-bot", "fresh-" + (i + 2)), "331");

        // 3. Other agents are served meanwhile.
        assertEquals(200, token(releaseBot, "release-bot", UUID.randomUUID().toString()).status());
        String secret = airlock.issueSecret("coding-agent");
        assertEquals(200, airlock.token("coding-agent", secret, "staging", "db:read").status());

        // 4. Once the first id is forgotten there is room for exactly one more, and fresh-1 was never recorded.
        airlock.clock.set(firstExpiry.plus(Retention.TOLERATED_STEP).plusSeconds(1));
        TestAirlock.Reply served = token(deployBot, "deploy-bot", "fresh-1");
        assertEquals(200, served.status(), served.body());
        // fresh-1 now holds the freed slot and, with its 60 s, is the first to be forgotten.
        assertSlowDown(token(deployBot, "deploy-bot", "fresh-9"), "361");
    }

    @Test
    void whenAnAgentIsAtItsCapThenAReplayIsStillRefusedAsAReplay() throws Exception {
        TestAirlock.Reply r = token(deployBot, "deploy-bot", "used-1");
        assertEquals(401, r.status(), r.body());
        assertEquals("invalid_client", r.json().path("error").asText());
        assertTrue(airlock.auditLines().stream().anyMatch(l -> l.contains("assertion jti already used (replay)")));
    }
}
