package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.airlock.testing.IndependentVerifier;
import dev.airlock.testing.PolicyCopy;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestAirlock.Reply;
import dev.airlock.testing.TestIdentityProvider;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Delegation by RFC 8693 token exchange (issue 15), over real HTTP, with a second issuer started by the test: a user's
 * identity provider ({@link TestIdentityProvider}) whose tokens coding-agent exchanges for delegated Airlock tokens.
 */
class TokenExchangeTest {
    static final String EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
    static final String JWT_TYPE = "urn:ietf:params:oauth:token-type:jwt";
    static final String ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";
    static final String IDP_ISSUER = "https://login.corp.test/";
    static final String AUDIENCE = "https://airlock.corp.test";

    TestAirlock airlock;
    TestIdentityProvider idp;
    String agent;

    /** The shipped policy plus identity.yaml trusting {@code idp} for coding-agent. */
    static PolicyCopy policyTrusting(TestIdentityProvider idp) {
        return PolicyCopy.ofShipped().append("identity.yaml", """
                issuers:
                  - id: corp
                    issuer: %s
                    jwks_uri: %s
                    audience: %s
                    algorithms: [RS256]
                    name_claim: preferred_username
                    agents: [coding-agent]
                    ops_accounts:
                      frank: user-frank
                """.formatted(IDP_ISSUER, idp.jwksUri(), AUDIENCE));
    }

    @BeforeEach
    void start() throws Exception {
        idp = TestIdentityProvider.start(IDP_ISSUER, java.time.Clock.systemUTC());
        airlock = TestAirlock.start(policyTrusting(idp).dir, Files.createTempDirectory("airlock-exchange"),
                JWSAlgorithm.EdDSA);
        // Users' tokens are issued on the time the Airlock under test lives in.
        idp.useClock(airlock.clock);
        agent = TestAirlock.basic("coding-agent", airlock.issueSecret("coding-agent"));
    }

    @AfterEach
    void stop() throws Exception {
        airlock.close();
        idp.close();
    }

    Reply exchange(String auth, String subjectToken, String env, String scope) throws Exception {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("grant_type", EXCHANGE);
        p.put("subject_token", subjectToken);
        p.put("subject_token_type", JWT_TYPE);
        if (env != null) p.put("environment", env);
        if (scope != null) p.put("scope", scope);
        return airlock.postForm("/oauth2/token", auth, p);
    }

    String userToken() throws Exception {
        return idp.token("user-erin", AUDIENCE, b -> b.claim("preferred_username", "erin"));
    }

    static void assertRefused(Reply r, String error, String describes) {
        assertEquals(400, r.status(), r.body());
        assertEquals(error, r.json().get("error").asText(), r.body());
        assertTrue(r.json().get("error_description").asText().contains(describes), r.body());
    }

    // --- the exchange ---

    @Test
    void exchangeWhenUserTokenTrustedThenTokenForUserActedByAgentVerifiesIndependently() throws Exception {
        Reply r = exchange(agent, userToken(), "staging", "db:read volume:read");
        assertEquals(200, r.status(), r.body());
        JsonNode j = r.json();
        assertEquals(ACCESS_TOKEN_TYPE, j.get("issued_token_type").asText(), "RFC 8693 §2.2.1");
        assertEquals("Bearer", j.get("token_type").asText());

        var claims = new IndependentVerifier(airlock.base, "urn:airlock:env:staging", airlock.clock)
                .verifyDelegated(j.get("access_token").asText(), "corp:user-erin", "coding-agent");
        assertEquals("staging", claims.getStringClaim("env"));
        assertEquals("db:read volume:read", claims.getStringClaim("scope"));
        assertEquals("coding-agent", claims.getStringClaim("client_id"));

        // RFC 7662: introspection names both the user (sub) and the actor (act).
        // As the resource server the shipped policy lets introspect (agents.yaml introspect:), not as the agent.
        String gateway = TestAirlock.basic("api-gateway", airlock.issueSecret("api-gateway"));
        Reply in = airlock.postForm("/oauth2/introspect", gateway, Map.of("token", j.get("access_token").asText()));
        assertEquals(200, in.status(), in.body());
        assertTrue(in.json().get("active").asBoolean(), in.body());
        assertEquals("corp:user-erin", in.json().get("sub").asText());
        assertEquals("coding-agent", in.json().get("act").get("sub").asText());
        assertEquals("erin", in.json().get("on_behalf_of").get("name").asText());

        // The audit log records both identities.
        String minted = airlock.auditLines().stream().filter(l -> l.contains("\"token.exchanged\"")).findFirst()
                .orElseThrow();
        assertTrue(minted.contains("\"client_id\":\"coding-agent\"") && minted.contains("\"sub\":\"corp:user-erin\""),
                minted);
    }

    @Test
    void exchangeWhenDelegatedTokenUsedThenCheckDecidesByTheAgentsRights() throws Exception {
        String token = exchange(agent, userToken(), "staging", "db:read").json().get("access_token").asText();
        Reply allowed = airlock.check(token, "staging", "db:read", null);
        assertTrue(allowed.json().get("allowed").asBoolean(), allowed.body());
        Reply denied = airlock.check(token, "staging", "db:write", null);
        assertFalse(denied.json().get("allowed").asBoolean(), denied.body());
    }

    @Test
    void metadataWhenFetchedThenAdvertisesTokenExchange() throws Exception {
        JsonNode m = airlock.get("/.well-known/oauth-authorization-server").json();
        boolean found = false;
        for (JsonNode g : m.get("grant_types_supported")) found |= EXCHANGE.equals(g.asText());
        assertTrue(found, m.toString());
    }

    // --- refusals: the subject token ---

    @Test
    void exchangeWhenIssuerUntrustedThenInvalidGrant() throws Exception {
        try (TestIdentityProvider other = TestIdentityProvider.start("https://evil.test/", airlock.clock)) {
            assertRefused(exchange(agent, other.token("user-erin", AUDIENCE), "staging", "db:read"), "invalid_grant",
                    "issuer is not trusted");
        }
    }

    @Test
    void exchangeWhenSignatureForgedThenInvalidGrant() throws Exception {
        assertRefused(exchange(agent, idp.forged("user-erin", AUDIENCE), "staging", "db:read"), "invalid_grant",
                "signature does not verify");
    }

    @Test
    void exchangeWhenAlgNoneThenInvalidGrant() throws Exception {
        String unsigned = new PlainJWT(new JWTClaimsSet.Builder().issuer(IDP_ISSUER).subject("user-erin")
                .audience(AUDIENCE).issueTime(Date.from(airlock.clock.instant()))
                .expirationTime(Date.from(airlock.clock.instant().plusSeconds(300))).build()).serialize();
        assertRefused(exchange(agent, unsigned, "staging", "db:read"), "invalid_grant", "alg none");
    }

    @Test
    void exchangeWhenHmacSignedWithThePublicKeyThenInvalidGrant() throws Exception {
        // The classic confusion (RFC 8725 §2.1): HS256 keyed with the IdP's public key, which anyone can fetch.
        byte[] publicKey = idp.key.toRSAPublicKey().getEncoded();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(idp.key.getKeyID()).build(),
                new JWTClaimsSet.Builder().issuer(IDP_ISSUER).subject("user-erin").audience(AUDIENCE)
                        .issueTime(Date.from(airlock.clock.instant()))
                        .expirationTime(Date.from(airlock.clock.instant().plusSeconds(300))).build());
        jwt.sign(new MACSigner(publicKey));
        assertRefused(exchange(agent, jwt.serialize(), "staging", "db:read"), "invalid_grant", "HS256");
    }

    @Test
    void exchangeWhenSubjectTokenExpiredThenInvalidGrant() throws Exception {
        String token = userToken();
        airlock.clock.advance(Duration.ofMinutes(6));
        assertRefused(exchange(agent, token, "staging", "db:read"), "invalid_grant", "expired");
    }

    @Test
    void exchangeWhenSubjectTokenOlderThanMaxAgeThenInvalidGrant() throws Exception {
        String token = idp.token("user-erin", AUDIENCE, b -> b
                .issueTime(Date.from(airlock.clock.instant().minus(Duration.ofHours(2))))
                .expirationTime(Date.from(airlock.clock.instant().plus(Duration.ofHours(1)))));
        assertRefused(exchange(agent, token, "staging", "db:read"), "invalid_grant", "max_token_age");
    }

    @Test
    void exchangeWhenAudienceNotAirlockThenInvalidGrant() throws Exception {
        assertRefused(exchange(agent, idp.token("user-erin", "https://mail.corp.test"), "staging", "db:read"),
                "invalid_grant", "aud must contain " + AUDIENCE);
    }

    @Test
    void exchangeWhenJwksUnreachableThenInvalidGrantNeverAServerError() throws Exception {
        idp.down(true);
        Reply r = exchange(agent, userToken(), "staging", "db:read");
        assertRefused(r, "invalid_grant", "could not be fetched");
        assertFalse(r.body().contains("503"), "the IdP's answer is for the audit log, not the client: " + r.body());
    }

    @Test
    void exchangeWhenSubjectIsAnotherAgentsAirlockTokenThenInvalidGrant() throws Exception {
        String deployBots = airlock.deployBotBearer().substring("Bearer ".length());
        assertRefused(exchange(agent, deployBots, "staging", "service:read"), "invalid_grant",
                "an Airlock token cannot be a subject_token");
    }

    @Test
    void exchangeWhenMayActNamesAnotherAgentThenInvalidGrant() throws Exception {
        String token = idp.token("user-erin", AUDIENCE, b -> b.claim("may_act", Map.of("sub", "deploy-bot")));
        assertRefused(exchange(agent, token, "staging", "db:read"), "invalid_grant", "may_act");
    }

    @Test
    void exchangeWhenUnknownKidThenJwksRefetchedAtMostOncePerInterval() throws Exception {
        assertEquals(200, exchange(agent, userToken(), "staging", "db:read").status());
        int fetches = idp.fetches();
        for (int i = 0; i < 3; i++) {
            String token = idp.token("user-erin", AUDIENCE);
            SignedJWT j = SignedJWT.parse(token);
            // Re-sign under a kid the IdP never published.
            SignedJWT unknown = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rotated-" + i).build(),
                    j.getJWTClaimsSet());
            unknown.sign(new com.nimbusds.jose.crypto.RSASSASigner(idp.key));
            assertRefused(exchange(agent, unknown.serialize(), "staging", "db:read"), "invalid_grant", "signing key");
        }
        assertTrue(idp.fetches() <= fetches + 1, "one refetch for unknown kids, then none within 30 s: "
                + (idp.fetches() - fetches));
    }

    // --- refusals: the target and the agent's rights ---

    @Test
    void exchangeWhenScopeWiderThanTheAgentsThenInvalidScopeNamingWhatIsAllowed() throws Exception {
        assertRefused(exchange(agent, userToken(), "production", "db:read db:write"), "invalid_scope",
                "Allowed there without people: db:read");
    }

    @Test
    void exchangeWhenScopeDestructiveThenInvalidScope() throws Exception {
        assertRefused(exchange(agent, userToken(), "production", "volume:delete"), "invalid_scope",
                "never issued automatically");
    }

    @Test
    void exchangeWhenTwoEnvironmentsNamedThenInvalidTarget() throws Exception {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("grant_type", EXCHANGE);
        p.put("subject_token", userToken());
        p.put("subject_token_type", JWT_TYPE);
        p.put("environment", "staging");
        p.put("resource", "urn:airlock:env:production");
        assertRefused(airlock.postForm("/oauth2/token", agent, p), "invalid_target", "exactly one environment");
    }

    @Test
    void exchangeWhenAgentNotListedForTheIssuerThenUnauthorizedClient() throws Exception {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("grant_type", EXCHANGE);
        p.put("subject_token", userToken());
        p.put("subject_token_type", JWT_TYPE);
        p.put("environment", "staging");
        p.put("scope", "service:read");
        p.put("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
        p.put("client_assertion", airlock.deployBotAssertion());
        assertRefused(airlock.postForm("/oauth2/token", null, p), "unauthorized_client", "may not act on behalf");
    }

    @Test
    void exchangeWhenClientUnauthenticatedThenInvalidClient() throws Exception {
        Reply r = exchange(TestAirlock.basic("coding-agent", "wrong"), userToken(), "staging", "db:read");
        assertEquals(401, r.status(), r.body());
        assertEquals("invalid_client", r.json().get("error").asText());
    }

    // --- refusals: the request itself (RFC 8693 §2.1) ---

    @Test
    void exchangeWhenSubjectTokenTypeMissingOrUnknownThenInvalidRequest() throws Exception {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("grant_type", EXCHANGE);
        p.put("subject_token", userToken());
        p.put("environment", "staging");
        assertRefused(airlock.postForm("/oauth2/token", agent, p), "invalid_request", "subject_token_type");
        p.put("subject_token_type", "urn:ietf:params:oauth:token-type:saml2");
        assertRefused(airlock.postForm("/oauth2/token", agent, p), "invalid_request", "subject_token_type");
    }

    @Test
    void exchangeWhenRequestedTokenTypeNotAccessTokenThenInvalidRequest() throws Exception {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("grant_type", EXCHANGE);
        p.put("subject_token", userToken());
        p.put("subject_token_type", JWT_TYPE);
        p.put("environment", "staging");
        p.put("requested_token_type", "urn:ietf:params:oauth:token-type:refresh_token");
        assertRefused(airlock.postForm("/oauth2/token", agent, p), "invalid_request", "requested_token_type");
    }

    @Test
    void exchangeWhenActorTokenIsAnotherAgentsThenInvalidRequest() throws Exception {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("grant_type", EXCHANGE);
        p.put("subject_token", userToken());
        p.put("subject_token_type", JWT_TYPE);
        p.put("environment", "staging");
        p.put("actor_token", airlock.deployBotBearer().substring("Bearer ".length()));
        p.put("actor_token_type", ACCESS_TOKEN_TYPE);
        assertRefused(airlock.postForm("/oauth2/token", agent, p), "invalid_request", "actor_token");
    }

    @Test
    void exchangeWhenActorTokenIsTheClientsOwnThenAccepted() throws Exception {
        String own = airlock.postForm("/oauth2/token", agent, Map.of("grant_type", "client_credentials",
                "environment", "staging")).json().get("access_token").asText();
        Map<String, String> p = new LinkedHashMap<>();
        p.put("grant_type", EXCHANGE);
        p.put("subject_token", userToken());
        p.put("subject_token_type", JWT_TYPE);
        p.put("environment", "staging");
        p.put("actor_token", own);
        p.put("actor_token_type", ACCESS_TOKEN_TYPE);
        Reply r = airlock.postForm("/oauth2/token", agent, p);
        assertEquals(200, r.status(), r.body());
        assertNotNull(r.json().get("access_token"));
    }
}
