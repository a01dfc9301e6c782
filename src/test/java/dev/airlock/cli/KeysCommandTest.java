package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.store.postgres.PgLocation;
import dev.airlock.store.postgres.PgSettings;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestPostgres;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code airlock keys rotate|list} on the data directory of a running server, which picks the rotation up itself. */
class KeysCommandTest {
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    @TempDir
    Path tmp;

    int run(String... args) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        return new CommandLine(new KeysCommand()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute(args);
    }

    @Test
    void rotateWithStorePublishesInPostgresqlWithItsEventAndEveryReplicaServesIt() throws Exception {
        byte[] master = new byte[32];
        new java.security.SecureRandom().nextBytes(master);
        String masterKey = java.util.Base64.getEncoder().encodeToString(master);
        TestPostgres.Database db = TestPostgres.freshDatabase();
        PgSettings shared = new PgSettings(PgLocation.parse(db.url()), null);
        try (TestAirlock a = TestAirlock.startShared(TestAirlock.EXAMPLE_POLICY, Files.createDirectory(tmp.resolve("a")),
                null, masterKey, shared);
             TestAirlock b = TestAirlock.startShared(TestAirlock.EXAMPLE_POLICY, Files.createDirectory(tmp.resolve("b")),
                     null, masterKey, shared)) {
            Path cli = Files.createDirectory(tmp.resolve("cli"));
            Files.writeString(cli.resolve("master.key"), masterKey + "\n");
            Files.setPosixFilePermissions(cli.resolve("master.key"),
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            assertEquals(0, run("rotate", "--store", db.url(), "--data", cli.toString()), err.toString());
            Matcher m = Pattern.compile("published EdDSA key (\\S+);").matcher(out.toString());
            assertTrue(m.find(), out.toString());
            String kid = m.group(1);
            assertFalse(Files.exists(cli.resolve("keys")), "nothing written to the data directory");
            await(() -> a.get("/.well-known/jwks.json").body().contains(kid));
            await(() -> b.get("/.well-known/jwks.json").body().contains(kid));
            assertTrue(a.auditLines().stream().anyMatch(l -> l.contains("\"type\":\"key.published\"")
                    && l.contains(kid)), "key.published in the shared chain");
        }
    }

    @Test
    void rotateWithStoreUnderAnotherMasterKeyIsRefusedBeforeAnythingIsPublished() throws Exception {
        TestPostgres.Database db = TestPostgres.freshDatabase();
        PgSettings shared = new PgSettings(PgLocation.parse(db.url()), null);
        String masterKey = java.util.Base64.getEncoder().encodeToString(new byte[32]);
        try (TestAirlock a = TestAirlock.startShared(TestAirlock.EXAMPLE_POLICY, Files.createDirectory(tmp.resolve("a")),
                null, masterKey, shared)) {
            String jwks = a.get("/.well-known/jwks.json").body();
            Path cli = Files.createDirectory(tmp.resolve("cli")); // its own, new master key
            assertEquals(2, run("rotate", "--store", db.url(), "--data", cli.toString()), out.toString());
            assertTrue(err.toString().contains("cannot unseal"), err.toString());
            a.airlock.store.refresh();
            a.airlock.refreshKeys();
            assertEquals(jwks, a.get("/.well-known/jwks.json").body(), "no key the replicas cannot unseal");
        }
    }

    @Test
    void rotateOnARunningServersDataDirectoryPublishesAtOnceAndSignsOnlyAfterTheDelay() throws Exception {
        try (TestAirlock a = TestAirlock.start(TestAirlock.EXAMPLE_POLICY, Files.createDirectory(tmp.resolve("data")),
                JWSAlgorithm.EdDSA)) {
            String old = a.airlock.keys.active().kid();
            assertEquals(0, run("rotate", "--data", a.dataDir.toString(), "--alg", "ES256"), err.toString());
            Matcher m = Pattern.compile("published ES256 key (\\S+);").matcher(out.toString());
            assertTrue(m.find(), out.toString());
            String kid = m.group(1);
            await(() -> a.get("/.well-known/jwks.json").body().contains(kid));
            assertEquals(old, a.airlock.keys.active().kid(), "published, not signing");

            assertEquals(0, run("list", "--data", a.dataDir.toString()), err.toString());
            assertTrue(out.toString().matches("(?s).*" + Pattern.quote(kid) + "\\s+ES256\\s+next.*"), out.toString());
            assertTrue(out.toString().matches("(?s).*" + Pattern.quote(old) + "\\s+EdDSA\\s+active.*"), out.toString());

            assertEquals(2, run("rotate", "--data", a.dataDir.toString()));
            assertTrue(err.toString().contains("already pending"), err.toString());

            a.clock.advance(Duration.ofMinutes(7));
            await(() -> a.airlock.keys.active().kid().equals(kid));
            TestAirlock.Reply token = a.token("coding-agent", a.issueSecret("coding-agent"), "dev", "db:read");
            assertTrue(token.body().length() > 0 && token.status() == 200, token.body());
            String header = new String(java.util.Base64.getUrlDecoder().decode(
                    token.json().get("access_token").asText().split("\\.")[0]));
            assertTrue(header.contains(kid) && header.contains("ES256"), header);
        }
    }

    @Test
    void rotateWhereNoServerEverRanExitsTwoAndCreatesNothing() throws Exception {
        Path data = Files.createDirectory(tmp.resolve("data"), java.nio.file.attribute.PosixFilePermissions
                .asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        assertEquals(2, run("rotate", "--data", data.toString()));
        assertTrue(err.toString().contains("start the server once"), err.toString());
        assertFalse(Files.exists(data.resolve("keys")));
        assertFalse(Files.exists(data.resolve("master.key")));
    }

    @Test
    void rotateWithADelayBeyondADayIsRefused() throws Exception {
        try (TestAirlock a = TestAirlock.start(TestAirlock.EXAMPLE_POLICY, Files.createDirectory(tmp.resolve("data")),
                JWSAlgorithm.EdDSA)) {
            assertEquals(2, run("rotate", "--data", a.dataDir.toString(), "--publish-delay", "86401"));
            assertTrue(err.toString().contains("between 0 and 24 hours"), err.toString());
        }
    }

    interface Check {
        boolean get() throws Exception;
    }

    static void await(Check done) throws Exception {
        for (int i = 0; i < 600; i++) {
            if (done.get()) return;
            Thread.sleep(50);
        }
        throw new AssertionError("the server did not pick the change up");
    }
}
