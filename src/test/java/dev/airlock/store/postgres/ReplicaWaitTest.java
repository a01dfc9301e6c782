package dev.airlock.store.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.cli.Main;
import dev.airlock.core.journal.StorageHealth;
import dev.airlock.core.store.AssertionLimits;
import dev.airlock.testing.TestPostgres;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, must-show 6: a state-changing command run with {@code --store} has taken effect on every replica when it
 * returns. Serving replicas record how far they have read the change feed ({@code replicas}); the command waits until
 * every live one has read its change, and names any that has not after the wait.
 */
class ReplicaWaitTest {
    @TempDir
    Path data;

    static PgStateStore open(TestPostgres.Database db) throws Exception {
        return PgStateStore.open(PgLocation.parse(db.url()), null, Clock.systemUTC(), AssertionLimits.DEFAULT,
                new StorageHealth(), null, null);
    }

    @Test
    void whenTheWaitForTheReplicasEndsEveryLiveReplicaHasTheChange() throws Exception {
        TestPostgres.Database db = TestPostgres.freshDatabase();
        try (PgStateStore a = open(db); PgStateStore b = open(db); PgStateStore cli = open(db)) {
            a.serveAsReplica("a");
            b.serveAsReplica("b");
            for (int i = 0; i < 20; i++) {
                String jti = "jti-" + i;
                cli.revoke(jti, java.time.Instant.now().plusSeconds(600)).join();
                assertEquals(List.of(), cli.awaitReplicas(Duration.ofSeconds(10)));
                assertTrue(a.isRevoked(jti) && b.isRevoked(jti), "in effect on both when the wait ends: " + jti);
            }
        }
    }

    @Test
    void aLiveReplicaThatHasNotReadTheChangeIsNamedAndOneNotHeardFromIsNotWaitedFor() throws Exception {
        TestPostgres.Database db = TestPostgres.freshDatabase();
        try (PgStateStore cli = open(db)) {
            TestPostgres.execute(db, "INSERT INTO replicas VALUES ('stuck', 0, now()), ('gone', 0, now() - interval '1 hour')");
            cli.setFrozen("staging", true).join();
            List<PgReplicas.Behind> behind = cli.awaitReplicas(Duration.ofMillis(300));
            assertEquals(List.of("stuck"), behind.stream().map(PgReplicas.Behind::id).toList());
        }
    }

    @Test
    void aReplicaThatClosesLeavesTheTable() throws Exception {
        TestPostgres.Database db = TestPostgres.freshDatabase();
        try (PgStateStore cli = open(db)) {
            PgStateStore a = open(db);
            a.serveAsReplica("a");
            cli.setFrozen("dev", true).join();
            assertEquals(List.of(), cli.awaitReplicas(Duration.ofSeconds(10)));
            a.close();
            cli.setFrozen("dev", false).join();
            assertEquals(List.of(), cli.awaitReplicas(Duration.ofMillis(300)), "a closed replica is not waited for");
        }
    }

    @Test
    void aStoreCommandNamesAReplicaThatHasNotReadItsChangeAndStillSucceeds() {
        TestPostgres.Database db = TestPostgres.freshDatabase();
        try (PgStateStore first = open(db)) {
            // the schema exists once a store opened
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        TestPostgres.execute(db, "INSERT INTO replicas VALUES ('stuck-replica', 0, now() + interval '1 minute')");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = Main.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute("env", "freeze", "staging", "--store", db.url(), "--data", data.toString());
        assertEquals(0, rc, err.toString());
        assertTrue(err.toString().contains("replica stuck-replica has not read it yet"), err.toString());
    }
}
