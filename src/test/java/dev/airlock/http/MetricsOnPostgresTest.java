package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.store.postgres.PgLocation;
import dev.airlock.store.postgres.PgSettings;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestAirlock.Reply;
import dev.airlock.testing.TestPostgres;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server as it runs on PostgreSQL, metrics on: the store the domain sees is the metrics' timing wrapper, which
 * must hand over the store's own audited path (change and event in one transaction), not fall back to "event first,
 * then change" over the wrapper; and a change audited inside the store's transaction is still counted once.
 */
class MetricsOnPostgresTest {
    @TempDir
    Path data;
    TestAirlock airlock;
    TestPostgres.Database db;

    @BeforeEach
    void start() throws Exception {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        db = TestPostgres.freshDatabase();
        airlock = TestAirlock.startShared(TestAirlock.EXAMPLE_POLICY, data, null,
                Base64.getEncoder().encodeToString(key), new PgSettings(PgLocation.parse(db.url()), null));
    }

    @AfterEach
    void stop() throws Exception {
        airlock.close();
    }

    String revokeOwnToken() throws Exception {
        String secret = airlock.issueSecret("coding-agent");
        Reply minted = airlock.token("coding-agent", secret, "staging", "db:read");
        assertEquals(200, minted.status(), minted.body());
        String token = minted.json().get("access_token").asText();
        Reply revoked = airlock.postForm("/oauth2/revoke", TestAirlock.basic("coding-agent", secret),
                Map.of("token", token));
        assertEquals(200, revoked.status(), revoked.body());
        return token;
    }

    @Test
    void aRevocationAuditedInsideTheStoresTransactionIsCountedOnce() throws Exception {
        revokeOwnToken();
        String metrics = airlock.get("/metrics").body();
        assertEquals(1.0, sample(metrics, "airlock_audit_events_total\\{type=\"token.revoked\"\\}"), metrics);
    }

    @Test
    void whenTheStateRowIsRefusedNeitherTheFreezeNorItsEventIsWritten() throws Exception {
        TestPostgres.execute(db, "CREATE FUNCTION refuse_state() RETURNS trigger LANGUAGE plpgsql AS $$"
                + " BEGIN RAISE EXCEPTION 'state row refused by the test'; END $$");
        TestPostgres.execute(db, "CREATE TRIGGER refuse_state BEFORE INSERT OR UPDATE ON frozen_environments"
                + " FOR EACH ROW EXECUTE FUNCTION refuse_state()");
        assertTrue(airlock.airlock.domain().admin.setFrozen("staging", true, "test")
                .handle((v, failure) -> failure != null).join(), "the freeze is refused");
        airlock.airlock.store.refresh();
        assertFalse(airlock.airlock.store.isFrozen("staging"));
        // One transaction: the event rolled back with the state row. Written first, as over a plain wrapper, it would
        // stand in the log beside a change.not_done.
        assertTrue(airlock.auditLines().stream().noneMatch(l -> l.contains("\"type\":\"env.frozen\"")),
                String.join("\n", airlock.auditLines()));
        assertTrue(airlock.auditLines().stream().noneMatch(l -> l.contains("change.not_done")));
    }

    static double sample(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + series + " ([0-9.eE+-]+)$").matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : 0.0;
    }
}
