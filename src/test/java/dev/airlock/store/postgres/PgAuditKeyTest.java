package dev.airlock.store.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.audit.AuditKey;
import dev.airlock.core.crypto.SecretBox;
import dev.airlock.core.journal.StorageHealth;
import dev.airlock.core.store.AssertionLimits;
import dev.airlock.testing.MutableClock;
import dev.airlock.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared audit key (issue 14): one per database, whichever replica starts first. */
class PgAuditKeyTest {
    static final SecureRandom RANDOM = new SecureRandom();
    final SecretBox box = new SecretBox(new byte[32], RANDOM);
    final MutableClock clock = MutableClock.at("2026-12-07T02:00:00Z");
    @TempDir
    Path dirA;
    @TempDir
    Path dirB;

    PgStateStore open(TestPostgres.Database db) throws Exception {
        return PgStateStore.open(PgLocation.parse(db.url()), null, clock, AssertionLimits.DEFAULT, new StorageHealth(),
                null, null);
    }

    @Test
    void aServerMovingToPostgresqlKeepsItsAuditKeySoTheFingerprintAlreadyPinnedStaysValid() throws Exception {
        TestPostgres.Database db = TestPostgres.freshDatabase();
        String pinned = AuditKey.openOrCreate(dirA, box, clock, RANDOM).fingerprint();
        AuditKey.openOrCreate(dirB, box, clock, RANDOM); // B has a key of its own, from before
        try (PgStateStore a = open(db); PgStateStore b = open(db)) {
            AuditKey first = PgAuditKey.openOrCreate(a, dirA, box, clock, RANDOM);
            AuditKey second = PgAuditKey.openOrCreate(b, dirB, box, clock, RANDOM);
            assertEquals(pinned, first.fingerprint());
            assertEquals(pinned, second.fingerprint(), "B signs with the store's key, not its own file's");
            assertTrue(first.created());
            assertFalse(second.created());
            assertEquals(1, a.auditLines().stream().filter(l -> l.contains("\"type\":\"audit.key_created\"")).count());
        }
    }

    @Test
    void withNoKeyAnywhereTheFirstReplicaCreatesOneAndWritesNoFile() throws Exception {
        TestPostgres.Database db = TestPostgres.freshDatabase();
        try (PgStateStore a = open(db)) {
            AuditKey key = PgAuditKey.openOrCreate(a, dirA, box, clock, RANDOM);
            assertEquals(key.fingerprint(), PgAuditKey.openOrCreate(a, dirA, box, clock, RANDOM).fingerprint());
            assertFalse(Files.exists(dirA.resolve(AuditKey.FILE)));
        }
    }
}
