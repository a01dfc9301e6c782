package dev.airlock.core.grant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.check.CheckService;
import dev.airlock.core.check.Decision;
import dev.airlock.core.token.GrantClaim;
import dev.airlock.core.token.TokenMinter;
import dev.airlock.testing.TestCore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A grant's resources are compared in canonical form when its token is used (issue 12), also for a grant stored before
 * grants stored canonical ids: one filed as {@code VOL-7F3A} and approved then is a grant for {@code vol-7f3a}.
 */
class GrantResourceSpellingTest {
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
    void useWhenTheStoredGrantSpellsTheResourceOtherwiseThenTheCanonicalIdsAreCompared() throws Exception {
        String token = redeemedLegacyGrant(List.of("VOL-7F3A"));
        Decision d = core.check.decide(new CheckService.Request(token, "production", "volume:delete", "vol-7f3a", "test"));
        assertTrue(d.allowed(), d.reason());
        Decision other = core.check.decide(new CheckService.Request(token, "production", "volume:delete", "vol-9c1e", "test"));
        assertEquals("resource_not_granted", other.code(), other.reason());
    }

    /** A redeemed grant as an older Airlock stored it, with the resources exactly as the agent spelled them. */
    private String redeemedLegacyGrant(List<String> resources) throws Exception {
        Instant now = core.clock.instant();
        TokenMinter.Minted minted = core.minter.mint("coding-agent", "production", Set.of("volume:delete"),
                Duration.ofMinutes(3), new GrantClaim("gr_legacy", "coding-agent", "production", Set.of("volume:delete"),
                        resources, List.of("bob", "carol"), 1));
        Grant g = new Grant("gr_legacy", "coding-agent", "production", List.of("volume:delete"), resources,
                "vol-7f3a is an orphaned copy of the old primary", null, 2, List.of(), GrantStatus.REDEEMED, now,
                now.plus(Duration.ofMinutes(15)), null, null, now, minted.token().jti(), 1,
                now.plus(Duration.ofMinutes(3)), 1);
        assertTrue(core.store.saveGrant(g).get());
        return minted.jwt();
    }
}
