package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.airlock.testing.IndependentVerifier;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestAirlock.OpsUser;
import dev.airlock.testing.TestAirlock.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The human grant flow over real HTTP (issue 3): requests, decisions, CIBA redemption and one-shot use. Ops people
 * use TOTP codes computed by the test's own RFC 6238 code ({@code TestTotp}), never Airlock's.
 */
class GrantFlowTest {
    static final String CIBA = "urn:openid:params:grant-type:ciba";
    static final String REASON = "vol-7f3a is an orphaned copy of the old primary; deleting it frees the quota";

    TestAirlock airlock;
    String secret;
    String agent;
    OpsUser carol;
    OpsUser dave;

    @BeforeEach
    void start() throws Exception {
        airlock = TestAirlock.start();
        secret = airlock.issueSecret("coding-agent");
        agent = TestAirlock.basic("coding-agent", secret);
        carol = airlock.addOps("carol", "prod-ops", "ops");
        dave = airlock.addOps("dave", "prod-ops");
    }

    @AfterEach
    void stop() throws Exception {
        airlock.close();
    }

    Map<String, Object> grantBody(String env, List<String> scopes, List<String> resources, String reason) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("environment", env);
        b.put("scopes", scopes);
        b.put("resources", resources);
        b.put("reason", reason);
        b.put("command", "railway volume delete vol-7f3a --yes");
        return b;
    }

    String fileProductionGrant() throws Exception {
        Reply r = airlock.agentPost("/v1/grants", agent, grantBody("production", List.of("volume:delete"),
                List.of("vol-7f3a"), REASON));
        assertEquals(201, r.status(), r.body());
        return r.json().get("auth_req_id").asText();
    }

    Reply poll(String id) throws Exception {
        return airlock.postForm("/oauth2/token", agent, Map.of("grant_type", CIBA, "auth_req_id", id));
    }

    Reply approve(OpsUser who, String session, String id) throws Exception {
        return airlock.opsPost("/v1/grants/" + id + "/approve", session, Map.of("code", airlock.freshCode(who)));
    }

    // --- 1. the request ---

    @Test
    void requestWhenValidThenCibaAcknowledgementWithPolicyNumbers() throws Exception {
        Reply r = airlock.agentPost("/v1/grants", agent, grantBody("production", List.of("volume:delete"),
                List.of("vol-7f3a"), REASON));
        assertEquals(201, r.status(), r.body());
        JsonNode j = r.json();
        assertTrue(j.get("auth_req_id").asText().startsWith("gr_"), r.body());
        assertEquals(900, j.get("expires_in").asInt(), "pending lifetime default 15 min");
        assertEquals(5, j.get("interval").asInt());
        assertEquals(2, j.get("approvals_required").asInt(), "production destructive needs two people");
        assertEquals("pending", j.get("status").asText());

        Reply mine = airlock.agentGet("/v1/grants/" + j.get("auth_req_id").asText(), agent);
        assertEquals(200, mine.status(), mine.body());
        assertEquals("railway volume delete vol-7f3a --yes", mine.json().get("command").asText());
    }

    @Test
    void requestWhenStagingDestructiveThenOneApprovalNeeded() throws Exception {
        Reply r = airlock.agentPost("/v1/grants", agent, grantBody("staging", List.of("volume:delete"),
                List.of("vol-7f3a-stg"), "the staging volume is corrupt after the failed migration test run"));
        assertEquals(201, r.status(), r.body());
        assertEquals(1, r.json().get("approvals_required").asInt());
    }

    @Test
    void requestWhenReasonEmptyOrTrivialThenRefused() throws Exception {
        for (String reason : new String[] {"", "   ", "test", "need it need it need it now"}) {
            Reply r = airlock.agentPost("/v1/grants", agent, grantBody("production", List.of("volume:delete"),
                    List.of("vol-7f3a"), reason));
            assertEquals(400, r.status(), reason + " -> " + r.body());
            assertEquals("reason", r.json().get("code").asText());
        }
        Map<String, Object> none = grantBody("production", List.of("volume:delete"), List.of("vol-7f3a"), REASON);
        none.remove("reason");
        assertEquals(400, airlock.agentPost("/v1/grants", agent, none).status());
    }

    @Test
    void requestWhenScopeIsAutomaticThenPointedAtTokenEndpoint() throws Exception {
        Reply r = airlock.agentPost("/v1/grants", agent, grantBody("staging", List.of("volume:read"),
                List.of("vol-7f3a-stg"), REASON));
        assertEquals(400, r.status(), r.body());
        assertEquals("no_grant_needed", r.json().get("code").asText());
        assertTrue(r.json().get("detail").asText().contains("/oauth2/token"), r.body());
        assertEquals(airlock.base + "/oauth2/token", r.json().get("token_endpoint").asText());
    }

    @Test
    void requestWhenResourceBelongsElsewhereOrUnknownOrGlobThenRefused() throws Exception {
        Reply other = airlock.agentPost("/v1/grants", agent, grantBody("production", List.of("volume:delete"),
                List.of("vol-7f3a-stg"), REASON));
        assertEquals(400, other.status());
        assertEquals("resource_in_other_environment", other.json().get("code").asText());
        assertTrue(other.json().get("detail").asText().contains("belongs to staging"), other.body());
        Reply unknown = airlock.agentPost("/v1/grants", agent, grantBody("production", List.of("volume:delete"),
                List.of("vol-0000"), REASON));
        assertEquals("resource_unknown", unknown.json().get("code").asText(), unknown.body());
        Reply glob = airlock.agentPost("/v1/grants", agent, grantBody("production", List.of("volume:delete"),
                List.of("vol-*"), REASON));
        assertEquals(400, glob.status());
        Reply none = airlock.agentPost("/v1/grants", agent, grantBody("production", List.of("volume:delete"),
                List.of(), REASON));
        assertEquals(400, none.status());
    }

    @Test
    void requestWhenUnauthenticatedOrOpsCredentialThenRefused() throws Exception {
        Map<String, Object> body = grantBody("production", List.of("volume:delete"), List.of("vol-7f3a"), REASON);
        assertEquals(401, airlock.agentPost("/v1/grants", null, body).status());
        assertEquals(401, airlock.agentPost("/v1/grants", TestAirlock.basic("coding-agent", "wrong"), body).status());
        String session = airlock.opsSignIn(carol);
        assertEquals(403, airlock.agentPost("/v1/grants", "Bearer " + session, body).status());
    }

    @Test
    void requestWithAgentsOwnAccessTokenAsBearerThenAccepted() throws Exception {
        String token = airlock.token("coding-agent", secret, "production", "db:read").json().get("access_token").asText();
        Reply r = airlock.agentPost("/v1/grants", "Bearer " + token, grantBody("production", List.of("volume:delete"),
                List.of("vol-7f3a"), REASON));
        assertEquals(201, r.status(), r.body());
    }

    @Test
    void viewAndCancelWhenNotTheRequesterThenUnknown() throws Exception {
        String id = fileProductionGrant();
        String other = airlock.deployBotBearer();
        assertEquals(404, airlock.agentGet("/v1/grants/" + id, other).status());
        assertEquals(404, airlock.agentPost("/v1/grants/" + id + "/cancel", other, Map.of()).status());
        Reply cancel = airlock.agentPost("/v1/grants/" + id + "/cancel", agent, Map.of());
        assertEquals(200, cancel.status(), cancel.body());
        assertEquals("cancelled", cancel.json().get("status").asText());
        assertEquals(409, airlock.agentPost("/v1/grants/" + id + "/cancel", agent, Map.of()).status());
        assertEquals("access_denied", poll(id).json().get("error").asText());
    }

    // --- 3. ops realm over HTTP ---

    @Test
    void signInWhenPageThenHttpOnlyStrictCookieAndNoTokenInBody() throws Exception {
        Map<String, Object> body = Map.of("name", "carol", "passphrase", carol.passphrase(), "code",
                airlock.freshCode(carol));
        Reply r = airlock.send(airlock.request("/v1/ops/session").header("Content-Type", "application/json")
                .header("Origin", airlock.base)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(TestAirlock.JSON.writeValueAsString(body))).build());
        assertEquals(200, r.status(), r.body());
        String cookie = r.header("Set-Cookie");
        assertNotNull(cookie);
        assertTrue(cookie.startsWith("airlock_ops=ops_"), cookie);
        String attributes = cookie.toLowerCase(java.util.Locale.ROOT); // attribute names are case-insensitive
        assertTrue(attributes.contains("; httponly"), cookie);
        assertTrue(attributes.contains("; samesite=strict"), cookie);
        assertFalse(attributes.contains("; secure"), "no Secure flag over plain http on loopback: " + cookie);
        assertNull(r.json().get("token"), "the page's session stays in the HttpOnly cookie");
        assertEquals("carol", r.json().get("name").asText());
        String session = cookie.substring("airlock_ops=".length(), cookie.indexOf(';'));
        Reply me = airlock.send(airlock.request("/v1/ops/session").header("Cookie", "airlock_ops=" + session).GET().build());
        assertEquals(200, me.status(), me.body());

        Reply foreign = airlock.send(airlock.request("/v1/ops/session").header("Content-Type", "application/json")
                .header("Origin", "https://evil.example")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(TestAirlock.JSON.writeValueAsString(
                        Map.of("name", "carol", "passphrase", carol.passphrase(), "code", airlock.freshCode(carol)))))
                .build());
        assertEquals(403, foreign.status(), "a cross-site sign-in is refused: " + foreign.body());
    }

    @Test
    void signInWhenWrongPassphraseOrCodeThenOneGenericRefusalThenLockout() throws Exception {
        Reply badPass = airlock.opsSignInRaw("carol", "not-the-passphrase", airlock.freshCode(carol));
        Reply badCode = airlock.opsSignInRaw("carol", carol.passphrase(), dev.airlock.testing.TestTotp.wrongCode(
                carol.totpSecret(), airlock.clock.instant()));
        Reply nobody = airlock.opsSignInRaw("nobody", "whatever", "123456");
        assertEquals(401, badPass.status());
        assertEquals(badPass.json().get("detail"), badCode.json().get("detail"));
        assertEquals(badPass.json().get("detail"), nobody.json().get("detail"), "names cannot be enumerated");
        // Two failures so far; three more reach the limit of five (the clock stands still: the lock is 1 minute).
        String now = dev.airlock.testing.TestTotp.code(carol.totpSecret(), airlock.clock.instant());
        for (int i = 0; i < 3; i++) assertEquals(401, airlock.opsSignInRaw("carol", "wrong-" + i, now).status());
        Reply r = airlock.opsSignInRaw("carol", "wrong-again", now);
        assertEquals(429, r.status(), r.body());
        assertNotNull(r.header("Retry-After"));
        // Even the right passphrase and a fresh code are refused while locked.
        airlock.clock.advance(Duration.ofSeconds(30));
        String fresh = dev.airlock.testing.TestTotp.code(carol.totpSecret(), airlock.clock.instant());
        assertEquals(429, airlock.opsSignInRaw("carol", carol.passphrase(), fresh).status());
        // After the lock, the right credentials work again.
        airlock.clock.advance(Duration.ofMinutes(2));
        assertEquals(200, airlock.opsSignInRaw("carol", carol.passphrase(), airlock.freshCode(carol)).status());
    }

    @Test
    void sessionWhenIdleTooLongThenSignInAgain() throws Exception {
        String session = airlock.opsSignIn(carol);
        assertEquals(200, airlock.opsGet("/v1/grants?status=pending", session).status());
        airlock.clock.advance(Duration.ofMinutes(16));
        Reply r = airlock.opsGet("/v1/grants?status=pending", session);
        assertEquals(401, r.status(), r.body());
    }

    @Test
    void signOutThenSessionGone() throws Exception {
        String session = airlock.opsSignIn(carol);
        Reply out = airlock.send(airlock.request("/v1/ops/session").header("Authorization", "Bearer " + session)
                .DELETE().build());
        assertEquals(204, out.status(), out.body());
        assertEquals(401, airlock.opsGet("/v1/grants", session).status());
    }

    // --- 4. decisions ---

    @Test
    void opsEndpointsWhenAgentCredentialThenForbidden() throws Exception {
        String id = fileProductionGrant();
        String token = airlock.token("coding-agent", secret, "staging", null).json().get("access_token").asText();
        for (String cred : new String[] {agent, "Bearer " + token}) {
            // Issue 13: an agent may list grants, but only its own (GrantListPagingTest); deciding stays for people.
            Reply list = airlock.send(airlock.request("/v1/grants?status=pending").header("Authorization", cred).GET().build());
            assertEquals(200, list.status(), list.body());
            for (var g : list.json().get("grants")) assertEquals("coding-agent", g.get("agent").asText(), list.body());
            Reply approve = airlock.agentPost("/v1/grants/" + id + "/approve", cred, Map.of("code", "123456"));
            assertEquals(403, approve.status(), approve.body());
            assertEquals("wrong_realm", approve.json().get("code").asText());
            Reply deny = airlock.agentPost("/v1/grants/" + id + "/deny", cred, Map.of("reason", "nope nope"));
            assertEquals(403, deny.status(), deny.body());
        }
        assertEquals("pending", airlock.agentGet("/v1/grants/" + id, agent).json().get("status").asText());
    }

    @Test
    void approveWhenApproverOwnsTheAgentThenForbidden() throws Exception {
        OpsUser alice = airlock.addOps("alice", "prod-ops"); // owner: alice in agents.yaml
        String id = fileProductionGrant();
        Reply r = approve(alice, airlock.opsSignIn(alice), id);
        assertEquals(403, r.status(), r.body());
        assertEquals("requester_cannot_approve", r.json().get("code").asText());
    }

    @Test
    void approveWhenOutsideApproverGroupsThenForbidden() throws Exception {
        OpsUser erin = airlock.addOps("erin", "ops"); // staging/dev approver, not prod-ops
        String id = fileProductionGrant();
        Reply r = approve(erin, airlock.opsSignIn(erin), id);
        assertEquals(403, r.status(), r.body());
        assertEquals("not_an_approver", r.json().get("code").asText());
    }

    @Test
    void approveWhenSamePersonTwiceThenCountsOnce() throws Exception {
        String id = fileProductionGrant();
        String s = airlock.opsSignIn(carol);
        Reply first = approve(carol, s, id);
        assertEquals(200, first.status(), first.body());
        assertEquals("pending", first.json().get("status").asText());
        Reply again = approve(carol, s, id);
        assertEquals(409, again.status(), again.body());
        assertEquals(1, airlock.opsGet("/v1/grants/" + id, s).json().get("approvals").size());
    }

    @Test
    void approveWhenEveryApprovalThenFreshCodeOnceEvenInASession() throws Exception {
        String id = fileProductionGrant();
        String s = airlock.opsSignIn(carol);
        // The code used to sign in is spent: approving with it in the same 30-s step is refused.
        String reused = dev.airlock.testing.TestTotp.code(carol.totpSecret(), airlock.clock.instant());
        Reply r = airlock.opsPost("/v1/grants/" + id + "/approve", s, Map.of("code", reused));
        assertEquals(403, r.status(), r.body());
        assertEquals("code_invalid", r.json().get("code").asText());
        Reply none = airlock.opsPost("/v1/grants/" + id + "/approve", s, Map.of());
        assertEquals(400, none.status(), none.body());
        assertEquals(200, approve(carol, s, id).status());
    }

    @Test
    void approveWhenDeniedCancelledOrExpiredThenConflict() throws Exception {
        String s = airlock.opsSignIn(carol);
        String denied = fileProductionGrant();
        Reply deny = airlock.opsPost("/v1/grants/" + denied + "/deny", s, Map.of("reason", "not during the freeze week"));
        assertEquals(200, deny.status(), deny.body());
        assertEquals(409, approve(carol, s, denied).status());

        String cancelled = fileProductionGrant();
        airlock.agentPost("/v1/grants/" + cancelled + "/cancel", agent, Map.of());
        assertEquals(409, approve(carol, s, cancelled).status());

        String expired = fileProductionGrant();
        airlock.clock.advance(Duration.ofMinutes(16));
        s = airlock.opsSignIn(carol);
        Reply late = approve(carol, s, expired);
        assertEquals(409, late.status(), late.body());
        assertEquals("expired_token", poll(expired).json().get("error").asText());
    }

    @Test
    void denyWhenNoReasonThenRefusedAndAgentToldTheReason() throws Exception {
        String id = fileProductionGrant();
        String s = airlock.opsSignIn(carol);
        assertEquals(400, airlock.opsPost("/v1/grants/" + id + "/deny", s, Map.of()).status());
        assertEquals(400, airlock.opsPost("/v1/grants/" + id + "/deny", s, Map.of("reason", " ")).status());
        airlock.opsPost("/v1/grants/" + id + "/deny", s, Map.of("reason", "use the snapshot restore runbook instead"));
        Reply p = poll(id);
        assertEquals("access_denied", p.json().get("error").asText());
        assertTrue(p.json().get("error_description").asText().contains("snapshot restore runbook"), p.body());
    }

    @Test
    void listWhenStatusFilterThenOnlyThose() throws Exception {
        String a = fileProductionGrant();
        String b = fileProductionGrant();
        airlock.agentPost("/v1/grants/" + b + "/cancel", agent, Map.of());
        String s = airlock.opsSignIn(carol);
        JsonNode pending = airlock.opsGet("/v1/grants?status=pending", s).json().get("grants");
        assertEquals(1, pending.size());
        assertEquals(a, pending.get(0).get("id").asText());
        assertEquals(400, airlock.opsGet("/v1/grants?status=bogus", s).status());
        JsonNode detail = airlock.opsGet("/v1/grants/" + a, s).json();
        assertEquals("coding-agent", detail.get("agent").asText());
        assertTrue(detail.has("recent_refusals"), detail.toString());
    }

    // --- 5. redemption ---

    @Test
    void pollWhenPendingThenPendingThenSlowDownWhenTooFast() throws Exception {
        String id = fileProductionGrant();
        assertEquals("authorization_pending", poll(id).json().get("error").asText());
        Reply fast = poll(id);
        assertEquals(400, fast.status());
        assertEquals("slow_down", fast.json().get("error").asText());
        airlock.clock.advance(Duration.ofSeconds(5));
        assertEquals("slow_down", poll(id).json().get("error").asText(), "interval grew by 5 s after slow_down");
        airlock.clock.advance(Duration.ofSeconds(15));
        assertEquals("authorization_pending", poll(id).json().get("error").asText());
    }

    @Test
    void pollWhenApprovedThenOneShotTokenWithGrantClaimThenInvalidGrant() throws Exception {
        String id = fileProductionGrant();
        approve(carol, airlock.opsSignIn(carol), id);
        approve(dave, airlock.opsSignIn(dave), id);
        Reply r = poll(id);
        assertEquals(200, r.status(), r.body());
        String token = r.json().get("access_token").asText();
        // A grant token is no RFC 9068 access token (GrantTokenOnlineOnlyTest): read it as exactly what it is.
        JWTClaimsSet claims = new IndependentVerifier(airlock.base, "urn:airlock:grant:" + id,
                new com.nimbusds.jose.JOSEObjectType("airlock-grant+jwt"), airlock.clock).verify(token);
        assertEquals("production", claims.getStringClaim("env"));
        assertEquals("volume:delete", claims.getStringClaim("scope"));
        Map<String, Object> grant = claims.getJSONObjectClaim("grant");
        assertEquals(id, grant.get("id"));
        assertEquals(List.of("vol-7f3a"), grant.get("resources"));
        assertEquals(List.of("carol", "dave"), grant.get("approvers"));
        assertEquals(1L, ((Number) grant.get("uses")).longValue());
        assertTrue(claims.getExpirationTime().toInstant().isBefore(airlock.clock.instant().plusSeconds(301)));
        airlock.clock.advance(Duration.ofSeconds(10));
        assertEquals("invalid_grant", poll(id).json().get("error").asText());
    }

    @Test
    void pollWhenAnotherAgentThenInvalidGrant() throws Exception {
        String id = fileProductionGrant();
        Reply r = airlock.postForm("/oauth2/token", null, Map.of("grant_type", CIBA, "auth_req_id", id,
                "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion", airlock.deployBotAssertion()));
        assertEquals(400, r.status(), r.body());
        assertEquals("invalid_grant", r.json().get("error").asText());
    }

    @Test
    void metadataAdvertisesCiba() throws Exception {
        JsonNode m = airlock.get("/.well-known/oauth-authorization-server").json();
        assertTrue(m.get("grant_types_supported").toString().contains(CIBA), m.toString());
    }

    // --- 6. one-shot enforcement and races ---

    String redeemedToken() throws Exception {
        String id = fileProductionGrant();
        approve(carol, airlock.opsSignIn(carol), id);
        approve(dave, airlock.opsSignIn(dave), id);
        Reply r = poll(id);
        assertEquals(200, r.status(), r.body());
        return r.json().get("access_token").asText();
    }

    @Test
    void checkWhenGrantTokenThenOnlyGrantedResourceOnceThenSpent() throws Exception {
        String token = redeemedToken();
        JsonNode other = airlock.check(token, "production", "volume:delete", "vol-9c1e").json();
        assertFalse(other.get("allowed").asBoolean());
        assertEquals("resource_not_granted", other.get("code").asText());
        JsonNode staging = airlock.check(token, "staging", "volume:delete", "vol-7f3a-stg").json();
        assertEquals("wrong_environment", staging.get("code").asText());
        JsonNode scope = airlock.check(token, "production", "db:drop", "db-prod-main").json();
        assertFalse(scope.get("allowed").asBoolean());
        JsonNode ok = airlock.check(token, "production", "volume:delete", "vol-7f3a").json();
        assertTrue(ok.get("allowed").asBoolean(), ok.toString());
        JsonNode again = airlock.check(token, "production", "volume:delete", "vol-7f3a").json();
        assertFalse(again.get("allowed").asBoolean());
        assertEquals("grant_used", again.get("code").asText());
        assertEquals("grant already used", again.get("reason").asText());
        Reply intro = airlock.postForm("/oauth2/introspect", TestAirlock.basic("api-gateway",
                airlock.issueSecret("api-gateway")), Map.of("token", token));
        assertFalse(intro.json().get("active").asBoolean(), intro.body());
    }

    @Test
    void checkWhenEightConcurrentUsesOfOneShotTokenThenExactlyOneAllowed() throws Exception {
        String token = redeemedToken();
        List<Callable<Boolean>> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            calls.add(() -> airlock.check(token, "production", "volume:delete", "vol-7f3a").json().get("allowed").asBoolean());
        }
        assertEquals(1, countTrue(calls));
    }

    @Test
    void pollWhenEightConcurrentRedemptionsThenExactlyOneToken() throws Exception {
        String id = fileProductionGrant();
        approve(carol, airlock.opsSignIn(carol), id);
        approve(dave, airlock.opsSignIn(dave), id);
        List<Callable<Boolean>> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) calls.add(() -> poll(id).status() == 200);
        assertEquals(1, countTrue(calls));
    }

    @Test
    void approveWhenTwoApproversRaceOnQuorumOfOneThenOneTransition() throws Exception {
        OpsUser erin = airlock.addOps("erin", "ops");
        Reply filed = airlock.agentPost("/v1/grants", agent, grantBody("staging", List.of("volume:delete"),
                List.of("vol-7f3a-stg"), "the staging volume is corrupt after the failed migration test run"));
        String id = filed.json().get("auth_req_id").asText();
        String sc = airlock.opsSignIn(carol);
        String se = airlock.opsSignIn(erin);
        airlock.clock.advance(Duration.ofSeconds(30));
        String cc = dev.airlock.testing.TestTotp.code(carol.totpSecret(), airlock.clock.instant());
        String ce = dev.airlock.testing.TestTotp.code(erin.totpSecret(), airlock.clock.instant());
        List<Callable<Boolean>> calls = List.of(
                () -> airlock.opsPost("/v1/grants/" + id + "/approve", sc, Map.of("code", cc)).status() == 200,
                () -> airlock.opsPost("/v1/grants/" + id + "/approve", se, Map.of("code", ce)).status() == 200);
        assertEquals(1, countTrue(calls));
        JsonNode g = airlock.opsGet("/v1/grants/" + id, sc).json();
        assertEquals("approved", g.get("status").asText());
        assertEquals(1, g.get("approvals").size());
        long approvedEvents = airlock.auditLines().stream()
                .filter(l -> l.contains("\"grant.approved\"") && l.contains(id)).count();
        assertEquals(1, approvedEvents);
    }

    // --- 10. every step audited ---

    @Test
    void everyStepIsAnAuditEventWithoutSecrets() throws Exception {
        String token = redeemedToken();
        airlock.check(token, "production", "volume:delete", "vol-7f3a");
        List<String> lines = airlock.auditLines();
        for (String type : List.of("grant.requested", "grant.approved", "grant.redeemed", "grant.used", "ops.signin")) {
            assertTrue(lines.stream().anyMatch(l -> l.contains("\"" + type + "\"")), "missing " + type);
        }
        String all = String.join("\n", lines);
        assertFalse(all.contains(token), "token in audit log");
        assertFalse(all.contains(carol.passphrase()), "passphrase in audit log");
        assertFalse(all.contains(secret), "secret in audit log");
    }

    // --- 6. what approvers see (issue 12) ---

    @Test
    void viewWhenDestructiveScopeThenEachScopeCarriesItsRiskAndTheGrantIsDestructive() throws Exception {
        String id = fileProductionGrant();
        JsonNode g = airlock.opsGet("/v1/grants/" + id, airlock.opsSignIn(carol)).json();
        JsonNode risk = g.get("scope_risks").get(0);
        assertEquals("volume:delete", risk.get("scope").asText(), g.toString());
        assertEquals("destructive", risk.get("risk").asText(), g.toString());
        assertFalse(risk.get("grant_required").asBoolean(), "scopes.yaml does not flag it; it is destructive");
        assertEquals("Delete a volume and its data.", risk.get("description").asText());
        assertTrue(g.get("destructive").asBoolean(), g.toString());
        assertEquals(1, g.get("uses").asInt(), "grants.yaml: uses 1");
        assertEquals(300, g.get("token_lifetime_seconds").asInt(), "grants.yaml: token_lifetime 5m");
        JsonNode agentView = airlock.agentGet("/v1/grants/" + id, agent).json();
        assertTrue(agentView.get("destructive").asBoolean(), agentView.toString());
        assertFalse(agentView.has("you"), "the agent is no approver: " + agentView);
    }

    @Test
    void viewWhenDestructiveInStagingThenDestructiveWhateverTheEnvironmentIsCalled() throws Exception {
        Reply r = airlock.agentPost("/v1/grants", agent, grantBody("staging", List.of("volume:delete"),
                List.of("vol-7f3a-stg"), REASON));
        assertEquals(201, r.status(), r.body());
        JsonNode g = r.json().get("grant");
        assertEquals("destructive", g.get("scope_risks").get(0).get("risk").asText(), g.toString());
        assertTrue(g.get("destructive").asBoolean(), g.toString());
    }

    @Test
    void viewWhenOnlyGrantRequiredScopeInProductionThenItsRiskIsShownAndItIsNotDestructive() throws Exception {
        airlock.close();
        airlock = TestAirlock.start(dev.airlock.testing.PolicyCopy.withProductionVariableWrite().dir,
                java.nio.file.Files.createTempDirectory("airlock-test"), com.nimbusds.jose.JWSAlgorithm.EdDSA);
        agent = TestAirlock.basic("coding-agent", airlock.issueSecret("coding-agent"));
        OpsUser frank = airlock.addOps("frank", "prod-ops");
        Reply r = airlock.agentPost("/v1/grants", agent, grantBody("production", List.of("variable:write"),
                List.of("var-api-prod"), "rotate the API's database password after the leak in ticket 4411"));
        assertEquals(201, r.status(), r.body());
        String id = r.json().get("auth_req_id").asText();
        JsonNode g = airlock.opsGet("/v1/grants/" + id, airlock.opsSignIn(frank)).json();
        JsonNode risk = g.get("scope_risks").get(0);
        assertEquals("variable:write", risk.get("scope").asText(), g.toString());
        assertEquals("write", risk.get("risk").asText(), g.toString());
        assertTrue(risk.get("grant_required").asBoolean(), g.toString());
        assertFalse(g.get("destructive").asBoolean(), "production, but nothing here is irreversible: " + g);
        assertEquals(1, g.get("approvals_required").asInt());
    }

    @Test
    void viewWhenApproverThenYouMayDecide() throws Exception {
        String id = fileProductionGrant();
        JsonNode you = airlock.opsGet("/v1/grants/" + id, airlock.opsSignIn(carol)).json().get("you");
        assertTrue(you.get("may_decide").asBoolean(), you.toString());
        assertTrue(you.get("may_approve").asBoolean(), you.toString());
        assertTrue(you.get("may_deny").asBoolean(), you.toString());
        assertFalse(you.has("why"), you.toString());
    }

    @Test
    void viewWhenViewerOwnsTheAgentThenYouMayNotDecideAndAreToldWhyBeforeAnyCode() throws Exception {
        OpsUser alice = airlock.addOps("alice", "prod-ops"); // owner: alice in agents.yaml
        String id = fileProductionGrant();
        String s = airlock.opsSignIn(alice);
        JsonNode you = airlock.opsGet("/v1/grants/" + id, s).json().get("you");
        assertFalse(you.get("may_decide").asBoolean(), you.toString());
        assertFalse(you.get("may_approve").asBoolean(), you.toString());
        assertFalse(you.get("may_deny").asBoolean(), you.toString());
        assertEquals("requester_cannot_approve", you.get("code").asText(), you.toString());
        assertTrue(you.get("why").asText().contains("owns the requesting agent coding-agent"), you.toString());
        JsonNode listed = airlock.opsGet("/v1/grants?status=pending", s).json().get("grants").get(0);
        assertEquals("requester_cannot_approve", listed.get("you").get("code").asText(), listed.toString());
        // The server says the same when she tries anyway.
        Reply r = approve(alice, s, id);
        assertEquals(you.get("code").asText(), r.json().get("code").asText(), r.body());
    }

    @Test
    void viewWhenViewerAlreadyApprovedThenYouMayDenyButNotApproveAgain() throws Exception {
        String id = fileProductionGrant();
        String s = airlock.opsSignIn(carol);
        Reply approved = approve(carol, s, id);
        assertEquals(200, approved.status(), approved.body());
        assertFalse(approved.json().get("you").get("may_approve").asBoolean(), approved.body());
        JsonNode you = airlock.opsGet("/v1/grants/" + id, s).json().get("you");
        assertTrue(you.get("may_decide").asBoolean(), you.toString());
        assertFalse(you.get("may_approve").asBoolean(), you.toString());
        assertTrue(you.get("may_deny").asBoolean(), "the server lets an approver change her mind: " + you);
        assertEquals("already_approved_by_you", you.get("code").asText(), you.toString());
        assertTrue(you.get("why").asText().contains("already approved"), you.toString());
        JsonNode daves = airlock.opsGet("/v1/grants/" + id, airlock.opsSignIn(dave)).json().get("you");
        assertTrue(daves.get("may_approve").asBoolean(), "the second person still may: " + daves);
    }

    @Test
    void redeemedTokenLivesExactlyTheLifetimeTheApproversWereShown() throws Exception {
        String id = fileProductionGrant();
        long shown = airlock.opsGet("/v1/grants/" + id, airlock.opsSignIn(carol)).json().get("token_lifetime_seconds")
                .asLong();
        approve(carol, airlock.opsSignIn(carol), id);
        approve(dave, airlock.opsSignIn(dave), id);
        Reply r = poll(id);
        assertEquals(200, r.status(), r.body());
        assertEquals(shown, r.json().get("expires_in").asLong(), r.body());
    }

    @Test
    void recentRefusalsCarryTheirStableCode() throws Exception {
        airlock.token("coding-agent", secret, "production", "volume:delete");
        String id = fileProductionGrant();
        JsonNode refusal = airlock.opsGet("/v1/grants/" + id, airlock.opsSignIn(carol)).json()
                .get("recent_refusals").get(0);
        assertEquals("invalid_scope", refusal.get("code").asText(), refusal.toString());
        assertEquals("volume:delete", refusal.get("what").asText(), refusal.toString());
    }

    static int countTrue(List<Callable<Boolean>> calls) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(calls.size());
        try {
            int n = 0;
            for (Future<Boolean> f : pool.invokeAll(calls)) if (f.get()) n++;
            return n;
        } finally {
            pool.shutdownNow();
        }
    }
}
