package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.cli.GrantCommandTest.Run;
import dev.airlock.cli.GrantCommandTest.Runner;
import dev.airlock.core.scan.PlantedCredentials;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code airlock scan} as CI and an agent's start hook run it: exit 0 clean, 1 found, 2 cannot scan; findings grouped
 * by file with kind and fingerprint, or one JSON document; and no planted value anywhere in what it prints.
 */
class ScanCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tree;
    @TempDir
    Path home;

    final PlantedCredentials plant = new PlantedCredentials(2026);
    final List<String> planted = new ArrayList<>();

    String plant(String value) {
        planted.add(value);
        return value;
    }

    static void write(Path root, String relative, String content) throws IOException {
        Path f = root.resolve(relative);
        Files.createDirectories(f.getParent());
        Files.writeString(f, content);
    }

    @BeforeEach
    void plantATree() throws IOException {
        write(tree, ".env", "PORT=8080\nDATABASE_PASSWORD=" + plant(plant.chars("abcdefghijkmnpqrstuvwxyz23456789", 24))
                + "\nGITHUB_TOKEN=" + plant(plant.github("ghp_")) + "\nAPI_KEY=changeme\n");
        write(tree, "deploy/railway.sh", "RAILWAY_TOKEN=" + plant(plant.uuid()) + " railway up\n");
        write(tree, "deploy/aws.ini", "aws_access_key_id=" + plant(plant.awsKeyId()) + "\naws_secret_access_key="
                + plant(plant.awsSecret()) + "\n");
        write(tree, "src/Main.java", "class Main {}\n");
        try (RandomAccessFile f = new RandomAccessFile(tree.resolve("dump.sql").toFile(), "rw")) {
            f.setLength(50L * 1024 * 1024);
        }
    }

    static Run scan(String... args) {
        List<String> all = new ArrayList<>(List.of("scan"));
        all.addAll(List.of(args));
        return Runner.run(null, all.toArray(String[]::new));
    }

    void assertNoValueIn(Run r) {
        for (String v : planted) {
            assertFalse(r.out().contains(v) || r.err().contains(v), "a planted value was printed: " + r);
        }
    }

    @Test
    void scanWhenTheTreeHoldsCredentialsThenExitOneGroupedByFileWithWhatToDoAndNoValue() {
        Run r = scan(tree.toString());
        assertEquals(ScanCommand.FOUND, r.exit(), r.err());
        assertEquals("", r.err());
        assertNoValueIn(r);
        String out = r.out();
        assertTrue(out.startsWith(".env\n  line 2  dotenv-secret          sha256:"), out);
        assertTrue(out.contains("\n  line 3  github-token           sha256:"), out);
        assertTrue(out.contains("\ndeploy/aws.ini\n  line 1  aws-access-key         sha256:"), out);
        assertTrue(out.contains("\ndeploy/railway.sh\n  line 1  provider:railway       sha256:"), out);
        assertTrue(out.contains("  -> /proxy/railway/"), "the shipped railway provider is named: " + out);
        assertTrue(out.contains("Not scanned:\n  dump.sql: larger than 1048576 bytes (52428800); not read"), out);
        assertTrue(out.contains("4 standing credentials in 3 files that an agent working in " + tree + " can read"), out);
        assertTrue(out.contains("What to do:\n  dotenv-secret: revoke it at the provider"), out);
        assertTrue(out.contains("/proxy/<provider>/"), out);
    }

    @Test
    void scanJsonIsOneDocumentWithEveryFindingAndNoValue() throws Exception {
        Run r = scan(tree.toString(), "--json");
        assertEquals(ScanCommand.FOUND, r.exit(), r.err());
        assertNoValueIn(r);
        JsonNode doc = JSON.readTree(r.out());
        assertEquals("airlock-scan/1", doc.get("schema").asText());
        assertEquals(tree.toString(), doc.get("root").asText());
        assertEquals(1, doc.get("exit_code").asInt());
        assertFalse(doc.get("truncated").asBoolean());
        List<String> located = new ArrayList<>();
        for (JsonNode f : doc.get("findings")) {
            located.add(f.get("path").asText() + ":" + f.get("line").asInt() + " " + f.get("kind").asText());
            assertTrue(f.get("fingerprint").asText().matches("sha256:[0-9a-f]{12}"), f.toString());
            assertFalse(f.get("advice").asText().isEmpty());
        }
        assertEquals(List.of(".env:2 dotenv-secret", ".env:3 github-token", "deploy/aws.ini:1 aws-access-key",
                "deploy/railway.sh:1 provider:railway"), located);
        assertEquals("railway", doc.get("findings").get(3).get("provider").asText());
        assertTrue(doc.get("findings").get(0).get("provider").isNull());
        assertEquals("dump.sql", doc.get("notes").get(0).get("path").asText());
        assertTrue(doc.get("files_scanned").asInt() >= 5);
    }

    @Test
    void scanWhenNothingIsFoundThenExitZero() throws Exception {
        Path clean = Files.createDirectories(tree.resolve("src"));
        Run r = scan(clean.toString());
        assertEquals(ScanCommand.CLEAN, r.exit(), r.err());
        assertEquals("No standing credentials found in " + clean + " (1 file scanned).", r.out().strip());
        assertEquals(0, JSON.readTree(scan(clean.toString(), "--json").out()).get("exit_code").asInt());
    }

    @Test
    void scanWhenTheFolderCannotBeScannedThenExitTwo() throws Exception {
        Path missing = tree.resolve("missing");
        Run r = scan(missing.toString());
        assertEquals(ScanCommand.CANNOT_SCAN, r.exit());
        assertEquals("airlock scan: cannot scan " + missing + ": no such folder or not readable", r.err().strip());
        Run j = scan(missing.toString(), "--json");
        assertEquals(ScanCommand.CANNOT_SCAN, j.exit());
        assertTrue(JSON.readTree(j.out()).get("error").asText().startsWith("cannot scan"), j.out());
    }

    @Test
    void scanWhenThePolicyNamedDoesNotLoadThenExitTwo() throws Exception {
        Path policy = Files.createDirectories(home.resolve("policy/providers"));
        Run r = scan(tree.toString(), "--policy", policy.getParent().toString());
        assertEquals(ScanCommand.CANNOT_SCAN, r.exit(), r.out());
        assertTrue(r.err().contains("does not load"), r.err());
    }

    @Test
    void scanWithIncludeHomeAlsoReadsTheWellKnownFilesThereAndNamesThemFromHome() throws Exception {
        Path clean = Files.createDirectories(tree.resolve("src"));
        write(home, ".aws/credentials", "[default]\naws_secret_access_key = " + plant(plant.awsSecret()) + "\n");
        Run r = scan(clean.toString(), "--include-home", "--home", home.toString(), "--json");
        assertEquals(ScanCommand.FOUND, r.exit(), r.err());
        assertNoValueIn(r);
        JsonNode f = JSON.readTree(r.out()).get("findings").get(0);
        assertEquals("~/.aws/credentials", f.get("path").asText());
        assertEquals("aws-credentials-file", f.get("kind").asText());
        assertEquals(ScanCommand.CLEAN, scan(clean.toString()).exit(), "without the option, home is not read");
    }

    @Test
    void scanWhenMaxFilesStopsItThenTheOutputSaysSoAndTheJsonIsTruncated() throws Exception {
        Run r = scan(tree.toString(), "--max-files", "1");
        assertTrue(r.out().contains("STOPPED at a limit: not every file was read"), r.out());
        assertTrue(JSON.readTree(scan(tree.toString(), "--max-files", "1", "--json").out()).get("truncated").asBoolean());
        assertEquals(2, scan(tree.toString(), "--max-files", "0").exit(), "a usage error");
    }
}
