package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.core.journal.ServeLock;
import dev.airlock.testing.PolicyCopy;
import dev.airlock.testing.TestAirlock;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code airlock policy reload} and SIGHUP against a real server: the command goes through the data directory to the
 * server's own refresh; the signal path is the one {@code serve}'s handler runs ({@link ReloadSignal#onSignal}).
 */
class PolicyReloadCommandTest {
    static final String DEV_SCOPES = "      dev:\n        scopes: [db:read, db:write, volume:read, volume:write, service:read, service:restart]";
    static final String WITHOUT_VOLUME_WRITE = "      dev:\n        scopes: [db:read, db:write, volume:read, service:read, service:restart]";
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    @TempDir
    Path tmp;

    int run(String... args) {
        return new CommandLine(new PolicyCommand()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute(args);
    }

    @Test
    void policyReloadAgainstARunningServerReloadsAndTheNextTokenForARemovedScopeIsRefused() throws Exception {
        PolicyCopy policy = PolicyCopy.ofShipped(tmp);
        try (TestAirlock a = TestAirlock.start(policy.dir, Files.createDirectory(tmp.resolve("data")), JWSAlgorithm.EdDSA);
             ServeLock held = ServeLock.tryAcquire(a.dataDir).orElseThrow()) {
            String secret = a.issueSecret("coding-agent");
            policy.replace("agents.yaml", DEV_SCOPES, WITHOUT_VOLUME_WRITE);
            assertEquals(0, run("reload", "--data", a.dataDir.toString()), err.toString());
            assertTrue(out.toString().contains("policy reloaded"), out.toString());
            assertEquals(400, a.token("coding-agent", secret, "dev", "volume:write").status());
        }
    }

    @Test
    void policyReloadOfABrokenEditExitsOneWithTheLocatedProblemsAndTheServerKeepsItsPolicy() throws Exception {
        PolicyCopy policy = PolicyCopy.ofShipped(tmp);
        try (TestAirlock a = TestAirlock.start(policy.dir, Files.createDirectory(tmp.resolve("data")), JWSAlgorithm.EdDSA);
             ServeLock held = ServeLock.tryAcquire(a.dataDir).orElseThrow()) {
            String secret = a.issueSecret("coding-agent");
            policy.replace("agents.yaml", DEV_SCOPES, WITHOUT_VOLUME_WRITE + "\n        colour: blue");
            assertEquals(1, run("reload", "--data", a.dataDir.toString()));
            assertTrue(err.toString().matches("(?s).*agents\\.yaml:\\d+.*colour.*"), err.toString());
            assertEquals(200, a.token("coding-agent", secret, "dev", "volume:write").status());
        }
    }

    @Test
    void policyReloadWithNoServerOnTheDataDirectoryExitsTwoAndLeavesNoRequest() throws Exception {
        Path data = Files.createDirectory(tmp.resolve("data"), java.nio.file.attribute.PosixFilePermissions
                .asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        assertEquals(2, run("reload", "--data", data.toString()));
        assertTrue(err.toString().contains("no server is running"), err.toString());
        try (var files = Files.list(data)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith("policy-reload")));
        }
    }

    @Test
    void sighupHandlerInstallsAndItsPathReloadsThePolicy() throws Exception {
        PolicyCopy policy = PolicyCopy.ofShipped(tmp);
        try (TestAirlock a = TestAirlock.start(policy.dir, Files.createDirectory(tmp.resolve("data")), JWSAlgorithm.EdDSA)) {
            String secret = a.issueSecret("coding-agent");
            PrintWriter log = new PrintWriter(err, true);
            assertTrue(ReloadSignal.install(a.airlock, log), err.toString());
            policy.replace("agents.yaml", DEV_SCOPES, WITHOUT_VOLUME_WRITE);
            ReloadSignal.onSignal(a.airlock, log).join();
            assertTrue(err.toString().contains("SIGHUP: policy reloaded"), err.toString());
            assertEquals(400, a.token("coding-agent", secret, "dev", "volume:write").status());
        }
    }
}
