package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.store.postgres.PgLocation;
import dev.airlock.store.postgres.PgSettings;
import dev.airlock.testing.TcpRelay;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestAirlock.Reply;
import dev.airlock.testing.TestPostgres;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: a replica that loses PostgreSQL answers 503 with Retry-After (never a guess from a mirror that may miss a
 * revocation), reports not ready, and recovers by itself once the database is back. The database is cut off by a
 * TCP relay (every connection reset, new ones refused), as a partition or a failed-over host would.
 */
class PostgresOutageTest {
    @TempDir
    Path data;

    @Test
    void whilePostgresIsUnreachableWritesAnswer503WithRetryAfterNotReadyThenRecoverByThemselves() throws Exception {
        TestPostgres.Database db = TestPostgres.freshDatabase();
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        try (TcpRelay relay = new TcpRelay(db.port());
             TestAirlock a = TestAirlock.startShared(TestAirlock.EXAMPLE_POLICY, data, null,
                     Base64.getEncoder().encodeToString(key), new PgSettings(PgLocation.parse("postgresql://127.0.0.1:"
                             + relay.port() + "/" + db.name() + "?user=" + db.user()), null))) {
            String secret = a.issueSecret("coding-agent");
            Reply ok = a.token("coding-agent", secret, "staging", "db:read");
            assertEquals(200, ok.status(), ok.body());
            String token = ok.json().get("access_token").asText();
            assertEquals(200, a.get("/readyz").status());

            // 1. The database goes away: a token (its audit event) and a revocation (a change) cannot be recorded.
            relay.cut();
            Reply refused = a.token("coding-agent", secret, "staging", "db:read");
            assertEquals(503, refused.status(), refused.body());
            assertNotNull(refused.header("Retry-After"), refused.headers().toString());
            Reply revoke = a.postForm("/oauth2/revoke", TestAirlock.basic("coding-agent", secret),
                    Map.of("token", token));
            assertEquals(503, revoke.status(), revoke.body());
            assertNotNull(revoke.header("Retry-After"));
            // 2. Not ready, as soon as a refresh has failed (a decision from a stale mirror is a guess).
            a.airlock.store.refresh();
            assertEquals(503, a.get("/readyz").status());

            // 3. Back: the pool reconnects, the next refresh clears the fault, service resumes; no restart.
            relay.restore();
            for (int i = 0; i < 200 && a.get("/readyz").status() != 200; i++) {
                a.airlock.store.refresh();
                Thread.sleep(50);
            }
            assertEquals(200, a.get("/readyz").status(), "ready again once PostgreSQL answers");
            Reply again = a.postForm("/oauth2/revoke", TestAirlock.basic("coding-agent", secret),
                    Map.of("token", token));
            assertEquals(200, again.status(), again.body());
            assertTrue(a.airlock.store.isRevoked(jti(token)));
        }
    }

    private static String jti(String jwt) throws Exception {
        return com.nimbusds.jwt.SignedJWT.parse(jwt).getJWTClaimsSet().getJWTID();
    }
}
