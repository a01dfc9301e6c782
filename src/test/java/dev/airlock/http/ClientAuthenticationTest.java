package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.airlock.testing.IndependentVerifier;
import dev.airlock.testing.TestAirlock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Agent authentication at the token endpoint: client_secret_basic and private_key_jwt (RFC 7523), failures slowed
 * down. One server per test, because the throttle remembers failures per address.
 */
class ClientAuthenticationTest {
    static final String JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    TestAirlock airlock;
    String secret;

    @BeforeEach
    void start() throws Exception {
        airlock = TestAirlock.start();
        secret = airlock.issueSecret("coding-agent");
    }

    @AfterEach
    void stop() throws Exception {
        airlock.close();
    }

    static OctetKeyPair deployBotKey() throws Exception {
        return OctetKeyPair.parse(Files.readString(Path.of("src/test/resources/keys/deploy-bot.private.jwk.json")));
    }

    /** Signed with nimbus's own (Tink) Ed25519 signer: independent of Airlock's BouncyCastle code. */
    static String assertion(OctetKeyPair key, String iss, String aud, Instant exp, String jti) throws Exception {
        JWTClaimsSet.Builder c = new JWTClaimsSet.Builder().issuer(iss).subject(iss).audience(aud)
                .issueTime(new Date()).expirationTime(Date.from(exp));
        if (jti != null) c.jwtID(jti);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.EdDSA).keyID(key.getKeyID()).build(), c.build());
        jwt.sign(new Ed25519Signer(key));
        return jwt.serialize();
    }

    TestAirlock.Reply tokenWithAssertion(String assertion, String env, String scope) throws Exception {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("grant_type", "client_credentials");
        p.put("environment", env);
        p.put("scope", scope);
        p.put("client_assertion_type", JWT_BEARER);
        p.put("client_assertion", assertion);
        return airlock.postForm("/oauth2/token", null, p);
    }

    static void assertInvalidClient(TestAirlock.Reply r) {
        assertEquals(401, r.status(), r.body());
        assertEquals("invalid_client", r.json().path("error").asText());
        assertNotNull(r.header("WWW-Authenticate"));
    }

    @Test
    void secretBasicWhenWrongSecretUnknownClientOrNoneThen401InvalidClient() throws Exception {
        assertInvalidClient(airlock.token("coding-agent", secret + "x", "staging", "db:read"));
        assertInvalidClient(airlock.token("nobody", secret, "staging", "db:read"));
        assertInvalidClient(airlock.postForm("/oauth2/token", null,
                Map.of("grant_type", "client_credentials", "environment", "staging")));
        // deploy-bot has no secret at all: it authenticates with a key.
        assertInvalidClient(airlock.token("deploy-bot", secret, "staging", "service:read"));
        String log = Files.readString(airlock.dataDir.resolve("audit.log"));
        assertTrue(log.contains("\"type\":\"client.auth_failed\",\"client_id\":\"coding-agent\",\"address\":\"127.0.0.1\","
                + "\"reason\":\"wrong client secret\""), log);
        assertFalse(log.contains(secret), "secrets never reach the audit log");
    }

    @Test
    void secretBasicWhenSecretRotatedThenOldOneStopsWorking() throws Exception {
        assertEquals(200, airlock.token("coding-agent", secret, "staging", "db:read").status());
        String newer = airlock.issueSecret("coding-agent");
        assertInvalidClient(airlock.token("coding-agent", secret, "staging", "db:read"));
        assertEquals(200, airlock.token("coding-agent", newer, "staging", "db:read").status());
    }

    @Test
    void secretInRequestBodyThenRefusedNotAccepted() throws Exception {
        TestAirlock.Reply r = airlock.postForm("/oauth2/token", null, Map.of("grant_type", "client_credentials",
                "environment", "staging", "client_id", "coding-agent", "client_secret", secret));
        assertEquals(400, r.status());
        assertEquals("invalid_request", r.json().path("error").asText());
    }

    @Test
    void repeatedFailuresFromOneClientAndAddressAreSlowedDownEvenForTheRightSecret() throws Exception {
        for (int i = 0; i < 5; i++) assertInvalidClient(airlock.token("coding-agent", "wrong", "staging", "db:read"));
        TestAirlock.Reply throttled = airlock.token("coding-agent", secret, "staging", "db:read");
        assertEquals(429, throttled.status(), throttled.body());
        assertEquals("invalid_client", throttled.json().path("error").asText());
        assertEquals("1", throttled.header("Retry-After"));
        airlock.clock.advance(Duration.ofSeconds(2));
        assertEquals(200, airlock.token("coding-agent", secret, "staging", "db:read").status());
        // Success resets this client's count; the next failure starts from zero again.
        assertInvalidClient(airlock.token("coding-agent", "wrong", "staging", "db:read"));
        assertEquals(200, airlock.token("coding-agent", secret, "staging", "db:read").status());
    }

    @Test
    void throttleDelayDoublesWithEachFurtherFailure() throws Exception {
        for (int i = 0; i < 5; i++) assertInvalidClient(airlock.token("coding-agent", "wrong", "staging", "db:read"));
        airlock.clock.advance(Duration.ofSeconds(2));
        assertInvalidClient(airlock.token("coding-agent", "wrong", "staging", "db:read")); // 6th: 2 s
        TestAirlock.Reply r = airlock.token("coding-agent", secret, "staging", "db:read");
        assertEquals(429, r.status());
        assertEquals("2", r.header("Retry-After"));
    }

    @Test
    void sweepingClientIdsFromOneAddressIsSlowedDownPerAddress() throws Exception {
        for (int i = 0; i < 50; i++) assertInvalidClient(airlock.token("guess-" + i, "wrong", "staging", "db:read"));
        assertEquals(429, airlock.token("guess-50", "wrong", "staging", "db:read").status());
        assertEquals(429, airlock.token("coding-agent", secret, "staging", "db:read").status());
    }

    @Test
    void privateKeyJwtWhenValidAssertionThenTokenAndNoSecretExists() throws Exception {
        String a = assertion(deployBotKey(), "deploy-bot", airlock.base, Instant.now().plusSeconds(60), UUID.randomUUID().toString());
        TestAirlock.Reply r = tokenWithAssertion(a, "production", "service:restart");
        assertEquals(200, r.status(), r.body());
        JWTClaimsSet c = new IndependentVerifier(airlock.base, "urn:airlock:env:production")
                .verify(r.json().path("access_token").asText());
        assertEquals("deploy-bot", c.getSubject());
        assertEquals("service:restart", c.getStringClaim("scope"));
        // The token endpoint URL is an accepted audience too (RFC 7523 §3).
        String b = assertion(deployBotKey(), "deploy-bot", airlock.base + "/oauth2/token", Instant.now().plusSeconds(60),
                UUID.randomUUID().toString());
        assertEquals(200, tokenWithAssertion(b, "production", "service:read").status());
    }

    @Test
    void privateKeyJwtWhenAssertionReplayedThenRefused() throws Exception {
        String a = assertion(deployBotKey(), "deploy-bot", airlock.base, Instant.now().plusSeconds(60), "jti-once");
        assertEquals(200, tokenWithAssertion(a, "staging", "service:read").status());
        assertInvalidClient(tokenWithAssertion(a, "staging", "service:read"));
        String log = Files.readString(airlock.dataDir.resolve("audit.log"));
        assertTrue(log.contains("assertion jti already used (replay)"), log);
    }

    @Test
    void privateKeyJwtWhenAssertionIsWrongThenInvalidClient() throws Exception {
        OctetKeyPair key = deployBotKey();
        OctetKeyPair stranger = new OctetKeyPairGenerator(Curve.Ed25519).keyID("deploy-bot-1").generate();
        // Seven wrong assertions from one client would trip the throttle (5 free failures); each attempt below
        // therefore starts a fresh throttle window, on the server's clock, which the assertion times follow.
        refusedInFreshWindow(now -> assertion(key, "deploy-bot", "https://elsewhere", now.plusSeconds(60), "a1"));
        refusedInFreshWindow(now -> assertion(key, "deploy-bot", airlock.base, now.minusSeconds(1), "a2"));
        refusedInFreshWindow(now -> assertion(key, "deploy-bot", airlock.base, now.plusSeconds(3600), "a3"));
        refusedInFreshWindow(now -> assertion(key, "deploy-bot", airlock.base, now.plusSeconds(60), null));
        refusedInFreshWindow(now -> assertion(stranger, "deploy-bot", airlock.base, now.plusSeconds(60), "a4"));
        // A secret agent cannot switch to assertions signed by anyone.
        refusedInFreshWindow(now -> assertion(stranger, "coding-agent", airlock.base, now.plusSeconds(60), "a5"));
        Map<String, String> p = new LinkedHashMap<>();
        p.put("grant_type", "client_credentials");
        p.put("environment", "staging");
        p.put("client_assertion_type", "urn:something:else");
        p.put("client_assertion", assertion(key, "deploy-bot", airlock.base, airlock.clock.instant().plusSeconds(60), "a6"));
        assertInvalidClient(airlock.postForm("/oauth2/token", null, p));
        // And the right assertion still works: nothing above spent the client's access.
        assertEquals(200, tokenWithAssertion(assertion(key, "deploy-bot", airlock.base,
                airlock.clock.instant().plusSeconds(60), "a7"), "staging", "service:read").status());
    }

    interface AssertionAt {
        String at(Instant now) throws Exception;
    }

    private void refusedInFreshWindow(AssertionAt make) throws Exception {
        airlock.clock.advance(Duration.ofMinutes(16));
        assertInvalidClient(tokenWithAssertion(make.at(airlock.clock.instant()), "staging", "service:read"));
    }

    @Test
    void twoAuthenticationMethodsInOneRequestThenInvalidRequest() throws Exception {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("grant_type", "client_credentials");
        p.put("environment", "staging");
        p.put("client_assertion_type", JWT_BEARER);
        p.put("client_assertion", assertion(deployBotKey(), "deploy-bot", airlock.base, Instant.now().plusSeconds(60), "x"));
        TestAirlock.Reply r = airlock.postForm("/oauth2/token", TestAirlock.basic("coding-agent", secret), p);
        assertEquals(400, r.status());
        assertEquals("invalid_request", r.json().path("error").asText());
    }
}
