package dev.airlock.store.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.crypto.SecretBox;
import dev.airlock.core.journal.StorageHealth;
import dev.airlock.core.store.AssertionLimits;
import dev.airlock.core.token.KeyChange;
import dev.airlock.core.token.KeyRing;
import dev.airlock.core.token.KeyRotation;
import dev.airlock.core.token.KeySchedule;
import dev.airlock.core.token.StoredKey;
import dev.airlock.testing.MutableClock;
import dev.airlock.testing.TestPostgres;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Signing keys in PostgreSQL (issue 14): two {@link PgStateStore}s on one database are two replicas; each schedule step
 * is one compare-and-set committed with its audit event, so replicas racing on the same step make it once.
 */
class PgKeyStoreTest {
    static final SecureRandom RANDOM = new SecureRandom();
    final SecretBox box = new SecretBox(new byte[32], RANDOM);
    final MutableClock clock = MutableClock.at("2026-12-07T02:00:00Z");
    final List<PgStateStore> opened = new ArrayList<>();
    TestPostgres.Database db;

    @BeforeEach
    void database() {
        db = TestPostgres.freshDatabase();
    }

    @AfterEach
    void close() {
        opened.forEach(PgStateStore::close);
    }

    PgStateStore replica() throws Exception {
        PgStateStore pg = PgStateStore.open(PgLocation.parse(db.url()), null, clock, AssertionLimits.DEFAULT,
                new StorageHealth(), null, null);
        opened.add(pg);
        return pg;
    }

    long events(PgStateStore pg, String type) throws Exception {
        return pg.auditLines().stream().filter(l -> l.contains("\"type\":\"" + type + "\"")).count();
    }

    @Test
    void aFirstKeyFromAReplicaThatSawAnEmptyStoreLosesToTheKeyAlreadyActive() throws Exception {
        PgStateStore a = replica();
        PgStateStore b = replica();
        KeyRing ringA = KeyRing.open(new PgKeyStore(a), box, JWSAlgorithm.EdDSA, clock, RANDOM, a);
        // B decided on an empty store before A committed (two replicas starting at once), and records its own:
        PgKeyStore keysB = new PgKeyStore(b);
        StoredKey theirs = keysB.list().get(0);
        StoredKey mine = new StoredKey("another-first-key", JWSAlgorithm.EdDSA, clock.instant(), clock.instant(),
                clock.instant(), theirs.sealed());
        assertFalse(keysB.record(new KeyChange.First(mine),
                List.of(AuditEvent.of("key.activated").with("kid", mine.kid()).build()), null));

        assertEquals(List.of(ringA.active().kid()), keysB.list().stream().map(StoredKey::kid).toList());
        assertEquals(1, events(a, "key.activated"), "the lost first key is not on the record");
    }

    @Test
    void twoReplicasStartingOnAnEmptyDatabaseAtOnceSignWithOneKey() throws Exception {
        PgStateStore a = replica();
        PgStateStore b = replica();
        CyclicBarrier together = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<KeyRing>> rings = new ArrayList<>();
            for (PgStateStore pg : List.of(a, b)) {
                Callable<KeyRing> open = () -> {
                    together.await(10, TimeUnit.SECONDS);
                    return KeyRing.open(new PgKeyStore(pg), box, JWSAlgorithm.EdDSA, clock, RANDOM, pg);
                };
                rings.add(pool.submit(open));
            }
            assertEquals(rings.get(0).get(20, TimeUnit.SECONDS).active().kid(),
                    rings.get(1).get(20, TimeUnit.SECONDS).active().kid());
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, new PgKeyStore(a).list().size());
        assertEquals(1, events(a, "key.activated"));
    }

    @Test
    void twoReplicasActingOnTheSameDueKeyActivateItOnceAndDeleteTheOldOneOnce() throws Exception {
        PgStateStore a = replica();
        PgStateStore b = replica();
        KeyRing ringA = KeyRing.open(new PgKeyStore(a), box, JWSAlgorithm.EdDSA, clock, RANDOM, a);
        String first = ringA.active().kid();
        StoredKey next = KeyRotation.publish(ringA, JWSAlgorithm.EdDSA, Duration.ofMinutes(1), clock, RANDOM, a);
        KeyRing ringB = KeyRing.open(new PgKeyStore(b), box, JWSAlgorithm.EdDSA, clock, RANDOM, b);
        assertEquals(1, events(a, "key.published"));

        clock.advance(Duration.ofMinutes(2));
        ringA.refresh(a);
        // B acts on the view it had before A's activation reached it (its notification still in flight):
        PgKeyStore keysB = new PgKeyStore(b);
        assertFalse(keysB.record(new KeyChange.Activate(next.activated(clock.instant())),
                List.of(AuditEvent.of("key.activated").with("kid", next.kid()).build()), null));
        ringB.refresh(b);
        assertEquals(next.kid(), ringA.active().kid());
        assertEquals(next.kid(), ringB.active().kid());
        assertEquals(2, events(a, "key.activated"), "the first key's and the rotation's, once each");
        assertEquals(1, events(a, "key.retired"));

        clock.advance(KeySchedule.RETIREMENT.plusMinutes(1));
        ringA.refresh(a);
        assertFalse(keysB.record(new KeyChange.Remove(first),
                List.of(AuditEvent.of("key.deleted").with("kid", first).build()), null));
        ringB.refresh(b);
        assertEquals(1, events(a, "key.deleted"));
        assertFalse(ringB.byKid(first).isPresent(), "withdrawn from B's JWKS too");
    }

    @Test
    void aKeyRowDeletedByHandIsWithdrawnByEveryReplicaThoughNoChangeWasAnnounced() throws Exception {
        PgStateStore a = replica();
        PgStateStore b = replica();
        KeyRing ringA = KeyRing.open(new PgKeyStore(a), box, JWSAlgorithm.EdDSA, clock, RANDOM, a);
        String leaked = ringA.active().kid();
        KeyRotation.publish(ringA, JWSAlgorithm.EdDSA, Duration.ZERO, clock, RANDOM, a);
        ringA.refresh(a);
        KeyRing ringB = KeyRing.open(new PgKeyStore(b), box, JWSAlgorithm.EdDSA, clock, RANDOM, b);
        b.refresh();
        ringB.refresh(b);
        assertTrue(ringB.byKid(leaked).isPresent(), "positive control: retired, still published");

        // The operator's emergency step for a leaked key: its row deleted by hand, no change sequence moved.
        TestPostgres.execute(db, "DELETE FROM signing_keys WHERE kid = '" + leaked + "'");
        for (int i = 0; i < 400 && ringB.byKid(leaked).isPresent(); i++) {
            Thread.sleep(50);
            b.refresh();
            ringB.refresh(b);
        }
        assertFalse(ringB.byKid(leaked).isPresent(), "withdrawn without any other change: " + ringB.statuses());
    }
}
