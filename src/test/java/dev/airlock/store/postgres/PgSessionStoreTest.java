package dev.airlock.store.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.journal.StorageHealth;
import dev.airlock.core.ops.OpsSessions;
import dev.airlock.core.ops.SessionStore;
import dev.airlock.core.ops.SessionStoreContract;
import dev.airlock.core.store.AssertionLimits;
import dev.airlock.testing.TestPostgres;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The session contract on PostgreSQL; each {@link #store()} is another replica's store on the same database. */
class PgSessionStoreTest extends SessionStoreContract {
    private final TestPostgres.Database db = TestPostgres.freshDatabase();
    private final List<PgStateStore> opened = new ArrayList<>();

    @Override
    protected SessionStore store() throws Exception {
        PgStateStore store = PgStateStore.open(PgLocation.parse(db.url()), null, clock, AssertionLimits.DEFAULT,
                new StorageHealth(), null, null);
        opened.add(store);
        return store.sessions();
    }

    @Override
    protected void caughtUp() throws Exception {
        long head = Long.parseLong(TestPostgres.rows(db, "SELECT change_seq FROM change_head").get(0).get(0));
        for (PgStateStore s : opened) {
            for (int i = 0; i < 500 && s.lastSeen() < head; i++) {
                s.refresh();
                if (s.lastSeen() < head) Thread.sleep(10);
            }
            assertTrue(s.lastSeen() >= head, "the store read the change feed");
        }
    }

    @AfterEach
    void close() {
        opened.forEach(PgStateStore::close);
    }

    @Test
    void aSessionOpenedThroughOneReplicaIsFoundThroughTheOtherAndClosedOnBoth() throws Exception {
        OpsSessions a = sessionsOver(store());
        OpsSessions b = sessionsOver(store());
        String token = a.open(account("alice")).join();
        caughtUp();
        assertTrue(b.lookup(token).isPresent());
        a.close(token).join();
        caughtUp();
        assertEquals(Optional.empty(), b.lookup(token));
    }

    @Test
    void closeAllThroughOneReplicaEndsTheAccountsSessionsOnTheOther() throws Exception {
        OpsSessions a = sessionsOver(store());
        OpsSessions b = sessionsOver(store());
        String token = b.open(account("alice")).join();
        String bobs = b.open(account("bob")).join();
        caughtUp();
        assertTrue(a.lookup(token).isPresent(), "positive control");
        a.closeAll("alice").join();
        caughtUp();
        assertEquals(Optional.empty(), b.lookup(token));
        assertTrue(b.lookup(bobs).isPresent());
    }

    @Test
    void aReplicaStartedLaterLearnsTheLiveSessionsAtOpen() throws Exception {
        OpsSessions a = sessionsOver(store());
        String token = a.open(account("alice")).join();
        OpsSessions later = sessionsOver(store());
        assertTrue(later.lookup(token).isPresent());
    }

    /**
     * A refresh that read the live row just before this replica's sign-out committed hands it over after the sign-out:
     * the session must not come back here until the tombstone arrives.
     */
    @Test
    void aLiveRowReadBackAfterASignOutHereDoesNotBringTheSessionBack() throws Exception {
        PgSessionStore store = (PgSessionStore) store();
        List<SessionStore.Row> told = java.util.Collections.synchronizedList(new ArrayList<>());
        store.follow(told::add);
        SessionStore.Row live = new SessionStore.Row("k".repeat(64), "alice", "e", T0, T0, false);
        store.opened(live).join();
        store.closed(live.key()).join();
        told.clear();
        store.fromFeed(live);
        // The store's own feed may also pass the tombstone on meanwhile (its NOTIFY): whatever arrives, nothing live.
        List<SessionStore.Row> snapshot;
        synchronized (told) {
            snapshot = List.copyOf(told);
        }
        assertFalse(snapshot.isEmpty());
        assertTrue(snapshot.stream().allMatch(SessionStore.Row::closed), "the stale live row is passed on as ended: "
                + snapshot);
    }

    /** A token is handed out only once its session is durable: a refused insert hands out none and keeps none. */
    @Test
    void aSignInWhoseRowCannotBeWrittenHandsOutNoToken() throws Exception {
        OpsSessions sessions = sessionsOver(store());
        TestPostgres.execute(db, "CREATE FUNCTION refuse_session() RETURNS trigger LANGUAGE plpgsql AS $$"
                + " BEGIN RAISE EXCEPTION 'session row refused by the test'; END $$");
        TestPostgres.execute(db, "CREATE TRIGGER refuse_session BEFORE INSERT ON ops_sessions FOR EACH ROW"
                + " EXECUTE FUNCTION refuse_session()");
        assertThrows(CompletionException.class, () -> sessions.open(account("alice")).join());
        assertEquals(0, sessions.size());
    }
}
