package dev.airlock.core.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.airlock.core.token.TokenMinter;
import dev.airlock.testing.TestCore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The authorization kernel on its own: one rule for "is this token usable now, for this caller", at the core layer,
 * with a clock the test moves. Tokens that Airlock would never mint are signed here with its real key, so that only
 * the kernel's own checks can refuse them.
 */
class TokenUsabilityTest {
    @TempDir
    Path data;
    TestCore core;
    TokenUsability tokens;

    @BeforeEach
    void open() throws Exception {
        core = new TestCore(data);
        tokens = core.tokens;
    }

    @AfterEach
    void close() {
        core.close();
    }

    String staging(String... scopes) {
        return core.accessToken("staging", scopes).jwt();
    }

    /** A token of coding-agent for staging as Airlock mints one, edited, then signed with Airlock's real key. */
    String signed(JOSEObjectType type, Consumer<JWTClaimsSet.Builder> edit) throws Exception {
        var now = core.clock.instant();
        JWTClaimsSet.Builder c = new JWTClaimsSet.Builder().issuer(TestCore.ISSUER).subject("coding-agent")
                .audience("urn:airlock:env:staging").claim("client_id", "coding-agent").claim("env", "staging")
                .claim("scope", "volume:read").issueTime(Date.from(now)).notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(300))).jwtID("jti-" + System.nanoTime());
        edit.accept(c);
        var key = core.keys.active();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(key.algorithm()).type(type).keyID(key.kid()).build(),
                c.build());
        jwt.sign(key.signer());
        return jwt.serialize();
    }

    static void assertRefused(TokenUsability.Verdict v, String code) {
        assertFalse(v.ok(), "expected " + code);
        assertEquals(code, v.refusal().code(), v.refusal().reason());
    }

    // --- agent lifecycle (issue 16): run-time state of the token's agent ---

    @Test
    void forActionWhenTheAgentIsDisabledThenAgentDisabledAndEnablingMakesTheSameTokenUsableAgain() throws Exception {
        String t = staging("volume:read");
        core.admin.setAgentDisabled("coding-agent", true, "test").get();
        assertRefused(tokens.forAction(t), "agent_disabled");
        assertRefused(tokens.asAgentCredential(t), "agent_disabled");
        assertRefused(tokens.forIntrospection(t), "agent_disabled");
        core.admin.setAgentDisabled("coding-agent", false, "test").get();
        assertTrue(tokens.forAction(t).ok());
    }

    @Test
    void forActionWhenTokensWereRevokedInTheSecondTheTokenWasIssuedOrLaterThenRevokedElseUsable() throws Exception {
        String before = staging("volume:read");
        core.clock.advance(Duration.ofMillis(900));
        String sameSecond = staging("volume:read");
        core.admin.revokeAgentTokens("coding-agent", core.clock.instant(), "test").get();
        TokenUsability.Verdict v = tokens.forAction(before);
        assertRefused(v, "token_revoked");
        assertTrue(v.refusal().reason().contains("agent revoke-tokens"), v.refusal().reason());
        assertTrue(v.refusal().reason().contains("2026-06-01T12:00:00Z"), v.refusal().reason());
        assertRefused(tokens.forAction(sameSecond), "token_revoked");
        assertRefused(tokens.forAction(staging("volume:read")), "token_revoked"); // still the same second

        core.clock.advance(Duration.ofMillis(100)); // 12:00:01.000: the next second
        String after = staging("volume:read");
        assertTrue(tokens.forAction(after).ok());
        // A clock stepped back does not revive a voided token, and one minted meanwhile is void too (fail closed).
        core.clock.step(Duration.ofMinutes(-1));
        assertRefused(tokens.forAction(staging("volume:read")), "token_revoked");
    }

    @Test
    void revokingTokensOfOneAgentLeavesOtherAgentsTokensUsable() throws Exception {
        core.admin.revokeAgentTokens("deploy-bot", core.clock.instant().plusSeconds(60), "test").get();
        core.admin.setAgentDisabled("deploy-bot", true, "test").get();
        assertTrue(tokens.forAction(staging("volume:read")).ok());
    }

    // --- forAction: /v1/check and the proxy ---

    @Test
    void forActionWhenAnOrdinaryTokenOfAnOpenEnvironmentThenUsable() {
        TokenUsability.Verdict v = tokens.forAction(staging("volume:read"));
        assertTrue(v.ok());
        assertEquals("staging", v.token().environment());
    }

    @Test
    void forActionWhenExpiredOrTamperedThenRefusedWithoutClaims() {
        String t = staging("volume:read");
        String[] p = t.split("\\.");
        TokenUsability.Verdict tampered = tokens.forAction(p[0] + "." + p[1] + "." + new StringBuilder(p[2]).reverse());
        assertRefused(tampered, "token_invalid");
        assertFalse(tampered.verified());
        core.clock.advance(Duration.ofMinutes(5));
        assertRefused(tokens.forAction(t), "token_expired");
    }

    @Test
    void forActionWhenRevokedThenRefusedBeforeAFreeze() {
        String t = staging("volume:read");
        var claims = tokens.forAction(t).token();
        core.admin.setFrozen("staging", true, "test").join();
        core.admin.revoke(claims.jti(), claims.expiresAt(), "test", "staging").join();
        assertRefused(tokens.forAction(t), "token_revoked");
    }

    @Test
    void forActionWhenTheEnvironmentIsFrozenThenRefusedUntilUnfrozen() {
        String t = staging("volume:read");
        core.admin.setFrozen("staging", true, "test").join();
        assertRefused(tokens.forAction(t), "environment_frozen");
        core.admin.setFrozen("staging", false, "test").join();
        assertTrue(tokens.forAction(t).ok());
    }

    @Test
    void forActionWhenTheEnvironmentOrTheClientIsNoLongerInThePolicyThenRefused() throws Exception {
        assertRefused(tokens.forAction(signed(TokenMinter.AT_JWT, c -> c.claim("env", "qa")
                .audience("urn:airlock:env:qa"))), "unknown_environment");
        assertRefused(tokens.forAction(signed(TokenMinter.AT_JWT, c -> c.claim("client_id", "retired-bot")
                .subject("retired-bot"))), "unknown_client");
    }

    @Test
    void forActionWhenTheAudienceIsNotTheEnvironmentsThenRefused() throws Exception {
        assertTrue(tokens.forAction(signed(TokenMinter.AT_JWT, c -> { })).ok(), "the unedited forgery is usable");
        assertRefused(tokens.forAction(signed(TokenMinter.AT_JWT, c -> c.audience("urn:airlock:env:production"))),
                "wrong_environment");
        // A grant audience does not make an access token a grant token, nor usable.
        assertRefused(tokens.forAction(signed(TokenMinter.AT_JWT, c -> c.audience("urn:airlock:grant:gr_x"))),
                "wrong_environment");
    }

    @Test
    void forActionWhenTheKindsAreMixedThenRefusedAsInvalid() throws Exception {
        Map<String, Object> claim = Map.of("id", "gr_x", "uses", 1, "resources", List.of("vol-7f3a-stg"),
                "approvers", List.of("erin"));
        assertRefused(tokens.forAction(signed(TokenMinter.AT_JWT, c -> c.claim("grant", claim))), "token_invalid");
        assertRefused(tokens.forAction(signed(TokenMinter.GRANT_JWT, c -> c.audience("urn:airlock:grant:gr_x"))),
                "token_invalid");
    }

    @Test
    void forActionWhenAGrantTokenThenUsableWhileItsGrantHasAUse() {
        TokenMinter.Minted g = core.grantToken("staging", "volume:delete", "vol-7f3a-stg");
        assertTrue(tokens.forAction(g.jwt()).ok());
        assertTrue(core.check.check(new CheckService.Request(g.jwt(), "staging", "volume:delete", "vol-7f3a-stg",
                "test")).join().allowed());
        assertRefused(tokens.forAction(g.jwt()), "grant_used");
    }

    @Test
    void forActionWhenAGrantTokenIsNotTheOneItsGrantWasRedeemedForThenRefused() throws Exception {
        TokenMinter.Minted g = core.grantToken("staging", "volume:delete", "vol-7f3a-stg");
        String id = g.token().grantId();
        assertRefused(tokens.forAction(signed(TokenMinter.GRANT_JWT, c -> c.audience("urn:airlock:grant:" + id)
                .claim("scope", "volume:delete").claim("grant", g.token().grant()))), "grant_unknown");
        assertRefused(tokens.forAction(signed(TokenMinter.GRANT_JWT, c -> c.jwtID(g.token().jti())
                .claim("scope", "volume:delete").claim("grant", g.token().grant()))), "wrong_environment");
    }

    // --- the callers' own additions ---

    @Test
    void forIntrospectionWhenAGrantTokenThenNeverActive() {
        TokenMinter.Minted g = core.grantToken("staging", "volume:delete", "vol-7f3a-stg");
        assertRefused(tokens.forIntrospection(g.jwt()), "grant_token_online_only");
        assertTrue(tokens.forIntrospection(staging("volume:read")).ok());
        assertTrue(tokens.forAction(g.jwt()).ok(), "introspection spent nothing");
    }

    @Test
    void asAgentCredentialWhenAGrantTokenOrAFrozenEnvironmentThenRefused() {
        TokenMinter.Minted g = core.grantToken("staging", "volume:delete", "vol-7f3a-stg");
        assertRefused(tokens.asAgentCredential(g.jwt()), "grant_token_not_a_credential");
        String t = staging("volume:read");
        assertTrue(tokens.asAgentCredential(t).ok());
        core.admin.setFrozen("staging", true, "test").join();
        assertRefused(tokens.asAgentCredential(t), "environment_frozen");
    }

    @Test
    void revocableByWhenTheOwnerThenEvenIfFrozenAndNeverForAnotherClient() {
        String t = staging("volume:read");
        core.admin.setFrozen("staging", true, "test").join();
        assertTrue(tokens.revocableBy(t, "coding-agent").ok(), "a frozen token must stay revocable");
        assertRefused(tokens.revocableBy(t, "deploy-bot"), "other_client");
        TokenUsability.Verdict garbage = tokens.revocableBy("not-a-token", "coding-agent");
        assertFalse(garbage.verified());
        assertNull(garbage.token());
    }
}
