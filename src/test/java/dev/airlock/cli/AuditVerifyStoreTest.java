package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditKey;
import dev.airlock.core.crypto.SecretBox;
import dev.airlock.core.journal.StorageHealth;
import dev.airlock.core.store.AssertionLimits;
import dev.airlock.core.store.StateChange;
import dev.airlock.store.postgres.PgLocation;
import dev.airlock.store.postgres.PgStateStore;
import dev.airlock.testing.MutableClock;
import dev.airlock.testing.TestPostgres;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code airlock audit verify --store}: the chain in PostgreSQL, checked by the same verifier as the file. */
class AuditVerifyStoreTest {
    @TempDir
    Path dir;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    TestPostgres.Database db;
    PgStateStore reader;

    AuditKey key;
    final MutableClock clock = MutableClock.at("2030-01-01T00:00:00Z");

    @BeforeEach
    void writeSignedChain() throws Exception {
        db = TestPostgres.freshDatabase();
        SecureRandom random = new SecureRandom();
        byte[] master = new byte[32];
        random.nextBytes(master);
        key = AuditKey.openOrCreate(dir, new SecretBox(master, random), clock, random);
        // A server's store: a change with its event, decisions, and a signed checkpoint when it closes.
        try (PgStateStore server = PgStateStore.open(PgLocation.parse(db.url()), null, clock, AssertionLimits.DEFAULT,
                new StorageHealth(), key, null)) {
            server.apply(AuditEvent.of("token.revoked").with("jti", "j-1").build(),
                    new StateChange.Revoke("j-1", Instant.parse("2030-01-01T00:10:00Z"))).get(10, TimeUnit.SECONDS);
            for (int i = 0; i < 3; i++) {
                server.append(AuditEvent.of("token.issued").with("n", i).build()).get(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void verifyStoreOnAnIntactChainPrintsOkAndTheCheckpointsKey() {
        assertEquals(0, run("verify", "--store", db.url()), err.toString());
        assertTrue(out.toString().startsWith("audit log OK: 5 events"), out.toString());
        assertTrue(out.toString().contains("1 signed checkpoint(s)"), out.toString());
    }

    @Test
    void aServerOpeningSignsTheLinesTheCliAppendedWhileNoServerRan() throws Exception {
        try (PgStateStore cli = PgStateStore.open(PgLocation.parse(db.url()), null, clock, AssertionLimits.DEFAULT,
                new StorageHealth(), null, null)) {
            cli.apply(AuditEvent.of("env.frozen").with("env", "staging").build(),
                    new StateChange.Freeze("staging", true)).get(10, TimeUnit.SECONDS);
        }
        assertEquals(0, run("verify", "--store", db.url()), err.toString());
        assertTrue(out.toString().contains("1 line(s) after the last checkpoint not signed yet"), out.toString());
        PgStateStore.open(PgLocation.parse(db.url()), null, clock, AssertionLimits.DEFAULT, new StorageHealth(), key,
                null).close();
        out.getBuffer().setLength(0);
        assertEquals(0, run("verify", "--store", db.url()), err.toString());
        assertTrue(out.toString().contains("2 signed checkpoint(s)")
                && out.toString().contains("0 line(s) after the last checkpoint"), out.toString());
    }

    @Test
    void verifyStoreWhenARowWasEditedThenExitOneNamingTheLine() {
        TestPostgres.execute(db, "UPDATE audit_log SET line = replace(line, '\"n\":1', '\"n\":7') WHERE seq = 3");
        assertEquals(1, run("verify", "--store", db.url()));
        assertTrue(err.toString().contains("(edited)"), err.toString());
    }

    @Test
    void verifyStoreWhenARowWasEditedAndEveryHashRecomputedThenTheSignedCheckpointFails() throws Exception {
        List<String> lines = readLines();
        String prev = "0".repeat(64);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (i == 2) line = line.replace("\"n\":1", "\"n\":7");
            String unsealed = line.substring(0, line.lastIndexOf(",\"hash\":\"")) + "}";
            unsealed = unsealed.replaceFirst("\"prev\":\"[0-9a-f]{64}\"", "\"prev\":\"" + prev + "\"");
            prev = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(unsealed.getBytes(StandardCharsets.UTF_8)));
            String sealed = unsealed.substring(0, unsealed.length() - 1) + ",\"hash\":\"" + prev + "\"}";
            TestPostgres.execute(db, "UPDATE audit_log SET line = '" + sealed.replace("'", "''") + "' WHERE seq = "
                    + (i + 1));
        }
        assertEquals(1, run("verify", "--store", db.url()));
        assertFalse(err.toString().contains("(edited)"), "every hash matches its line: " + err);
        assertTrue(err.toString().contains("checkpoint"), err.toString());
    }

    @Test
    void verifyStoreWithAPasswordInTheUrlIsRefusedAndSaysWhereThePasswordGoes() {
        assertEquals(2, run("verify", "--store", "postgresql://airlock:hunter2secret@127.0.0.1:5432/airlock"));
        assertTrue(err.toString().contains(PgLocation.PASSWORD_ENV) && err.toString().contains("--store-password-file"),
                err.toString());
        assertFalse(err.toString().contains("hunter2secret"), err.toString());
        assertEquals(2, run("verify", "--store", "postgresql://127.0.0.1/airlock?user=a&password=hunter2secret"));
        assertFalse(err.toString().contains("hunter2secret"), err.toString());
    }

    private List<String> readLines() throws Exception {
        try (PgStateStore s = PgStateStore.open(PgLocation.parse(db.url()), null, MutableClock.at("2030-01-01T00:00:00Z"),
                AssertionLimits.DEFAULT, new StorageHealth(), null, null)) {
            return s.auditLines();
        }
    }

    private int run(String... args) {
        return new CommandLine(new AuditCommand()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute(args);
    }
}
