package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * {@code airlock lint} reads {@code <policy>/providers/} with the server's own loader: a provider file that would
 * stop the server fails the lint in CI first. Each case is the shipped policy with one broken providers folder from
 * {@code src/test/resources/providers/} (the loader's own fixtures) in place of the shipped one.
 */
class LintProvidersTest {
    static final Path PROVIDER_FIXTURES = Path.of("src/test/resources/providers");
    static final String SECRET = "sk-live-4f9a8b7c6d5e"; // what the literal-credential fixtures paste in

    @TempDir
    Path policy;

    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    @ParameterizedTest
    @ValueSource(strings = {"literal-credential", "unknown-key", "unknown-scope", "bad-upstream", "bad-template",
            "bad-resources", "bad-name", "duplicate-rule", "overlap", "read-scope", "kind-keys", "shape-destructive",
            "shape-resources"})
    void aBrokenProviderFileExitsOneWithLocatedFindings(String fixture) throws IOException {
        withProviders(PROVIDER_FIXTURES.resolve(fixture));
        assertEquals(1, run("--policy", policy.toString()), err.toString());
        String[] findings = err.toString().strip().split("\\R");
        for (String f : findings) {
            assertTrue(f.startsWith(policy.resolve("providers") + "/"), "file:line: path: message expected: " + f);
        }
        String[] summary = out.toString().strip().split("\\R");
        assertTrue(summary[summary.length - 2].startsWith("policy OK: "), out.toString());
        assertEquals("providers INVALID: " + findings.length + (findings.length == 1 ? " problem" : " problems"),
                summary[summary.length - 1]);
        assertFalse(err.toString().contains(SECRET) || out.toString().contains(SECRET), "a pasted credential is echoed");
    }

    @Test
    void anUnreadableProviderFileExitsTwo() throws IOException {
        withProviders(PROVIDER_FIXTURES.resolve("unreadable"));
        assertEquals(2, run("--policy", policy.toString()), err.toString());
        assertTrue(err.toString().startsWith(policy.resolve("providers/demo.yaml") + ":5: "), err.toString());
        assertTrue(err.toString().contains("duplicate key 'credential'"), err.toString());
        assertEquals("providers UNREADABLE: 1 problem", last(out));
    }

    @Test
    void theShippedProvidersPassAndAreNamed() throws IOException {
        withProviders(Path.of("scopes/providers"));
        assertEquals(0, run("--policy", policy.toString()), err.toString());
        assertEquals("", err.toString());
        assertTrue(last(out).startsWith("providers OK: generic-rest (rest), railway (graphql)"), out.toString());
    }

    @Test
    void lintWhenARuleIsDestructiveByShapeButMapsToAWriteScopeThenTheFindingSaysWhichPartOfTheShape() throws IOException {
        withProviders(PROVIDER_FIXTURES.resolve("shape-destructive"));
        assertEquals(1, run("--policy", policy.toString()), err.toString());
        assertTrue(err.toString().contains(policy.resolve("providers/rest.yaml") + ":17: rules[1].scope: POST"
                + " /v1/volumes/{id}/purge is destructive by its shape (path segment 'purge' contains the destructive word"
                + " 'purge')"), err.toString());
        assertFalse(out.toString().contains("provider rules:"), "nothing is claimed about rules that did not load");
    }

    @Test
    void lintListsEveryResourcesNoneRuleAsAnAccountLevelActionWithProviderOperationScopeAndReason() throws IOException {
        withProviders(PROVIDER_FIXTURES.resolve("account-level"));
        assertEquals(0, run("--policy", policy.toString()), err.toString());
        String[] lines = out.toString().strip().split("\\R");
        assertEquals(List.of(
                "account-level action (resources: none): demo POST /v1/volumes -> volume:write: creates a new volume; the"
                        + " API assigns its id",
                "account-level action (resources: none): graph mutation projectCreate -> service:restart: a new project"
                        + " has no id yet",
                "provider rules: 5 classified by shape; 1 destructive by shape, all mapped to destructive scopes; every"
                        + " state-changing rule names its resources or declares resources: none (2 account-level actions)",
                "providers OK: demo (rest), graph (graphql); every rule names a known scope, no credential is written in"
                        + " a provider file"),
                List.of(lines).subList(lines.length - 4, lines.length));
    }

    @Test
    void aPolicyWithoutAProvidersFolderSaysNothingAboutProviders() throws IOException {
        copyPolicy();
        assertEquals(0, run("--policy", policy.toString()), err.toString());
        assertFalse(out.toString().contains("providers"), out.toString());
    }

    @Test
    void anInvalidPolicyIsReportedAloneSinceProvidersCannotBeCheckedAgainstIt() {
        Path broken = Path.of("src/test/resources/policies/broken-unknown-scope");
        assertEquals(1, run("--policy", broken.toString()));
        assertEquals("policy INVALID: 1 problem", out.toString().strip());
    }

    private void withProviders(Path from) throws IOException {
        copyPolicy();
        Path to = Files.createDirectories(policy.resolve("providers"));
        try (DirectoryStream<Path> files = Files.newDirectoryStream(from)) {
            for (Path f : files) Files.copy(f, to.resolve(f.getFileName().toString()));
        }
    }

    private void copyPolicy() throws IOException {
        for (String f : List.of("agents.yaml", "environments.yaml", "grants.yaml", "scopes.yaml")) {
            Files.copy(Path.of("scopes").resolve(f), policy.resolve(f));
        }
    }

    private static String last(StringWriter w) {
        String[] lines = w.toString().strip().split("\\R");
        return lines[lines.length - 1];
    }

    private int run(String... args) {
        CommandLine cmd = new CommandLine(new LintCommand());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute(args);
    }
}
