package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.crypto.Hashes;
import dev.airlock.store.postgres.PgLocation;
import dev.airlock.store.postgres.PgSettings;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestAirlock.OpsUser;
import dev.airlock.testing.TestAirlock.Reply;
import dev.airlock.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: "an ops person signed in through one replica stays signed in through the others". Two replicas, A and B,
 * in this JVM on one PostgreSQL database; each {@code refresh()} stands for the change feed's next re-read.
 */
class OpsSessionsAcrossReplicasTest {
    static final String ISSUER = "https://airlock.sessions.test";

    @TempDir
    Path dirA;
    @TempDir
    Path dirB;
    TestPostgres.Database db;
    TestAirlock a;
    TestAirlock b;
    OpsUser carol;

    @BeforeEach
    void start() throws Exception {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        String masterKey = Base64.getEncoder().encodeToString(key);
        db = TestPostgres.freshDatabase();
        PgSettings shared = new PgSettings(PgLocation.parse(db.url()), null);
        a = TestAirlock.startShared(TestAirlock.EXAMPLE_POLICY, dirA, ISSUER, masterKey, shared);
        b = TestAirlock.startShared(TestAirlock.EXAMPLE_POLICY, dirB, ISSUER, masterKey, shared);
        b.clock.set(a.clock.instant()); // one time for both, as NTP gives real replicas
        carol = a.addOps("carol", "prod-ops", "ops");
        caughtUp(b);
    }

    @AfterEach
    void stop() throws Exception {
        if (a != null) a.close();
        if (b != null) b.close();
    }

    private void advanceBoth(Duration by) {
        a.clock.advance(by);
        b.clock.advance(by);
    }

    private int whoAmI(TestAirlock via, String session) throws Exception {
        return via.opsGet("/v1/ops/session", session).status();
    }

    private Reply signOut(TestAirlock via, String session) throws Exception {
        return via.send(via.request("/v1/ops/session").header("Authorization", "Bearer " + session)
                .DELETE().build());
    }

    @Test
    void aSessionOpenedThroughAIsAcceptedByBAfterBsRefresh() throws Exception {
        String session = a.opsSignIn(carol);
        caughtUp(b);
        Reply me = b.opsGet("/v1/ops/session", session);
        assertEquals(200, me.status(), me.body());
        assertEquals("carol", me.json().get("name").asText());
        assertEquals(16 * 60, me.json().get("idle_timeout_seconds").asLong(),
                "the page tells people the idle bound across replicas: 15 min plus the update interval");
        assertEquals(List.of("ops", "prod-ops"), List.of(me.json().get("groups").get(0).asText(),
                me.json().get("groups").get(1).asText()), "groups read from the account on B");
    }

    @Test
    void aGrantIsApprovedThroughBWithASessionOpenedThroughA() throws Exception {
        String agent = TestAirlock.basic("coding-agent", a.issueSecret("coding-agent"));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("environment", "production");
        body.put("scopes", List.of("volume:delete"));
        body.put("resources", List.of("vol-7f3a"));
        body.put("reason", "INC-4711: the orphaned volume vol-7f3a blocks the migration");
        body.put("command", "railway volume delete vol-7f3a --yes");
        Reply filed = a.agentPost("/v1/grants", agent, body);
        assertEquals(201, filed.status(), filed.body());
        String id = filed.json().get("auth_req_id").asText();
        String session = a.opsSignIn(carol);
        b.clock.set(a.clock.instant());
        caughtUp(b);

        Reply approved = b.opsPost("/v1/grants/" + id + "/approve", session, Map.of("code", b.freshCode(carol)));
        assertEquals(200, approved.status(), approved.body());
        assertTrue(a.auditLines().stream().anyMatch(l -> l.contains("\"type\":\"grant.approved\"")
                && l.contains("carol")), "the approval is carol's, on the shared record");
    }

    @Test
    void aSignOutThroughAEndsTheSessionOnBAfterBsRefresh() throws Exception {
        String session = a.opsSignIn(carol);
        caughtUp(b);
        assertEquals(200, whoAmI(b, session), "positive control: B knows the session before the sign-out");

        Reply out = signOut(a, session);
        assertEquals(204, out.status(), out.body());
        assertEquals(401, whoAmI(a, session));
        caughtUp(b);
        assertEquals(401, whoAmI(b, session));
        caughtUp(a);
        assertEquals(401, whoAmI(a, session), "A's own sign-out stays final when it reads its tombstone back");
    }

    @Test
    void aDisabledAccountsSessionsEndOnBothReplicasAndTheRowsAreTombstoned() throws Exception {
        String first = a.opsSignIn(carol);
        String second = a.opsSignIn(carol);
        caughtUp(b);
        assertEquals(200, whoAmI(b, first), "positive control");

        a.airlock.ops.disable("carol").get();
        caughtUp(b);
        assertEquals(401, whoAmI(b, first));
        assertEquals(401, whoAmI(a, second));
        assertEquals(401, whoAmI(a, first));
        assertEquals(401, whoAmI(b, second));
        // The closing rows are written after the refusal, off the request's path: wait for them (a liveness bound).
        List<List<String>> rows = List.of();
        for (long until = System.nanoTime() + 10_000_000_000L; System.nanoTime() < until; Thread.sleep(20)) {
            rows = TestPostgres.rows(db, "SELECT closed FROM ops_sessions WHERE name = 'carol'");
            if (rows.equals(List.of(List.of("t"), List.of("t")))) break;
        }
        assertEquals(List.of(List.of("t"), List.of("t")), rows,
                "the ended sessions are tombstones in the table, so every replica learns of them by seq");
    }

    @Test
    void theTableHoldsTheTokensSha256AndNeverTheToken() throws Exception {
        String session = a.opsSignIn(carol);
        String body = session.substring("ops_".length());
        List<List<String>> rows = TestPostgres.rows(db, "SELECT * FROM ops_sessions");
        assertEquals(1, rows.size(), "positive control: the session is in the table");
        String hash = HexFormat.of().formatHex(Hashes.sha256(session.getBytes(StandardCharsets.UTF_8)));
        assertTrue(rows.get(0).contains(hash), rows.toString());
        for (String column : rows.get(0)) {
            assertFalse(column != null && (column.contains(body) || column.contains(session)), column);
        }
    }

    @Test
    void usesThroughBKeepTheSessionAliveOnABeyondItsOwnIdleBound() throws Exception {
        String session = a.opsSignIn(carol);
        caughtUp(b);
        for (int i = 0; i < 3; i++) {
            advanceBoth(Duration.ofMinutes(10));
            long before = changeSeq();
            assertEquals(200, whoAmI(b, session), "use " + i + " through B");
            awaitChangeSeqAbove(before);
        }
        caughtUp(a);
        assertEquals(200, whoAmI(a, session), "30 minutes after A last saw it, B's uses keep it alive");
    }

    @Test
    void theIdleBoundAcrossReplicasIsFifteenMinutesPlusTheUpdateInterval() throws Exception {
        String session = a.opsSignIn(carol);
        b.clock.set(a.clock.instant()); // signing in moved A's clock to a fresh TOTP step
        caughtUp(b);
        advanceBoth(Duration.ofMinutes(5));
        long before = changeSeq();
        assertEquals(200, whoAmI(b, session)); // recorded: the first use through B
        awaitChangeSeqAbove(before);
        caughtUp(a);
        advanceBoth(Duration.ofMinutes(16).minusSeconds(1));
        assertEquals(200, whoAmI(a, session), "within 15 min plus the one-minute update interval");
        String other = a.opsSignIn(carol);
        caughtUp(b);
        b.clock.set(a.clock.instant());
        b.clock.advance(Duration.ofMinutes(16));
        assertEquals(401, whoAmI(b, other), "16 min after its last use anywhere, the session is over");
    }

    @Test
    void repeatedUsesWithinAMinuteRecordTheLastUseOnce() throws Exception {
        String session = a.opsSignIn(carol);
        caughtUp(b);
        advanceBoth(Duration.ofMinutes(2));
        long opened = changeSeq();
        assertEquals(200, whoAmI(b, session)); // recorded
        awaitChangeSeqAbove(opened);
        long before = changeSeq();
        for (int i = 0; i < 5; i++) {
            b.clock.advance(Duration.ofSeconds(10));
            assertEquals(200, whoAmI(b, session));
        }
        assertEquals(before, changeSeq(), "no write for uses within a minute of the last recorded one");
        b.clock.advance(Duration.ofSeconds(10)); // 60 s after the recorded use
        assertEquals(200, whoAmI(b, session));
        awaitChangeSeqAbove(before);
    }

    /**
     * The replica's change feed has read every change committed so far. {@code refresh()} returns at once while the
     * server's own periodic refresh runs, so one call is no proof: repeat until it reached the head read here.
     */
    private void caughtUp(TestAirlock replica) throws InterruptedException {
        long head = changeSeq();
        for (int i = 0; i < 500 && replica.airlock.database().orElseThrow().lastSeen() < head; i++) {
            replica.airlock.store.refresh();
            if (replica.airlock.database().orElseThrow().lastSeen() < head) Thread.sleep(10);
        }
        assertTrue(replica.airlock.database().orElseThrow().lastSeen() >= head, "the replica read the change feed");
    }

    private long changeSeq() {
        return Long.parseLong(TestPostgres.rows(db, "SELECT change_seq FROM change_head").get(0).get(0));
    }

    /** The recorded use is written after the answer (best effort): wait for it by polling the database, not a timer. */
    private void awaitChangeSeqAbove(long seq) throws InterruptedException {
        for (int i = 0; i < 500 && changeSeq() <= seq; i++) Thread.sleep(10);
        assertTrue(changeSeq() > seq, "the use a minute later is recorded");
    }
}
