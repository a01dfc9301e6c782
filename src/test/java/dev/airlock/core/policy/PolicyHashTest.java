package dev.airlock.core.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The policy's hash: the files the loaders read and nothing else, and the same as the shell recipe operators use. */
class PolicyHashTest {
    @TempDir
    Path dir;

    private Path copyOfExamplePolicy() throws Exception {
        Path copy = dir.resolve("scopes");
        try (Stream<Path> files = Files.walk(Path.of("scopes"))) {
            for (Path p : files.toList()) {
                Path target = copy.resolve(Path.of("scopes").relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target);
            }
        }
        return copy;
    }

    @Test
    void hashWhenOnlyFilesThatAreNotPolicyChangeThenUnchanged() throws Exception {
        Path policy = copyOfExamplePolicy();
        String before = PolicyHash.of(policy);
        Files.writeString(policy.resolve("README.md"), "notes");
        Files.writeString(policy.resolve(".agents.yaml.swp"), "editor state");
        Files.createDirectories(policy.resolve("old")).resolve("agents.yaml").toFile().createNewFile();
        assertEquals(before, PolicyHash.of(policy));
    }

    @Test
    void hashWhenAPolicyOrProviderFileChangesThenChanged() throws Exception {
        Path policy = copyOfExamplePolicy();
        String before = PolicyHash.of(policy);
        Files.writeString(policy.resolve("agents.yaml"), "\n", StandardOpenOption.APPEND);
        String afterAgents = PolicyHash.of(policy);
        assertNotEquals(before, afterAgents);
        Files.writeString(policy.resolve("providers/railway.yaml"), "\n", StandardOpenOption.APPEND);
        assertNotEquals(afterAgents, PolicyHash.of(policy));
    }

    @Test
    void hashEqualsTheShellRecipeInDocsOperations() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/sha256sum")), "coreutils' sha256sum is not installed");
        Path policy = copyOfExamplePolicy();
        Process p = new ProcessBuilder("bash", "-c", "cd '" + policy + "' && ls *.yaml *.yml providers/*.yaml"
                + " providers/*.yml 2>/dev/null | LC_ALL=C sort | xargs sha256sum | sha256sum")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        assertEquals("sha256:" + out.split(" ")[0], PolicyHash.of(policy), out);
    }
}
