package dev.airlock.core.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How I/O failures read to a person. The JDK's AccessDeniedException carries only a path; this suite runs as root,
 * which no file mode denies, so the exception is made here as the JDK makes it, for a real file.
 */
class PrivateFilesTest {
    @TempDir
    Path dir;

    @Test
    void explainWhenPermissionIsDeniedThenSaysSoWithOwnerModeAndUser() throws Exception {
        Path journal = Files.createFile(dir.resolve("state.journal"));
        Files.setPosixFilePermissions(journal, PosixFilePermissions.fromString("r--------"));
        String owner = Files.getOwner(journal).getName();
        assertEquals("permission denied: " + journal + " (owner " + owner + ", mode r--------; Airlock runs as user "
                + System.getProperty("user.name") + ")", PrivateFiles.explain(new AccessDeniedException(journal.toString())));
    }

    @Test
    void explainKeepsOtherReasonsAndNamesMissingFiles() {
        assertEquals("no such file or directory: /x/master.key",
                PrivateFiles.explain(new NoSuchFileException("/x/master.key")));
        assertEquals("/x/audit.log: No space left on device", PrivateFiles.explain(
                new java.nio.file.FileSystemException("/x/audit.log", null, "No space left on device")));
        assertEquals("disk on fire", PrivateFiles.explain(new IOException("disk on fire")));
    }
}
