package dev.airlock.core.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jwt.SignedJWT;
import dev.airlock.core.policy.Environment;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.Risk;
import dev.airlock.core.policy.Scope;
import dev.airlock.testing.TestCore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The minter holds its own invariants, whoever calls it: lifetimes clamped, no scope that needs a grant without a
 * matching grant, and the two kinds of token told apart by type and audience.
 */
class TokenMinterTest {
    @TempDir
    Path data;
    TestCore core;
    TokenMinter minter;

    @BeforeEach
    void open() throws Exception {
        core = new TestCore(data);
        minter = core.minter;
    }

    @AfterEach
    void close() {
        core.close();
    }

    static GrantClaim grant(String agent, String env, Set<String> scopes) {
        return new GrantClaim("gr_test", agent, env, scopes, List.of("vol-7f3a"), List.of("carol", "dave"), 1);
    }

    static Duration lifetime(TokenMinter.Minted m) {
        return Duration.between(m.token().issuedAt(), m.token().expiresAt());
    }

    @Test
    void mintWhenADestructiveScopeAndNoGrantThenRefused() {
        TokenMinter.Refused e = assertThrows(TokenMinter.Refused.class, () -> minter.mint("coding-agent", "production",
                Set.of("db:read", "volume:delete"), Duration.ofMinutes(5), null));
        assertTrue(e.getMessage().contains("volume:delete is destructive"), e.getMessage());
    }

    @Test
    void mintWhenTheAudienceIsNoGatewayOfThisIssuerThenRefused() {
        String gateway = minter.gatewayPrefix() + "volumes-mcp";
        assertEquals(gateway, minter.mint("coding-agent", "staging", Set.of("volume:read"), Duration.ofMinutes(5), null,
                gateway).token().audience());
        for (String other : List.of("https://elsewhere.example/mcp/volumes-mcp", minter.gatewayPrefix(),
                minter.gatewayPrefix() + "a/b", "urn:airlock:env:production")) {
            assertThrows(TokenMinter.Refused.class, () -> minter.mint("coding-agent", "staging", Set.of("volume:read"),
                    Duration.ofMinutes(5), null, other), other);
        }
    }

    @Test
    void mintWhenAGrantRequiredScopeAndNoGrantThenRefused() {
        TokenMinter.Refused e = assertThrows(TokenMinter.Refused.class, () -> minter.mint("coding-agent", "staging",
                Set.of("variable:write"), Duration.ofMinutes(5), null));
        assertTrue(e.getMessage().contains("variable:write is grant_required"), e.getMessage());
    }

    @Test
    void mintWhenTheLifetimeIsOverTheCapsThenClamped() {
        // production caps its tokens at 5 minutes, staging at the default 10.
        assertEquals(Duration.ofMinutes(5), lifetime(minter.mint("coding-agent", "production", Set.of("db:read"),
                Duration.ofHours(1), null)));
        assertEquals(Duration.ofMinutes(10), lifetime(minter.mint("coding-agent", "staging", Set.of("db:read"),
                Duration.ofDays(1), null)));
        assertEquals(Duration.ofMinutes(2), lifetime(minter.mint("coding-agent", "staging", Set.of("db:read"),
                Duration.ofMinutes(2), null)));
        Set<String> delete = Set.of("volume:delete");
        assertEquals(Duration.ofMinutes(5), lifetime(minter.mint("coding-agent", "production", delete,
                Duration.ofHours(8), grant("coding-agent", "production", delete))), "a grant token is clamped too");
    }

    @Test
    void mintWhenTheEnvironmentAllowsMoreThanFifteenMinutesThenTheHardCapApplies() {
        // The loader refuses such a policy; the minter does not rely on that.
        Policy lax = new Policy(List.of(new Environment("lab", "urn:airlock:env:lab", Duration.ofHours(1), List.of())),
                List.of(new Scope("db:read", "db", "read", Risk.READ, false, "")), List.of());
        TokenMinter laxMinter = new TokenMinter(core.keys, TestCore.ISSUER, core.clock, core.random, lax);
        assertEquals(Policy.MAX_TOKEN_LIFETIME, lifetime(laxMinter.mint("coding-agent", "lab", Set.of("db:read"),
                Duration.ofDays(1), null)));
    }

    @Test
    void mintWhenTheGrantDoesNotMatchTheTokenThenRefused() {
        Set<String> delete = Set.of("volume:delete");
        for (GrantClaim wrong : List.of(grant("deploy-bot", "production", delete), grant("coding-agent", "staging", delete),
                grant("coding-agent", "production", Set.of("db:drop")),
                grant("coding-agent", "production", Set.of("volume:delete", "db:drop")),
                new GrantClaim("gr_test", "coding-agent", "production", delete, List.of(), List.of("carol"), 1),
                new GrantClaim("gr_test", "coding-agent", "production", delete, List.of("vol-7f3a"), List.of(), 1),
                new GrantClaim("gr_test", "coding-agent", "production", delete, List.of("vol-7f3a"), List.of("carol"), 0))) {
            assertThrows(TokenMinter.Refused.class, () -> minter.mint("coding-agent", "production", delete,
                    Duration.ofMinutes(5), wrong), wrong.toString());
        }
    }

    @Test
    void mintWhenAnUnknownEnvironmentOrScopeOrNoScopeThenRefused() {
        assertThrows(TokenMinter.Refused.class, () -> minter.mint("coding-agent", "qa", Set.of("db:read"),
                Duration.ofMinutes(5), null));
        assertThrows(TokenMinter.Refused.class, () -> minter.mint("coding-agent", "staging", Set.of("db:READ"),
                Duration.ofMinutes(5), null));
        assertThrows(TokenMinter.Refused.class, () -> minter.mint("coding-agent", "staging", Set.of(),
                Duration.ofMinutes(5), null));
    }

    @Test
    void mintWhenAGrantIsAttachedThenAGrantTokenWithItsOwnTypeAndAudience() throws Exception {
        Set<String> delete = Set.of("volume:delete");
        TokenMinter.Minted g = minter.mint("coding-agent", "production", delete, Duration.ofMinutes(5),
                grant("coding-agent", "production", delete));
        SignedJWT jwt = SignedJWT.parse(g.jwt());
        assertEquals("airlock-grant+jwt", jwt.getHeader().getType().getType());
        assertEquals(List.of("urn:airlock:grant:gr_test"), jwt.getJWTClaimsSet().getAudience());
        assertEquals("production", jwt.getJWTClaimsSet().getStringClaim("env"));
        assertEquals("gr_test", jwt.getJWTClaimsSet().getJSONObjectClaim("grant").get("id"));

        SignedJWT access = SignedJWT.parse(minter.mint("coding-agent", "production", Set.of("db:read"),
                Duration.ofMinutes(5), null).jwt());
        assertEquals("at+jwt", access.getHeader().getType().getType());
        assertEquals(List.of("urn:airlock:env:production"), access.getJWTClaimsSet().getAudience());
        assertEquals(null, access.getJWTClaimsSet().getClaim("grant"));
    }
}
