package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.journal.StorageHealth;
import dev.airlock.core.store.AssertionLimits;
import dev.airlock.store.postgres.PgLocation;
import dev.airlock.store.postgres.PgStateStore;
import dev.airlock.testing.TestPostgres;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state-changing commands with {@code --store}: the change and its event in PostgreSQL, nothing in --data. */
class StoreOptionTest {
    @TempDir
    Path data;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    @Test
    void envFreezeAndAgentAddWithStoreWriteTheChangeAndItsEventToPostgresql() throws Exception {
        TestPostgres.Database db = TestPostgres.freshDatabase();
        assertEquals(0, run("env", "freeze", "staging", "--store", db.url(), "--data", data.toString()), err.toString());
        assertEquals(0, run("agent", "add", "coding-agent", "--store", db.url(), "--data", data.toString()),
                err.toString());
        try (PgStateStore pg = PgStateStore.open(PgLocation.parse(db.url()), null, Clock.systemUTC(),
                AssertionLimits.DEFAULT, new StorageHealth(), null, null)) {
            assertTrue(pg.isFrozen("staging"));
            assertTrue(pg.agentSecretHash("coding-agent").isPresent());
            String log = String.join("\n", pg.auditLines());
            assertTrue(log.contains("\"type\":\"env.frozen\"") && log.contains("\"type\":\"agent.secret_issued\""), log);
        }
        assertFalse(Files.exists(data.resolve("state.journal")), "nothing written to the data directory's store");
    }

    @Test
    void aStoreUrlWithAPasswordIsRefusedAndNeverEchoed() {
        assertEquals(2, run("env", "freeze", "staging", "--store", "postgresql://u:hunter2secret@127.0.0.1/db?user=u",
                "--data", data.toString()));
        assertTrue(err.toString().contains("AIRLOCK_STORE_PASSWORD"), err.toString());
        assertFalse(err.toString().contains("hunter2secret") || out.toString().contains("hunter2secret"));
    }

    @Test
    void serveWithAPasswordInTheStoreUrlRefusesToStartAndNeverEchoesIt() {
        assertEquals(2, run("serve", "--store", "postgresql://127.0.0.1/db?user=u&password=hunter2secret",
                "--data", data.toString()));
        assertTrue(err.toString().contains("refusing to start") && err.toString().contains("AIRLOCK_STORE_PASSWORD"),
                err.toString());
        assertFalse(err.toString().contains("hunter2secret") || out.toString().contains("hunter2secret"));
    }

    private int run(String... args) {
        return Main.commandLine(args).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute(args);
    }
}
