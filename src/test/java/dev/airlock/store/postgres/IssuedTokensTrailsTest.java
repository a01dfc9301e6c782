package dev.airlock.store.postgres;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditLog;
import dev.airlock.core.audit.AuditTrail;
import dev.airlock.core.journal.StorageHealth;
import dev.airlock.core.store.AssertionLimits;
import dev.airlock.testing.MutableClock;
import dev.airlock.testing.TestPostgres;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link dev.airlock.core.audit.IssuedTokens} on both audit trails (the file and the PostgreSQL table): only an
 * issuance event ({@code token.minted}, {@code grant.redeemed}) makes a jti "issued"; a check, a refused revocation or
 * an id that merely contains the jti does not, and LIKE's wildcard {@code _} in an id matches nothing else.
 */
class IssuedTokensTrailsTest {
    static final String MINTED = "Mint3d_jti-0123456789a";
    static final String REDEEMED = "Redeem3d_jti-012345678";

    @TempDir
    Path dir;

    private AuditTrail open(String kind) throws Exception {
        MutableClock clock = MutableClock.at("2030-01-01T00:00:00Z");
        if (kind.equals("file")) return AuditLog.open(dir.resolve("audit.log"), clock);
        TestPostgres.Database db = TestPostgres.freshDatabase();
        return PgStateStore.open(PgLocation.parse(db.url()), null, clock, AssertionLimits.DEFAULT, new StorageHealth(),
                null, null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"file", "postgres"})
    void issuedOnlyWhenAnIssuanceEventNamesTheJti(String kind) throws Exception {
        try (AuditTrail trail = open(kind)) {
            trail.append(AuditEvent.of("token.minted").with("client_id", "a").with("jti", MINTED).build()).join();
            trail.append(AuditEvent.of("grant.redeemed").with("grant", "gr_1").with("jti", REDEEMED).build()).join();
            trail.append(AuditEvent.of("token.revoke_refused").with("jti", "Refused_jti-0123456789").build()).join();
            trail.append(AuditEvent.of("check.decided").with("jti", "Checked_jti-0123456789").build()).join();
            trail.append(AuditEvent.of("token.minted").with("note", "Other_jti-01234567890x").build()).join();

            assertTrue(trail.issued(MINTED).get(30, TimeUnit.SECONDS));
            assertTrue(trail.issued(REDEEMED).get(30, TimeUnit.SECONDS));
            assertFalse(trail.issued("Refused_jti-0123456789").get(30, TimeUnit.SECONDS), "a refusal issues nothing");
            assertFalse(trail.issued("Checked_jti-0123456789").get(30, TimeUnit.SECONDS), "a check issues nothing");
            assertFalse(trail.issued("Other_jti-01234567890").get(30, TimeUnit.SECONDS), "a field that only contains it");
            assertFalse(trail.issued("Mint3dXjti-0123456789a").get(30, TimeUnit.SECONDS), "no wildcard match");
            assertFalse(trail.issued("Mint3d_jti-0123456789").get(30, TimeUnit.SECONDS), "no prefix match");
        }
    }
}
