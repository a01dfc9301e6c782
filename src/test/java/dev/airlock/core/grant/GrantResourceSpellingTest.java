package dev.airlock.core.grant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.core.audit.AuditLog;
import dev.airlock.core.check.CheckService;
import dev.airlock.core.check.Decision;
import dev.airlock.core.crypto.SecretBox;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.PolicyLoader;
import dev.airlock.core.token.KeyRing;
import dev.airlock.core.token.TokenMinter;
import dev.airlock.core.token.TokenVerifier;
import dev.airlock.store.embedded.FileStateStore;
import dev.airlock.testing.MutableClock;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A grant's resources are compared in canonical form when its token is used (issue 12), also for a grant stored before
 * grants stored canonical ids: one filed as {@code VOL-7F3A} and approved then is a grant for {@code vol-7f3a}.
 */
class GrantResourceSpellingTest {
    static final String ISSUER = "https://airlock.test";
    @TempDir
    Path data;
    MutableClock clock = MutableClock.at("2026-06-01T12:00:00Z");
    FileStateStore store;
    AuditLog audit;
    TokenMinter minter;
    CheckService check;

    @BeforeEach
    void open() throws Exception {
        Policy policy = PolicyLoader.load(Path.of("scopes"));
        SecureRandom random = new SecureRandom();
        KeyRing keys = KeyRing.open(data, new SecretBox(new byte[32], random), JWSAlgorithm.EdDSA, clock, random);
        store = FileStateStore.open(data, clock);
        audit = AuditLog.open(data.resolve("audit.log"), clock);
        minter = new TokenMinter(keys, ISSUER, clock, random);
        Grants grants = new Grants(policy, store, audit, GrantNotifier.NONE,
                (who, code) -> CompletableFuture.completedFuture(false), minter, clock, random, ISSUER + "/oauth2/token");
        check = new CheckService(policy, store, new TokenVerifier(keys, ISSUER, clock), audit, ISSUER, grants.redemption);
    }

    @AfterEach
    void close() {
        audit.close();
        store.close();
    }

    @Test
    void useWhenTheStoredGrantSpellsTheResourceOtherwiseThenTheCanonicalIdsAreCompared() throws Exception {
        String token = redeemedLegacyGrant(List.of("VOL-7F3A"));
        Decision d = check.decide(new CheckService.Request(token, "production", "volume:delete", "vol-7f3a", "test"));
        assertTrue(d.allowed(), d.reason());
        Decision other = check.decide(new CheckService.Request(token, "production", "volume:delete", "vol-9c1e", "test"));
        assertEquals("resource_not_granted", other.code(), other.reason());
    }

    /** A redeemed grant as an older Airlock stored it, with the resources exactly as the agent spelled them. */
    private String redeemedLegacyGrant(List<String> resources) throws Exception {
        Instant now = clock.instant();
        TokenMinter.Minted minted = minter.mint("coding-agent", "production", "urn:airlock:env:production",
                Set.of("volume:delete"), Duration.ofMinutes(3),
                Map.of("id", "gr_legacy", "approvers", List.of("bob", "carol"), "resources", resources, "uses", 1));
        Grant g = new Grant("gr_legacy", "coding-agent", "production", List.of("volume:delete"), resources,
                "vol-7f3a is an orphaned copy of the old primary", null, 2, List.of(), GrantStatus.REDEEMED, now,
                now.plus(Duration.ofMinutes(15)), null, null, now, minted.token().jti(), 1,
                now.plus(Duration.ofMinutes(3)), 1);
        assertTrue(store.saveGrant(g).get());
        return minted.jwt();
    }
}
