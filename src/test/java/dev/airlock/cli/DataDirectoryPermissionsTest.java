package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.testing.TestAirlock;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, must-show 7: {@code serve} refuses a data directory others could tamper with, or a master key others
 * could read, and says which; it creates its data directory owner-only. (Were a refusal missing, serve would start
 * and never return: the timeout turns that into a failure.)
 */
class DataDirectoryPermissionsTest {
    @TempDir
    Path tmp;

    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    private int serve(Path data, Path policy) {
        return assertTimeoutPreemptively(Duration.ofSeconds(60), () -> Main.commandLine()
                .setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute("serve", "--data", data.toString(), "--policy", policy.toString(),
                        "--port", String.valueOf(TestAirlock.freePort())));
    }

    private Path ownerOnlyDir(String name) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve(name));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        return dir;
    }

    @Test
    void serveWhenMasterKeyIsReadableByOthersThenRefusesToStartAndSaysWhy() throws Exception {
        Path data = ownerOnlyDir("data");
        Path key = data.resolve("master.key");
        Files.writeString(key, Base64.getEncoder().encodeToString(new byte[32]) + "\n");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));

        assertEquals(2, serve(data, TestAirlock.EXAMPLE_POLICY));
        assertTrue(err.toString().contains("refusing to start: refusing " + key + ": it is readable by group or others"
                + " (rw-r--r--)"), err.toString());
        assertTrue(err.toString().contains("chmod 600 " + key), err.toString());
    }

    @Test
    void serveWhenDataDirectoryIsWritableByOthersThenRefusesToStartAndSaysWhy() throws Exception {
        Path data = ownerOnlyDir("data");
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxrwxrwx"));

        assertEquals(2, serve(data, TestAirlock.EXAMPLE_POLICY));
        assertTrue(err.toString().contains("refusing data directory " + data + ": it is writable by others"
                + " (rwxrwxrwx)"), err.toString());
        assertTrue(Files.notExists(data.resolve("master.key")), "nothing is written into it");
    }

    @Test
    void serveCreatesItsDataDirectoryOwnerOnly() throws Exception {
        Path data = tmp.resolve("new").resolve("data");
        // A policy folder that does not exist stops the start after the data directory is made.
        assertEquals(2, serve(data, tmp.resolve("no-policy")));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data)));
    }
}
