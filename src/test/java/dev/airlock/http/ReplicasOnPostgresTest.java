package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.store.postgres.PgLocation;
import dev.airlock.store.postgres.PgSettings;
import dev.airlock.testing.IndependentVerifier;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestAirlock.OpsUser;
import dev.airlock.testing.TestAirlock.Reply;
import dev.airlock.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: two replicas, A and B, in this JVM, each with its own data directory, the same master key and issuer,
 * sharing one PostgreSQL database; what one decides, the other enforces.
 */
class ReplicasOnPostgresTest {
    static final String ISSUER = "https://airlock.replicas.test";
    static final String CIBA = "urn:openid:params:grant-type:ciba";

    @TempDir
    Path dirA;
    @TempDir
    Path dirB;
    TestAirlock a;
    TestAirlock b;
    String secret;
    String agent;
    String url;

    @BeforeEach
    void start() throws Exception {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        String masterKey = Base64.getEncoder().encodeToString(key);
        url = TestPostgres.freshDatabase().url();
        PgSettings shared = new PgSettings(PgLocation.parse(url), null);
        a = TestAirlock.startShared(TestAirlock.EXAMPLE_POLICY, dirA, ISSUER, masterKey, shared);
        b = TestAirlock.startShared(TestAirlock.EXAMPLE_POLICY, dirB, ISSUER, masterKey, shared);
        secret = a.issueSecret("coding-agent");
        agent = TestAirlock.basic("coding-agent", secret);
        b.airlock.database().orElseThrow().catchUp();
    }

    @AfterEach
    void stop() throws Exception {
        if (a != null) a.close();
        if (b != null) b.close();
    }

    @Test
    void aTokenMintedOnAVerifiesOnBThroughItsJwksAndCheckWithNoKeysCopied() throws Exception {
        Reply minted = a.token("coding-agent", secret, "staging", "db:read");
        assertEquals(200, minted.status(), minted.body());
        String token = minted.json().get("access_token").asText();

        // A gateway fed only by B's JWKS, fetched over HTTP, verifies a token A signed.
        new IndependentVerifier(com.nimbusds.jose.jwk.JWKSet.parse(b.get("/.well-known/jwks.json").body()), ISSUER,
                "urn:airlock:env:staging", IndependentVerifier.AT_JWT, a.clock).verify(token);
        JsonNode check = b.check(token, "staging", "db:read", null).json();
        assertTrue(check.get("allowed").asBoolean(), check.toString());
        assertEquals(a.get("/.well-known/jwks.json").body(), b.get("/.well-known/jwks.json").body(),
                "one key set for both replicas");
        assertFalse(Files.exists(dirA.resolve("keys")) || Files.exists(dirB.resolve("keys")),
                "no signing key on either replica's disk");
        long firstKeys = a.auditLines().stream().filter(l -> l.contains("\"type\":\"key.activated\"")).count();
        assertEquals(1, firstKeys, "one first key for the two replicas, on the record once");
    }

    @Test
    void bothReplicasSignTheSharedChainWithOneAuditKeySoVerifyPinsOneFingerprint() throws Exception {
        String fingerprint = a.airlock.auditKey.fingerprint();
        assertEquals(fingerprint, b.airlock.auditKey.fingerprint());
        assertFalse(Files.exists(dirA.resolve("audit.key")) || Files.exists(dirB.resolve("audit.key")),
                "the audit key lives in the database only");
        assertEquals(200, a.token("coding-agent", secret, "staging", "db:read").status());
        assertEquals(200, b.token("coding-agent", secret, "staging", "db:read").status());
        assertEquals(1, a.auditLines().stream().filter(l -> l.contains("\"type\":\"audit.key_created\"")).count());
        a.close();
        b.close(); // each signs a checkpoint over what it appended
        a = null;
        b = null;

        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        int code = new picocli.CommandLine(new dev.airlock.cli.AuditCommand()).setOut(new java.io.PrintWriter(out, true))
                .setErr(new java.io.PrintWriter(err, true)).execute("verify", "--store", url, "--audit-key", fingerprint);
        assertEquals(0, code, out + " " + err);
        assertTrue(out.toString().contains("(pinned)"), out.toString());
    }

    @Test
    void aTokenRevokedOnAIsRefusedByCheckOnBAfterBsRefresh() throws Exception {
        Reply minted = a.token("coding-agent", secret, "staging", "db:read");
        assertEquals(200, minted.status(), minted.body());
        String token = minted.json().get("access_token").asText();
        assertTrue(b.check(token, "staging", "db:read", null).json().get("allowed").asBoolean(),
                "positive control: B accepts A's token before the revocation");

        Reply revoked = a.postForm("/oauth2/revoke", agent, Map.of("token", token));
        assertEquals(200, revoked.status(), revoked.body());
        b.airlock.database().orElseThrow().catchUp();

        JsonNode check = b.check(token, "staging", "db:read", null).json();
        assertFalse(check.get("allowed").asBoolean(), check.toString());
        assertEquals("token_revoked", check.path("code").asText(), check.toString());
        assertTrue(a.auditLines().stream().anyMatch(l -> l.contains("\"type\":\"token.revoked\"")),
                "the revocation is in the one shared audit log");
    }

    /** Issue 16: disabling an agent and revoking its tokens reach the other replica through the change feed. */
    @Test
    void anAgentDisabledOnAAndItsTokensRevokedAreRefusedOnBAfterBsRefresh() throws Exception {
        String token = a.token("coding-agent", secret, "staging", "db:read").json().get("access_token").asText();
        assertTrue(b.check(token, "staging", "db:read", null).json().get("allowed").asBoolean(), "positive control");

        a.airlock.domain().admin.setAgentDisabled("coding-agent", true, "test").get();
        b.airlock.database().orElseThrow().catchUp();
        assertEquals("agent_disabled", b.check(token, "staging", "db:read", null).json().path("code").asText());
        assertEquals(401, b.token("coding-agent", secret, "staging", "db:read").status());

        a.airlock.domain().admin.setAgentDisabled("coding-agent", false, "test").get();
        a.airlock.domain().admin.revokeAgentTokens("coding-agent", a.clock.instant(), "test").get();
        b.airlock.database().orElseThrow().catchUp();
        assertEquals("token_revoked", b.check(token, "staging", "db:read", null).json().path("code").asText());
        a.clock.advance(java.time.Duration.ofSeconds(1));
        b.clock.advance(java.time.Duration.ofSeconds(1));
        String fresh = b.token("coding-agent", secret, "staging", "db:read").json().get("access_token").asText();
        assertTrue(b.check(fresh, "staging", "db:read", null).json().get("allowed").asBoolean(), "enabled again on B");
    }

    @Test
    void aOneShotGrantRedeemedConcurrentlyOnAAndBIsSpentExactlyOnce() throws Exception {
        OpsUser carol = a.addOps("carol", "prod-ops", "ops");
        OpsUser dave = a.addOps("dave", "prod-ops");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("environment", "production");
        body.put("scopes", List.of("volume:delete"));
        body.put("resources", List.of("vol-7f3a"));
        body.put("reason", "INC-4711: the orphaned volume vol-7f3a blocks the migration");
        body.put("command", "railway volume delete vol-7f3a --yes");
        Reply filed = a.agentPost("/v1/grants", agent, body);
        assertEquals(201, filed.status(), filed.body());
        String id = filed.json().get("auth_req_id").asText();
        for (OpsUser who : List.of(carol, dave)) {
            Reply approved = a.opsPost("/v1/grants/" + id + "/approve", a.opsSignIn(who),
                    Map.of("code", a.freshCode(who)));
            assertEquals(200, approved.status(), approved.body());
        }
        b.airlock.database().orElseThrow().catchUp();

        List<Callable<Boolean>> polls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            TestAirlock via = i % 2 == 0 ? a : b;
            polls.add(() -> via.postForm("/oauth2/token", agent, Map.of("grant_type", CIBA, "auth_req_id", id))
                    .status() == 200);
        }
        assertEquals(1, GrantFlowTest.countTrue(polls));
        long redeemed = a.auditLines().stream().filter(l -> l.contains("\"type\":\"grant.redeemed\"")).count();
        assertEquals(1, redeemed, "one redemption on the record");
    }

    @Test
    void aClientAssertionUsedOnAIsRefusedAsAReplayOnB() throws Exception {
        String assertion = ClientAuthenticationTest.assertion(ClientAuthenticationTest.deployBotKey(), "deploy-bot",
                ISSUER, a.clock.instant().plusSeconds(60), "jti-once-" + System.nanoTime());
        Map<String, String> p = new LinkedHashMap<>();
        p.put("grant_type", "client_credentials");
        p.put("environment", "staging");
        p.put("client_assertion_type", ClientAuthenticationTest.JWT_BEARER);
        p.put("client_assertion", assertion);
        Reply first = a.postForm("/oauth2/token", null, p);
        assertEquals(200, first.status(), first.body());
        Reply replay = b.postForm("/oauth2/token", null, p);
        assertEquals(401, replay.status(), replay.body());
        assertEquals("invalid_client", replay.json().path("error").asText(), replay.body());
    }
}
