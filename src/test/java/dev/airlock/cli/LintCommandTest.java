package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.PolicyLoader;
import dev.airlock.core.proxy.CredentialSource;
import dev.airlock.core.proxy.Injection;
import dev.airlock.core.proxy.PathTemplate;
import dev.airlock.core.proxy.Provider;
import dev.airlock.core.proxy.ProviderLint;
import dev.airlock.core.proxy.Providers;
import dev.airlock.core.proxy.RestMapper;
import dev.airlock.core.proxy.RestRule;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class LintCommandTest {
    static final Path FIXTURES = Path.of("src/test/resources/policies");

    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    @Test
    void shippedPolicyExitsZeroAndSaysWhatItProved() {
        assertEquals(0, run("--policy", "scopes"));
        assertEquals("", err.toString());
        String[] lines = out.toString().strip().split("\\R");
        assertEquals(12, lines.length, out.toString());
        assertEquals("coding-agent in production: automatic: db:read; only through a human grant: db:drop, service:delete, volume:delete",
                lines[2]);
        assertEquals("policy OK: 3 environments, 14 scopes (5 destructive, 5 of them by a built-in destructive word in the"
                + " verb), 3 agents; no agent can reach a destructive scope without a human grant", lines[7]);
        assertEquals("introspection: only api-gateway (staging, production) may introspect tokens, of those"
                + " environments", lines[5]);
        assertEquals("account-level action (resources: none): generic-rest POST /v1/volumes -> volume:write: creates a new"
                + " volume; the API assigns its id, so there is no resource to check yet", lines[8]);
        assertEquals("account-level action (resources: none): volumes-mcp tools/call list_volumes -> volume:read: lists"
                + " the volumes the provider account can see", lines[9]);
        assertEquals("provider rules: 28 classified by shape; 8 destructive by shape, all mapped to destructive scopes;"
                + " every state-changing rule names its resources or declares resources: none (2 account-level actions)",
                lines[10]);
        assertEquals("providers OK: generic-rest (rest), railway (graphql), volumes-mcp (mcp); every rule names a known"
                + " scope, no credential is written in a provider file", lines[11]);
    }

    @Test
    void policyFolderDefaultsToScopes() {
        assertEquals(0, run());
        assertTrue(out.toString().contains("policy OK: 3 environments"), out.toString());
    }

    @Test
    void findingsGoToStderrAsFileLinePathMessageWithTheFolderPrefixed() {
        Path dir = FIXTURES.resolve("broken-unknown-scope");
        assertEquals(1, run("--policy", dir.toString()));
        assertEquals(dir.resolve("agents.yaml") + ":22: agents[1].environments.staging.scopes[2]: unknown scope 'volume:wipe'",
                err.toString().strip());
        assertEquals("policy INVALID: 1 problem", out.toString().strip());
    }

    @ParameterizedTest
    @ValueSource(strings = {"broken-unknown-key", "broken-wrong-types", "broken-missing-field", "broken-durations",
            "broken-duplicate-environment", "broken-duplicate-audience", "broken-duplicate-scope", "broken-duplicate-agent",
            "broken-lowered-destructive", "broken-malformed-names", "broken-resource-overlap", "broken-duplicate-resource",
            "broken-unknown-resource-type", "broken-unknown-environment", "broken-unknown-scope",
            "broken-destructive-in-scopes", "broken-grant-required-in-default-scopes", "broken-automatic-in-grantable",
            "broken-default-not-subset", "broken-private-jwk", "broken-jwks-missing", "broken-jwks-forbidden",
            "broken-no-environments", "broken-agent-without-environments", "broken-unknown-file",
            "broken-scopes-not-a-list"})
    void invalidPolicyExitsOne(String fixture) {
        Path dir = FIXTURES.resolve(fixture);
        assertEquals(1, run("--policy", dir.toString()), err.toString());
        assertTrue(err.toString().startsWith(dir.toString()), err.toString());
        assertTrue(out.toString().startsWith("policy INVALID: "), out.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"broken-yaml-syntax", "broken-missing-file", "broken-duplicate-key", "broken-yaml-alias"})
    void unreadablePolicyExitsTwo(String fixture) {
        assertEquals(2, run("--policy", FIXTURES.resolve(fixture).toString()), err.toString());
        assertEquals("policy UNREADABLE: 1 problem", out.toString().strip());
    }

    @Test
    void missingFolderExitsTwo() {
        Path dir = FIXTURES.resolve("no-such-policy");
        assertEquals(2, run("--policy", dir.toString()));
        assertEquals(dir + ": not a policy folder (no such directory)", err.toString().strip());
    }

    @Test
    void warningsAreShownButDoNotFailTheLint() {
        Path dir = FIXTURES.resolve("warn-environment-without-resources");
        assertEquals(0, run("--policy", dir.toString()));
        assertEquals(dir.resolve("environments.yaml") + ":13: environments[2]: warning: environment 'qa' owns no resources:"
                + " no resource check can succeed in it", err.toString().strip());
    }

    @Test
    void lintWhenTheReDerivedClassificationFindsAViolationThenExitsOneAndClaimsNothingAboutProviders() throws Exception {
        // The loader refuses such a rule first; lint's own derivation must still fail it should the loader ever not.
        Policy policy = PolicyLoader.load(Path.of("scopes"));
        Providers providers = new Providers(List.of(new Provider("demo", Provider.Kind.REST,
                URI.create("https://api.example.com"), new CredentialSource.FromEnv("DEMO_TOKEN"),
                Injection.of("Authorization", "Bearer {credential}"), new RestMapper("demo", List.of(new RestRule("DELETE",
                PathTemplate.parse("/v1/databases/{id}"), "db:write", List.of(new RestRule.FromPath("id")), null))))));
        LintCommand lint = new LintCommand();
        lint.policy = Path.of("scopes");
        int exit = lint.report(providers, ProviderLint.of(providers, policy), new PrintWriter(err, true),
                new PrintWriter(out, true));
        assertEquals(1, exit);
        assertEquals("scopes/providers/demo.yaml: rules[0]: DELETE /v1/databases/{id} is destructive by its shape (method"
                + " DELETE) and may map only to a destructive scope, not the write scope 'db:write'", err.toString().strip());
        assertEquals("providers INVALID: 1 problem", out.toString().strip());
    }

    private int run(String... args) {
        CommandLine cmd = new CommandLine(new LintCommand());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute(args);
    }
}
