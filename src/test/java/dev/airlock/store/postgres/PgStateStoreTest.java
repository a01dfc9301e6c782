package dev.airlock.store.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.grant.Grant;
import dev.airlock.core.journal.StorageHealth;
import dev.airlock.core.store.AssertionLimits;
import dev.airlock.core.store.AuditedWrites;
import dev.airlock.core.store.StateStore;
import dev.airlock.core.store.StateStoreContract;
import dev.airlock.testing.TestPostgres;
import dev.airlock.store.embedded.StateOp;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import java.time.Clock;

/** The store contract against PostgreSQL; two instances on one database are two replicas. */
class PgStateStoreTest extends StateStoreContract {
    private TestPostgres.Database db;

    @Override
    protected StateStore open(Path dir, Clock clock) throws Exception {
        return open(dir, clock, AssertionLimits.DEFAULT);
    }

    @Override
    protected StateStore open(Path dir, Clock clock, AssertionLimits limits) throws Exception {
        if (db == null) db = TestPostgres.freshDatabase();
        return PgStateStore.open(PgLocation.parse(db.url()), null, clock, limits, new StorageHealth(), null, null);
    }

    /** A trigger, created by the test, that raises on the audit row of one event type: the whole change rolls back. */
    @Override
    protected AuditedWrites auditedWritesFailingOn(StateStore store, String failingType) {
        TestPostgres.execute(db, "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$"
                + " BEGIN RAISE EXCEPTION 'audit row refused by the test'; END $$");
        TestPostgres.execute(db, "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW"
                + " WHEN (NEW.type = '" + failingType + "') EXECUTE FUNCTION refuse_audit()");
        return store.audited(event -> {
            throw new AssertionError("the PostgreSQL store writes its own audit rows");
        });
    }

    @Test
    void aLostSaveReReadsTheWinnerEvenBeforeAnyNotificationArrives() throws Exception {
        Grant v1 = pendingGrant("gr-quiet", t0);
        assertTrue(await(store.saveGrant(v1)));
        // Another replica's commit whose NOTIFY has not arrived: written straight into the table, no notification.
        Grant theirs = approvedBy(v1, "bob", t0.plusSeconds(1));
        TestPostgres.execute(db, "UPDATE grants SET version = 2, record = '"
                + new StateOp.SaveGrant(theirs).toJson().replace("'", "''") + "' WHERE id = 'gr-quiet'");
        assertFalse(await(store.saveGrant(approvedBy(v1, "alice", t0.plusSeconds(2)))));
        assertEquals(Optional.of(theirs), store.grant("gr-quiet"), "the loser's retry decides on the winner");
    }

    @Test
    void aDatabaseMigratedByANewerAirlockIsRefused() throws Exception {
        TestPostgres.execute(db, "INSERT INTO schema_version (version) VALUES (" + (PgSchema.CURRENT + 1) + ")");
        IOException refused = assertThrows(IOException.class, () -> open(dir, clock));
        assertTrue(refused.getMessage().contains("newer than this Airlock knows"), refused.getMessage());
    }

    @Test
    void everySessionCommitsSynchronouslyWhateverTheServerDefault() throws Exception {
        TestPostgres.execute(db, "ALTER DATABASE " + db.name() + " SET synchronous_commit = off");
        PgStateStore fresh = (PgStateStore) track(open(dir, clock));
        String setting = fresh.pool.query("SHOW synchronous_commit").execute().toCompletionStage()
                .toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS).iterator().next().getString(0);
        assertEquals("on", setting);
    }
}
