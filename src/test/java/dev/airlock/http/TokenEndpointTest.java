package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.airlock.testing.IndependentVerifier;
import dev.airlock.testing.TestAirlock;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** POST /oauth2/token with client_credentials, against a real server and the shipped example policy. */
class TokenEndpointTest {
    static TestAirlock airlock;
    static String secret;

    @BeforeAll
    static void start() throws Exception {
        airlock = TestAirlock.start();
        secret = airlock.issueSecret("coding-agent");
    }

    @AfterAll
    static void stop() throws Exception {
        airlock.close();
    }

    private static TestAirlock.Reply token(String env, String scope) throws Exception {
        return airlock.token("coding-agent", secret, env, scope);
    }

    private static void assertOAuthError(TestAirlock.Reply r, int status, String error, String descriptionPart) {
        assertEquals(status, r.status(), r.body());
        JsonNode b = r.json();
        assertEquals(error, b.path("error").asText(), r.body());
        assertTrue(b.path("error_description").asText().contains(descriptionPart),
                "description '" + b.path("error_description").asText() + "' should contain '" + descriptionPart + "'");
        assertEquals("no-store", r.header("Cache-Control"));
    }

    @Test
    void issueWhenStagingReadScopesThenTokenVerifiesIndependentlyForStagingAudienceOnly() throws Exception {
        TestAirlock.Reply r = token("staging", "db:read volume:read");
        assertEquals(200, r.status(), r.body());
        assertEquals("no-store", r.header("Cache-Control"));
        assertEquals("no-cache", r.header("Pragma"));
        JsonNode b = r.json();
        assertEquals("Bearer", b.path("token_type").asText());
        assertEquals(600, b.path("expires_in").asLong());
        assertEquals("db:read volume:read", b.path("scope").asText());
        String jwt = b.path("access_token").asText();

        JWTClaimsSet c = new IndependentVerifier(airlock.base, "urn:airlock:env:staging").verify(jwt);
        assertEquals("coding-agent", c.getSubject());
        assertEquals("coding-agent", c.getStringClaim("client_id"));
        assertEquals("staging", c.getStringClaim("env"));
        assertEquals(List.of("urn:airlock:env:staging"), c.getAudience());
        assertEquals(airlock.base, c.getIssuer());
        assertEquals(Set.of("db:read", "volume:read"), Set.of(c.getStringClaim("scope").split(" ")));
        assertEquals(Duration.ofMinutes(10).toMillis(), c.getExpirationTime().getTime() - c.getIssueTime().getTime());
        assertEquals(c.getIssueTime(), c.getNotBeforeTime());
        assertNotNull(c.getJWTID());
        SignedJWT parsed = SignedJWT.parse(jwt);
        assertEquals("at+jwt", parsed.getHeader().getType().getType());
        assertNotNull(parsed.getHeader().getKeyID());
        assertEquals("EdDSA", parsed.getHeader().getAlgorithm().getName());

        // The same token must not pass a verifier that expects the production audience.
        assertThrows(Exception.class, () -> new IndependentVerifier(airlock.base, "urn:airlock:env:production").verify(jwt));
    }

    @Test
    void issueWhenProductionThenEnvironmentLifetimeCapApplies() throws Exception {
        TestAirlock.Reply r = token("production", "db:read");
        assertEquals(200, r.status(), r.body());
        assertEquals(300, r.json().path("expires_in").asLong());
        JWTClaimsSet c = new IndependentVerifier(airlock.base, "urn:airlock:env:production")
                .verify(r.json().path("access_token").asText());
        assertEquals(Duration.ofMinutes(5).toMillis(), c.getExpirationTime().getTime() - c.getIssueTime().getTime());
    }

    @Test
    void issueWhenNoScopeThenAgentDefaultScopesForThatEnvironment() throws Exception {
        TestAirlock.Reply r = token("staging", null);
        assertEquals(200, r.status(), r.body());
        assertEquals("db:read service:read volume:read", r.json().path("scope").asText());
    }

    @Test
    void issueWhenScopeIsBlankThenTreatedAsAbsent() throws Exception {
        TestAirlock.Reply r = token("staging", "   ");
        assertEquals(200, r.status(), r.body());
        assertEquals("db:read service:read volume:read", r.json().path("scope").asText());
    }

    @Test
    void issueWhenScopeIsDestructiveThenInvalidScopeThatTeachesHowToAskAHuman() throws Exception {
        TestAirlock.Reply r = token("production", "volume:delete");
        assertOAuthError(r, 400, "invalid_scope", "needs approval by people");
        String d = r.json().path("error_description").asText();
        assertTrue(d.contains("POST " + airlock.base + "/v1/grants"), d);
        assertTrue(d.contains("\"resources\""), d);
        assertTrue(d.contains("\"reason\""), d);
        assertTrue(d.contains("grant_type=urn:openid:params:grant-type:ciba"), d);
        JsonNode g = r.json().path("grant_request");
        assertEquals("human_grant", g.path("required").asText());
        assertTrue(g.path("agent_may_request").asBoolean());
        assertEquals(airlock.base + "/v1/grants", g.path("endpoint").asText());
        assertEquals("production", g.path("fields").path("environment").asText());
        assertEquals("volume:delete", g.path("fields").path("scopes").get(0).asText());
    }

    @Test
    void issueWhenDestructiveScopeMixedWithAllowedOnesThenWholeRequestRefused() throws Exception {
        TestAirlock.Reply r = token("staging", "db:read volume:delete");
        assertOAuthError(r, 400, "invalid_scope", "volume:delete in staging is never issued automatically");
    }

    @Test
    void issueWhenDestructiveScopeAgentMayNotEvenAskForThenSaysSo() throws Exception {
        // coding-agent has no grantable project:delete anywhere.
        TestAirlock.Reply r = token("production", "project:delete");
        assertOAuthError(r, 400, "invalid_scope", "coding-agent may not have project:delete in production at all");
        assertFalse(r.json().path("grant_request").path("agent_may_request").asBoolean(true));
    }

    @Test
    void issueWhenGrantRequiredNonDestructiveScopeThenTreatedLikeDestructive() throws Exception {
        // variable:write is risk write but grant_required; coding-agent may not even ask for it.
        TestAirlock.Reply r = token("staging", "variable:write");
        assertOAuthError(r, 400, "invalid_scope", "only ever issued through a human grant");
    }

    @Test
    void issueWhenWildcardScopesThenRefusedNotExpanded() throws Exception {
        assertOAuthError(token("staging", "*"), 400, "invalid_scope", "wildcards are not accepted");
        assertOAuthError(token("staging", "volume:*"), 400, "invalid_scope", "wildcards are not accepted");
        assertOAuthError(token("staging", "db:read *:delete"), 400, "invalid_scope", "wildcards are not accepted");
    }

    @Test
    void issueWhenScopeCaseDiffersThenUnknownScopeNeverFolded() throws Exception {
        assertOAuthError(token("production", "Volume:DELETE"), 400, "invalid_scope",
                "unknown scope 'Volume:DELETE' (scopes are case-sensitive; the scope is 'volume:delete')");
        assertOAuthError(token("staging", "DB:READ"), 400, "invalid_scope", "unknown scope 'DB:READ'");
    }

    @Test
    void issueWhenScopesPaddedOrDuplicatedThenOneSetOfScopes() throws Exception {
        TestAirlock.Reply r = token("staging", "  db:read   db:read volume:read ");
        assertEquals(200, r.status(), r.body());
        assertEquals("db:read volume:read", r.json().path("scope").asText());
    }

    @Test
    void issueWhenScopeHasTabsNewlinesOrNonAsciiThenRefused() throws Exception {
        assertOAuthError(token("staging", "db:read\tvolume:read"), 400, "invalid_scope", "outside RFC 6749");
        assertOAuthError(token("staging", "db:read\nvolume:delete"), 400, "invalid_scope", "outside RFC 6749");
        assertOAuthError(token("staging", "db:réad"), 400, "invalid_scope", "outside RFC 6749");
    }

    @Test
    void issueWhenScopeNotAllowedForAgentInEnvironmentThenInvalidScopeListingWhatIs() throws Exception {
        assertOAuthError(token("production", "db:write"), 400, "invalid_scope",
                "coding-agent may not have db:write in production at all");
        assertOAuthError(token("production", "db:write"), 400, "invalid_scope",
                "Allowed there without people: db:read; through a grant: db:drop service:delete volume:delete.");
        assertOAuthError(token("staging", "no:such"), 400, "invalid_scope", "unknown scope 'no:such'");
    }

    @Test
    void issueWhenEnvironmentUnknownMissingOrTwoThenInvalidTarget() throws Exception {
        assertOAuthError(token("prod", "db:read"), 400, "invalid_target", "unknown environment 'prod'");
        assertOAuthError(token(null, "db:read"), 400, "invalid_target", "name one environment");
        Map<String, String> p = new LinkedHashMap<>();
        p.put("grant_type", "client_credentials");
        p.put("environment", "staging");
        p.put("resource", "urn:airlock:env:production");
        assertOAuthError(airlock.postForm("/oauth2/token", TestAirlock.basic("coding-agent", secret), p), 400,
                "invalid_target", "exactly one environment");
        String twoResources = "grant_type=client_credentials&resource=urn%3Aairlock%3Aenv%3Astaging"
                + "&resource=urn%3Aairlock%3Aenv%3Adev";
        assertOAuthError(airlock.postRawForm("/oauth2/token", TestAirlock.basic("coding-agent", secret), twoResources),
                400, "invalid_target", "exactly one environment");
    }

    @Test
    void issueWhenEnvironmentGivenTwiceThenInvalidRequest() throws Exception {
        String body = "grant_type=client_credentials&environment=staging&environment=production";
        assertOAuthError(airlock.postRawForm("/oauth2/token", TestAirlock.basic("coding-agent", secret), body), 400,
                "invalid_request", "given more than once");
    }

    @Test
    void issueWhenResourceIsEnvironmentAudienceThenTokenForThatEnvironment() throws Exception {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("grant_type", "client_credentials");
        p.put("resource", "urn:airlock:env:dev");
        p.put("scope", "db:write");
        TestAirlock.Reply r = airlock.postForm("/oauth2/token", TestAirlock.basic("coding-agent", secret), p);
        assertEquals(200, r.status(), r.body());
        assertEquals("dev", new IndependentVerifier(airlock.base, "urn:airlock:env:dev")
                .verify(r.json().path("access_token").asText()).getStringClaim("env"));
        p.put("resource", "https://example.com/api");
        assertOAuthError(airlock.postForm("/oauth2/token", TestAirlock.basic("coding-agent", secret), p), 400,
                "invalid_target", "unknown resource");
    }

    @Test
    void issueWhenScopeExistsButAgentNotGivenItThenInvalidScope() throws Exception {
        assertOAuthError(token("staging", "deployment:restart"), 400, "invalid_scope", "may not have deployment:restart in staging at all");
    }

    @Test
    void issueWhenGrantTypeUnsupportedThenUnsupportedGrantType() throws Exception {
        Map<String, String> p = Map.of("grant_type", "password", "username", "x", "password", "y");
        assertOAuthError(airlock.postForm("/oauth2/token", TestAirlock.basic("coding-agent", secret), p), 400,
                "unsupported_grant_type", "client_credentials");
    }

    @Test
    void issueWhenEnvironmentFrozenThenRefusedUntilUnfrozen() throws Exception {
        airlock.airlock.domain().admin.setFrozen("dev", true, "test").get();
        try {
            assertOAuthError(token("dev", "db:read"), 400, "invalid_target", "dev is frozen");
        } finally {
            airlock.airlock.domain().admin.setFrozen("dev", false, "test").get();
        }
        assertEquals(200, token("dev", "db:read").status());
    }

    @Test
    void everyMintAndRefusalIsInTheAuditLogWithoutTheTokenOrSecret() throws Exception {
        TestAirlock.Reply ok = token("staging", "db:read");
        TestAirlock.Reply no = token("production", "volume:delete");
        assertEquals(200, ok.status());
        assertEquals(400, no.status());
        String jwt = ok.json().path("access_token").asText();
        String jti = SignedJWT.parse(jwt).getJWTClaimsSet().getJWTID();
        String log = Files.readString(airlock.dataDir.resolve("audit.log"));
        assertTrue(log.contains("\"type\":\"token.minted\",\"client_id\":\"coding-agent\",\"env\":\"staging\",\"scope\":\"db:read\",\"jti\":\"" + jti + "\""), log);
        assertTrue(log.contains("\"type\":\"token.refused\",\"client_id\":\"coding-agent\",\"env\":\"production\",\"scope\":\"volume:delete\",\"error\":\"invalid_scope\""), log);
        assertFalse(log.contains(jwt.substring(jwt.lastIndexOf('.') + 1)), "signature must not be logged");
        assertFalse(log.contains(jwt.substring(0, jwt.lastIndexOf('.'))), "token must not be logged");
        assertFalse(log.contains(secret), "client secret must not be logged");
    }
}
