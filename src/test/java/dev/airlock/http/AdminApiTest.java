package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.testing.PolicyCopy;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestAirlock.OpsUser;
import dev.airlock.testing.TestAirlock.Reply;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, must-show 6 (admin without a shared disk): the CLI's state-changing commands over HTTP, in effect in the
 * running server when the answer comes. Only a signed-in person of a {@code grants.yaml admin_groups} group, with a
 * fresh one-time code each time; each change audited with who made it.
 */
class AdminApiTest {
    @TempDir
    Path data;
    TestAirlock airlock;
    OpsUser pat;
    OpsUser carol;

    @BeforeEach
    void start() throws Exception {
        Path policy = PolicyCopy.ofShipped().append("grants.yaml", "\nadmin_groups: [platform]\n").dir;
        airlock = TestAirlock.start(policy, data, JWSAlgorithm.EdDSA);
        pat = airlock.addOps("pat", "platform");
        carol = airlock.addOps("carol", "ops", "prod-ops");
    }

    @AfterEach
    void stop() throws Exception {
        airlock.close();
    }

    Reply admin(OpsUser who, String session, String path, Map<String, Object> body) throws Exception {
        Map<String, Object> withCode = new java.util.LinkedHashMap<>(body);
        withCode.put("code", airlock.freshCode(who));
        return airlock.opsPost(path, session, withCode);
    }

    @Test
    void anAgentSecretIssuedOverHttpWorksAtOnceAndTheOldOneStops() throws Exception {
        String old = airlock.issueSecret("coding-agent");
        String session = airlock.opsSignIn(pat);
        Reply r = admin(pat, session, "/v1/admin/agents/coding-agent/secret", Map.of());
        assertEquals(200, r.status(), r.body());
        assertEquals("no-store", r.header("Cache-Control"));
        String secret = r.json().get("client_secret").asText();
        assertEquals(200, airlock.token("coding-agent", secret, "staging", "volume:read").status(),
                "the new secret works in the same instant");
        assertEquals(401, airlock.token("coding-agent", old, "staging", "volume:read").status());
        assertTrue(airlock.auditLines().stream().anyMatch(l -> l.contains("\"type\":\"agent.secret_issued\"")
                && l.contains("\"by\":\"ops:pat\"")), "audited with who made it");
        assertTrue(airlock.auditLines().stream().noneMatch(l -> l.contains(secret)), "the secret is not in the log");
    }

    @Test
    void revokeAndFreezeOverHttpAreInEffectWhenTheAnswerComes() throws Exception {
        String secret = airlock.issueSecret("coding-agent");
        String token = airlock.token("coding-agent", secret, "staging", "volume:read").json().get("access_token").asText();
        String jti = com.nimbusds.jwt.SignedJWT.parse(token).getJWTClaimsSet().getJWTID();
        String session = airlock.opsSignIn(pat);

        assertEquals(200, admin(pat, session, "/v1/admin/revoke", Map.of("jti", jti)).status());
        assertFalse(airlock.check(token, "staging", "volume:read", "vol-7f3a-stg").json().path("allowed").asBoolean(true));

        assertEquals(200, admin(pat, session, "/v1/admin/environments/staging/freeze", Map.of()).status());
        assertEquals(400, airlock.token("coding-agent", secret, "staging", "volume:read").status() / 100 * 100);
        assertTrue(airlock.airlock.store.isFrozen("staging"));
        assertEquals(200, admin(pat, session, "/v1/admin/environments/staging/unfreeze", Map.of()).status());
        assertEquals(200, airlock.token("coding-agent", secret, "staging", "volume:read").status());
        assertEquals(404, admin(pat, session, "/v1/admin/environments/nowhere/freeze", Map.of()).status());
    }

    @Test
    void revokeOfAJtiNeverIssuedAndUnfreezeOfAnEnvironmentNotFrozenAreRefusedAndChangeNothing() throws Exception {
        String session = airlock.opsSignIn(pat);
        Reply unknown = admin(pat, session, "/v1/admin/revoke", Map.of("jti", "AAAAAAAAAAAAAAAAAAAAAA"));
        assertEquals(404, unknown.status(), unknown.body());
        assertEquals("unknown_jti", unknown.json().path("code").asText(), unknown.body());
        assertFalse(airlock.airlock.store.isRevoked("AAAAAAAAAAAAAAAAAAAAAA"));
        Reply notFrozen = admin(pat, session, "/v1/admin/environments/staging/unfreeze", Map.of());
        assertEquals(409, notFrozen.status(), notFrozen.body());
        assertEquals("not_frozen", notFrozen.json().path("code").asText(), notFrozen.body());
        assertTrue(airlock.auditLines().stream().noneMatch(l -> l.contains("\"type\":\"token.revoked\"")
                || l.contains("\"type\":\"env.unfrozen\"")), "no success event for a change not made");
    }

    @Test
    void opsAccountsAreEnrolledResetAndDisabledOverHttp() throws Exception {
        String session = airlock.opsSignIn(pat);
        Reply created = admin(pat, session, "/v1/admin/ops-accounts", Map.of("name", "dana", "groups", List.of("ops")));
        assertEquals(200, created.status(), created.body());
        OpsUser dana = new OpsUser("dana", created.json().get("passphrase").asText(),
                created.json().get("totp_secret").asText());
        airlock.opsSignIn(dana);
        assertEquals(409, admin(pat, session, "/v1/admin/ops-accounts", Map.of("name", "dana", "groups",
                List.of("ops"))).status());
        assertEquals(200, admin(pat, session, "/v1/admin/ops-accounts/dana/disable", Map.of()).status());
        assertEquals(401, airlock.opsSignInRaw("dana", dana.passphrase(), airlock.freshCode(dana)).status());
        assertEquals(404, admin(pat, session, "/v1/admin/ops-accounts/nobody/reset", Map.of()).status());
    }

    @Test
    void aPersonOutsideTheAdminGroupsIsRefusedBeforeTheirCodeIsLookedAt() throws Exception {
        String session = airlock.opsSignIn(carol);
        long before = airlock.airlock.store.opsAccount("carol").orElseThrow().lastTotpStep();
        Reply r = admin(carol, session, "/v1/admin/environments/production/freeze", Map.of());
        assertEquals(403, r.status());
        assertEquals("not_admin", r.json().get("code").asText());
        assertTrue(r.json().get("detail").asText().contains("admin_groups"), r.body());
        assertFalse(airlock.airlock.store.isFrozen("production"));
        assertEquals(before, airlock.airlock.store.opsAccount("carol").orElseThrow().lastTotpStep(),
                "no code spent on a refusal");
    }

    @Test
    void aSessionWithoutAFreshCodeChangesNothing() throws Exception {
        String session = airlock.opsSignIn(pat);
        Reply none = airlock.opsPost("/v1/admin/environments/production/freeze", session, Map.of());
        assertEquals(400, none.status());
        assertEquals("code_required", none.json().get("code").asText());
        Reply wrong = airlock.opsPost("/v1/admin/environments/production/freeze", session, Map.of("code", "000000"));
        assertEquals(403, wrong.status());
        assertFalse(airlock.airlock.store.isFrozen("production"));
        assertTrue(airlock.auditLines().stream().noneMatch(l -> l.contains("\"type\":\"env.frozen\"")));
    }

    @Test
    void agentCredentialsAndNoSessionAreRefused() throws Exception {
        String secret = airlock.issueSecret("coding-agent");
        Reply agent = airlock.agentPost("/v1/admin/environments/production/unfreeze",
                TestAirlock.basic("coding-agent", secret), Map.of("code", "123456"));
        assertEquals(403, agent.status());
        assertEquals(401, airlock.postJson("/v1/admin/revoke", Map.of("jti", "x", "code", "123456")).status());
    }

    @Test
    void withoutAdminGroupsInThePolicyNobodyMayAndTheAnswerSaysHowToEnableIt() throws Exception {
        airlock.close();
        airlock = TestAirlock.start(PolicyCopy.ofShipped().dir, data, JWSAlgorithm.EdDSA);
        String session = airlock.opsSignIn(pat);
        Reply r = admin(pat, session, "/v1/admin/environments/production/freeze", Map.of());
        assertEquals(403, r.status());
        assertTrue(r.json().get("detail").asText().contains("nobody may administer Airlock over HTTP"), r.body());
    }

    @Test
    void aPolicyReloadOverHttpServesTheNewPolicyAndABrokenOneIsA422WithItsProblems() throws Exception {
        String session = airlock.opsSignIn(pat);
        String before = airlock.airlock.policyHash();
        Path policy = airlock.airlock.config.policyDir();
        java.nio.file.Files.writeString(policy.resolve("grants.yaml"),
                java.nio.file.Files.readString(policy.resolve("grants.yaml")) + "\n# an edit\n");
        Reply ok = admin(pat, session, "/v1/admin/policy/reload", Map.of());
        assertEquals(200, ok.status(), ok.body());
        assertEquals(before, ok.json().get("policy_hash_before").asText());
        assertEquals(airlock.airlock.policyHash(), ok.json().get("policy_hash").asText());
        assertFalse(before.equals(airlock.airlock.policyHash()));

        java.nio.file.Files.writeString(policy.resolve("agents.yaml"), "agents: [oops\n");
        Reply broken = admin(pat, session, "/v1/admin/policy/reload", Map.of());
        assertEquals(422, broken.status(), broken.body());
        assertEquals("policy_invalid", broken.json().get("code").asText());
        assertTrue(broken.json().get("problems").get(0).asText().contains("agents.yaml"), broken.body());
        assertEquals(ok.json().get("policy_hash").asText(), airlock.airlock.policyHash(), "the running policy stays");
    }
}
