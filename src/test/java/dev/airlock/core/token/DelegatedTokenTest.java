package dev.airlock.core.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.airlock.testing.TestCore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Date;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delegated tokens (RFC 8693 §4.1): minted with sub = the user and act = the agent, never with a scope that is not
 * automatic; and the verifier accepts only the one consistent shape, even from tokens signed with Airlock's own key.
 */
class DelegatedTokenTest {
    static final OnBehalfOf ERIN = new OnBehalfOf("corp", "https://login.corp.test/", "user-erin", "erin");

    @TempDir
    Path data;
    TestCore core;

    @BeforeEach
    void open() throws Exception {
        core = new TestCore(data);
    }

    @AfterEach
    void close() {
        core.close();
    }

    @Test
    void mintOnBehalfOfWhenAutomaticScopesThenSubIsUserAndActIsAgentAndVerifies() {
        TokenMinter.Minted m = core.minter.mintOnBehalfOf("coding-agent", "staging", Set.of("db:read"),
                Duration.ofMinutes(5), ERIN, null);
        TokenVerifier.Result r = core.verifier.verify(m.jwt());
        assertTrue(r.ok(), String.valueOf(r.rejection()));
        assertEquals("corp:user-erin", r.token().subject());
        assertEquals("coding-agent", r.token().actor());
        assertEquals(ERIN, r.token().onBehalfOf());
    }

    @Test
    void mintOnBehalfOfWhenDestructiveScopeThenRefused() {
        assertThrows(TokenMinter.Refused.class, () -> core.minter.mintOnBehalfOf("coding-agent", "production",
                Set.of("volume:delete"), Duration.ofMinutes(5), ERIN, null));
    }

    /** A token signed with Airlock's active key: what only a bug in Airlock, or a stolen key, could produce. */
    String signed(Consumer<JWTClaimsSet.Builder> edit) throws Exception {
        SigningKey key = core.keys.active();
        java.time.Instant now = core.clock.instant();
        JWTClaimsSet.Builder b = new JWTClaimsSet.Builder().issuer(TestCore.ISSUER).subject("corp:user-erin")
                .audience("urn:airlock:env:staging").claim("client_id", "coding-agent").claim("env", "staging")
                .claim("scope", "db:read").issueTime(Date.from(now)).notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(300))).jwtID("j-" + System.nanoTime())
                .claim("act", Map.of("sub", "coding-agent"))
                .claim("on_behalf_of", TokenMinter.onBehalfOfClaim(ERIN));
        edit.accept(b);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(key.algorithm()).type(TokenMinter.AT_JWT).keyID(key.kid())
                .build(), b.build());
        jwt.sign(key.signer());
        return jwt.serialize();
    }

    @Test
    void verifyWhenShapeConsistentThenAccepted() throws Exception {
        assertTrue(core.verifier.verify(signed(b -> {})).ok(), "the positive control");
    }

    @Test
    void verifyWhenActNamesAnotherClientThenRefused() throws Exception {
        assertMalformed(signed(b -> b.claim("act", Map.of("sub", "deploy-bot"))));
    }

    @Test
    void verifyWhenActIsNestedThenRefused() throws Exception {
        assertMalformed(signed(b -> b.claim("act", Map.of("sub", "coding-agent", "act", Map.of("sub", "deploy-bot")))));
    }

    @Test
    void verifyWhenSubIsAnotherAgentWithoutActThenRefused() throws Exception {
        assertMalformed(signed(b -> b.subject("deploy-bot").claim("act", null).claim("on_behalf_of", null)));
    }

    @Test
    void verifyWhenSubDisagreesWithOnBehalfOfThenRefused() throws Exception {
        assertMalformed(signed(b -> b.subject("corp:user-frank")));
    }

    @Test
    void verifyWhenActWithoutOnBehalfOfThenRefused() throws Exception {
        assertMalformed(signed(b -> b.claim("on_behalf_of", null)));
    }

    void assertMalformed(String jwt) {
        TokenVerifier.Result r = core.verifier.verify(jwt);
        assertFalse(r.ok(), "accepted: " + (r.token() == null ? null : r.token()));
        assertEquals("malformed", r.rejection().code(), r.rejection().reason());
    }
}
