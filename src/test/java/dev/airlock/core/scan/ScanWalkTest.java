package dev.airlock.core.scan;

import static dev.airlock.core.scan.ScanTrees.located;
import static dev.airlock.core.scan.ScanTrees.scan;
import static dev.airlock.core.scan.ScanTrees.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the scan walks a tree: its limits, symlinks, skipped folders, the ignore file, and the home locations. */
class ScanWalkTest {
    static final PlantedCredentials PLANT = new PlantedCredentials(4242);

    @TempDir
    Path root;
    @TempDir
    Path outside;

    String token() {
        return PLANT.github("ghp_");
    }

    @Test
    void scanWhenSymlinksLoopThenItTerminatesAndStillReadsTheRealFiles() throws Exception {
        write(root, "a/b/creds.txt", token() + "\n");
        Files.createSymbolicLink(root.resolve("a/b/up"), root.resolve("a"));
        Files.createSymbolicLink(root.resolve("a/self"), Path.of("."));
        ScanResult r = scan(root);
        assertEquals(List.of("a/b/creds.txt:1 github-token"), located(r), "found once, not once per way round the loop");
        assertEquals(List.of(), r.notes(), "links inside the tree are not notes");
    }

    @Test
    void scanWhenASymlinkPointsOutsideTheTreeThenItIsNotFollowedAndANoteSaysSo() throws Exception {
        write(outside, "aws-credentials", "aws_secret_access_key = " + PLANT.awsSecret() + "\n" + token() + "\n");
        Files.createSymbolicLink(root.resolve("creds"), outside.resolve("aws-credentials"));
        Files.createSymbolicLink(root.resolve("home"), outside);
        ScanResult r = scan(root);
        assertEquals(List.of(), located(r));
        assertEquals(List.of("creds", "home"), r.notes().stream().map(ScanNote::path).sorted().toList());
        assertTrue(r.notes().get(0).reason().startsWith("symlink to outside the scanned folder"), r.notes().toString());
    }

    @Test
    void scanWhenAFileIsLargerThanTheLimitThenItIsSkippedWithANote() throws Exception {
        Path big = root.resolve("dump.sql");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.write((token() + "\n").getBytes(StandardCharsets.US_ASCII));
            f.setLength(50L * 1024 * 1024);
        }
        ScanResult r = scan(root);
        assertEquals(List.of(), located(r));
        assertEquals(List.of(new ScanNote("dump.sql", "larger than 1048576 bytes (52428800); not read")), r.notes());
        assertEquals(false, r.truncated(), "one big file skipped is noted, the scan goes on");
    }

    @Test
    void scanWhenMaxFilesIsReachedThenItStopsAndSaysSo() throws Exception {
        for (int i = 0; i < 5; i++) write(root, "f" + i + ".txt", "nothing\n");
        ScanResult r = new CredentialScanner(ScanLimits.DEFAULT.withMaxFiles(3), List.of()).scan(root);
        assertEquals(3, r.filesScanned());
        assertTrue(r.truncated());
        assertTrue(r.notes().get(0).reason().contains("stopped after 3 files"), r.notes().toString());
    }

    @Test
    void scanWhenAFolderIsDeeperThanTheLimitThenANoteSaysSo() throws Exception {
        write(root, "1/2/3/4/5/deep.txt", token() + "\n");
        ScanResult r = new CredentialScanner(ScanLimits.QUICK, List.of()).scan(root);
        assertEquals(List.of(), located(r));
        assertEquals(List.of(new ScanNote("1/2/3/4/", "deeper than 4 folders; not entered")), r.notes());
    }

    @Test
    void scanSkipsBuildFoldersAndGitObjectsByDefaultButReadsGitConfig() throws Exception {
        write(root, "node_modules/pkg/.env", "API_TOKEN=" + PLANT.chars(PlantedCredentials.BASE62, 30) + "\n");
        write(root, "target/classes/app.properties", token() + "\n");
        write(root, ".git/objects/ab/cdef", token() + "\n");
        write(root, ".git/config", "[remote \"origin\"]\n\turl = https://x:" + token() + "@github.com/a/b\n");
        assertEquals(List.of(".git/config:2 github-token"), located(scan(root)));

        ScanResult all = new CredentialScanner(ScanLimits.DEFAULT.withBuildDirs(true), List.of()).scan(root);
        assertEquals(List.of(".git/config:2 github-token", ".git/objects/ab/cdef:1 github-token",
                "node_modules/pkg/.env:1 dotenv-secret", "target/classes/app.properties:1 github-token"), located(all));
    }

    @Test
    void scanSkipsBinaryFiles() throws Exception {
        byte[] text = (token() + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] binary = new byte[text.length + 1];
        System.arraycopy(text, 0, binary, 1, text.length); // a NUL first, as images and archives have
        Files.write(root.resolve("logo.png"), binary);
        assertEquals(List.of(), located(scan(root)));
    }

    @Test
    void scanWhenTheIgnoreFileListsAFileAGlobOrAFolderThenTheirFindingsAreNotReportedButCounted() throws Exception {
        write(root, ScanIgnore.FILE, "# fixtures reviewed in PR 123\ntest/fixtures/\n*.pem\ndocs/leak-example.md\n");
        write(root, "test/fixtures/deep/tokens.txt", token() + "\n");
        write(root, "keys/server.pem", PlantedCredentials.pemPrivateKey());
        write(root, "docs/leak-example.md", token() + "\n");
        write(root, "docs/other.md", token() + "\n");
        ScanResult r = scan(root);
        assertEquals(List.of("docs/other.md:1 github-token"), located(r));
        assertEquals(2, r.ignored(), "the folder is not entered; the two files are read and their findings counted");
    }

    @Test
    void scanWhenALineCarriesAnInlineIgnoreThenOnlyThatLineIsNotReported() throws Exception {
        write(root, "Fixture.java", "String t = \"" + token() + "\"; // airlock:ignore (fixture)\nString u = \"" + token()
                + "\";\n");
        ScanResult r = scan(root);
        assertEquals(List.of("Fixture.java:2 github-token"), located(r));
        assertEquals(1, r.ignored());
    }

    @Test
    void scanWhenTheFolderDoesNotExistThenItCannotScan() {
        ScanException e = assertThrows(ScanException.class, () -> scan(root.resolve("missing")));
        assertTrue(e.getMessage().contains("no such folder"), e.getMessage());
    }

    @Test
    void scanHomeReadsTheWellKnownLocationsAndNamesThemFromTheHomeDirectory() throws Exception {
        write(outside, ".aws/credentials", "[default]\naws_secret_access_key = " + PLANT.awsSecret() + "\n");
        write(outside, ".config/gcloud/legacy_credentials/dev@example.org/adc.json", "{\"refresh_token\": \""
                + PLANT.chars(PlantedCredentials.BASE62, 40) + "\"}\n");
        write(outside, "projects/app/.env", "API_TOKEN=" + PLANT.chars(PlantedCredentials.BASE62, 30) + "\n");
        ScanResult r = new CredentialScanner(ScanLimits.DEFAULT, List.of()).scanHome(outside);
        assertEquals(List.of("~/.aws/credentials:2 aws-credentials-file",
                "~/.config/gcloud/legacy_credentials/dev@example.org/adc.json:1 gcloud-credentials"), located(r),
                "the well-known places only, not the whole home directory");
    }

    @Test
    void scanWhenTheTotalByteBudgetIsReachedThenItStopsAndSaysSo() throws Exception {
        write(root, "a.txt", "x".repeat(600) + "\n");
        write(root, "b.txt", "y".repeat(600) + "\n");
        ScanResult r = new CredentialScanner(new ScanLimits(8, 100, 1024, 1000, false), List.of()).scan(root);
        assertTrue(r.truncated());
        assertEquals(2, r.filesScanned(), "the second file is counted as looked at, not read");
        assertTrue(r.notes().get(0).reason().startsWith("not read: the scan stopped after reading 601 bytes"),
                r.notes().toString());
    }

    @Test
    void scanListsAtMostMaxNotesAndCountsTheRest() throws Exception {
        for (int i = 0; i < CredentialScanner.MAX_NOTES + 5; i++) {
            Files.createSymbolicLink(root.resolve("link" + i), outside);
        }
        ScanResult r = scan(root);
        assertEquals(CredentialScanner.MAX_NOTES + 1, r.notes().size());
        assertEquals(new ScanNote("", "5 more notes not listed"), r.notes().get(CredentialScanner.MAX_NOTES));
    }

    @Test
    void scanWhenAnIgnoreLineIsInvalidOrTooLongThenItIsANoteAndIgnoresNothing() throws Exception {
        write(root, ScanIgnore.FILE, "docs/{a,b\n" + "x".repeat(ScanIgnore.MAX_LINE_LENGTH + 1) + "\n");
        write(root, "docs/a", token() + "\n");
        ScanResult r = scan(root);
        assertEquals(List.of("docs/a:1 github-token"), located(r));
        assertEquals(List.of(ScanIgnore.FILE + ":1", ScanIgnore.FILE + ":2"), r.notes().stream().map(ScanNote::path).toList());
    }
}
