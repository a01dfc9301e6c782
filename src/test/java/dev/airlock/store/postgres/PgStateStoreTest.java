package dev.airlock.store.postgres;

import dev.airlock.core.journal.StorageHealth;
import dev.airlock.core.store.AssertionLimits;
import dev.airlock.core.store.StateStore;
import dev.airlock.core.store.StateStoreContract;
import dev.airlock.testing.TestPostgres;
import java.nio.file.Path;
import java.time.Clock;

/** The store contract against PostgreSQL; two instances on one database are two replicas. */
class PgStateStoreTest extends StateStoreContract {
    private TestPostgres.Database db;

    @Override
    protected StateStore open(Path dir, Clock clock) throws Exception {
        if (db == null) db = TestPostgres.freshDatabase();
        return PgStateStore.open(PgLocation.parse(db.url()), null, clock, AssertionLimits.DEFAULT,
                new StorageHealth(), null, null);
    }
}
