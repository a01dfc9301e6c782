package dev.airlock.core.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PolicyLinterTest {
    static final Path FIXTURES = PolicyLoaderTest.FIXTURES;

    static final Scope DB_READ = new Scope("db:read", "db", "read", Risk.READ, false, null);
    static final Scope DB_DROP = new Scope("db:drop", "db", "drop", Risk.DESTRUCTIVE, false, null);
    static final Scope VARIABLE_WRITE = new Scope("variable:write", "variable", "write", Risk.WRITE, true, null);

    @Test
    void shippedPolicyIsCleanAndTheSummaryStatesWhatWasProved() {
        LintReport report = PolicyLinter.lint(Path.of("scopes"));
        assertEquals(LintReport.EXIT_CLEAN, report.exitCode());
        assertEquals(List.of(), report.findings());
        assertEquals(List.of(
                "coding-agent in dev: automatic: db:read, db:write, service:read, service:restart, volume:read, volume:write;"
                        + " only through a human grant: db:drop, service:delete, volume:delete",
                "coding-agent in staging: automatic: db:read, db:write, service:read, service:restart, volume:read, volume:write;"
                        + " only through a human grant: db:drop, service:delete, volume:delete",
                "coding-agent in production: automatic: db:read; only through a human grant: db:drop, service:delete, volume:delete",
                "deploy-bot in staging: automatic: deployment:restart, service:read, service:restart; only through a human grant: (none)",
                "deploy-bot in production: automatic: deployment:restart, service:read, service:restart; only through a human grant: (none)",
                "introspection: only api-gateway (staging, production) may introspect tokens, of those environments",
                "no resource is owned by two environments (10 resource patterns compared pairwise)",
                "policy OK: 3 environments, 14 scopes (5 destructive, 5 of them by a built-in destructive word in the"
                        + " verb), 3 agents; no agent can reach a destructive scope without a human grant"),
                report.summary());
    }

    @ParameterizedTest
    @ValueSource(strings = {"broken-unknown-key", "broken-resource-overlap", "broken-destructive-in-scopes",
            "broken-private-jwk", "broken-unknown-file"})
    void invalidPolicyExitsOneWithTheLoadProblemsAsViolations(String fixture) throws Exception {
        LintReport report = PolicyLinter.lint(FIXTURES.resolve(fixture));
        assertEquals(LintReport.EXIT_VIOLATIONS, report.exitCode());
        assertFalse(report.unreadable());
        List<PolicyProblem> expected = loadProblems(fixture);
        assertEquals(expected, report.violations().stream().map(LintReport.Finding::problem).toList());
        assertEquals(List.of("policy INVALID: " + expected.size() + (expected.size() == 1 ? " problem" : " problems")),
                report.summary());
    }

    @ParameterizedTest
    @ValueSource(strings = {"broken-yaml-syntax", "broken-missing-file", "broken-duplicate-key", "no-such-folder"})
    void unreadablePolicyExitsTwo(String fixture) {
        LintReport report = PolicyLinter.lint(FIXTURES.resolve(fixture));
        assertEquals(LintReport.EXIT_UNREADABLE, report.exitCode());
        assertTrue(report.unreadable());
        assertEquals(1, report.findings().size());
        assertEquals("policy UNREADABLE: 1 problem", report.summary().get(0));
    }

    // The re-checks below run on Policy values built in code, as a buggy loader could build them.

    @Test
    void destructiveScopeAmongAutomaticScopesIsAViolationEvenIfTheLoaderLetItThrough() {
        Policy policy = policy(new AgentGrants(Set.of("db:read", "db:drop"), Set.of("db:read"), Set.of()));
        LintReport report = PolicyLinter.check(policy);
        assertEquals(LintReport.EXIT_VIOLATIONS, report.exitCode());
        assertEquals(List.of("agents.yaml: agents[bot].environments.prod: agent 'bot' can get destructive scope 'db:drop'"
                + " in prod without a human grant (its verb contains the built-in destructive word 'drop')"),
                report.findings().stream().map(Object::toString).toList());
        assertEquals("policy INVALID: 1 violation", report.summary().get(report.summary().size() - 1));
    }

    @Test
    void lintWhenAScopeBuiltInCodeLowersAVerbWithADestructivePartThenTheScopeIsStillDestructiveAndItsAgentAViolation() {
        // Scope's constructor raises the risk, so no way of building a policy can lower one: lint then sees the truth.
        Scope dropTable = new Scope("db:drop_table", "db", "drop_table", Risk.WRITE, false, null);
        assertEquals(Risk.DESTRUCTIVE, dropTable.risk());
        Agent agent = new Agent("bot", null, AuthMethod.CLIENT_SECRET_BASIC, null, null,
                Map.of("prod", new AgentGrants(Set.of("db:drop_table"), Set.of(), Set.of())));
        Policy policy = new Policy(List.of(env("prod", "db-prod")), List.of(DB_READ, dropTable), List.of(agent));
        assertEquals(List.of("agent 'bot' can get destructive scope 'db:drop_table' in prod without a human grant (its"
                + " verb contains the built-in destructive word 'drop')"),
                PolicyLinter.check(policy).violations().stream().map(f -> f.problem().message()).toList());
    }

    @Test
    void grantRequiredScopeAmongDefaultScopesIsAViolation() {
        Policy policy = policy(new AgentGrants(Set.of("db:read"), Set.of("variable:write"), Set.of()));
        List<String> messages = PolicyLinter.check(policy).violations().stream().map(f -> f.problem().message()).toList();
        assertEquals(List.of("agent 'bot' can get grant_required scope 'variable:write' in prod without a human grant",
                "default scope 'variable:write' is not in scopes"), messages);
    }

    @Test
    void unknownScopesAndEnvironmentsInAgentsAreViolations() {
        Agent agent = new Agent("bot", null, AuthMethod.CLIENT_SECRET_BASIC, null, null, Map.of(
                "prod", new AgentGrants(Set.of("db:write"), Set.of(), Set.of("db:nuke")),
                "qa", new AgentGrants(Set.of("db:read"), Set.of(), Set.of())));
        Policy policy = new Policy(List.of(env("prod", "db-prod")), List.of(DB_READ), List.of(agent));
        List<String> messages = PolicyLinter.check(policy).violations().stream().map(f -> f.problem().message()).toList();
        assertEquals(List.of("agent 'bot' may get unknown scope 'db:write'", "agent 'bot' may ask for unknown scope 'db:nuke'",
                "agent 'bot' names unknown environment 'qa'"), messages);
    }

    @Test
    void overlappingResourcesInAPolicyValueAreAViolation() {
        Policy policy = new Policy(List.of(env("prod", "vol-7f3a*"), env("stg", "vol-7f3a-stg")), List.of(DB_READ), List.of());
        LintReport report = PolicyLinter.check(policy);
        assertEquals(List.of("environments.yaml: environments[stg].resources: resource 'vol-7f3a-stg' of environment 'stg'"
                + " overlaps 'vol-7f3a*' of environment 'prod'"), report.findings().stream().map(Object::toString).toList());
        assertEquals(LintReport.EXIT_VIOLATIONS, report.exitCode());
    }

    @Test
    void tokenLifetimeAboveTheCapInAPolicyValueIsAViolation() {
        Environment env = new Environment("prod", "urn:airlock:env:prod", Duration.ofHours(1), List.of(new ResourcePattern("db-1", null)));
        LintReport report = PolicyLinter.check(new Policy(List.of(env), List.of(DB_READ), List.of()));
        assertEquals(List.of("token lifetime PT1H is outside (0, PT15M]"),
                report.violations().stream().map(f -> f.problem().message()).toList());
    }

    @Test
    void environmentWithoutResourcesIsAWarningAndTheLintStillPasses() {
        Environment empty = new Environment("qa", "urn:airlock:env:qa", Policy.DEFAULT_TOKEN_LIFETIME, List.of());
        LintReport report = PolicyLinter.check(new Policy(List.of(env("prod", "db-1"), empty), List.of(DB_READ), List.of()));
        assertEquals(LintReport.EXIT_CLEAN, report.exitCode());
        assertEquals(List.of(), report.violations());
        assertEquals(List.of("environments.yaml: environments[qa]: warning: environment 'qa' owns no resources:"
                + " no resource check can succeed in it"), report.warnings().stream().map(Object::toString).toList());
    }

    @Test
    void warningFromAFolderPointsAtTheEnvironmentsLine() {
        LintReport report = PolicyLinter.lint(FIXTURES.resolve("warn-environment-without-resources"));
        assertEquals(LintReport.EXIT_CLEAN, report.exitCode());
        assertEquals(List.of("environments.yaml:13: environments[2]: warning: environment 'qa' owns no resources:"
                + " no resource check can succeed in it"), report.findings().stream().map(Object::toString).toList());
        assertEquals("policy OK: 3 environments, 5 scopes (2 destructive, 2 of them by a built-in destructive word in the"
                + " verb), 1 agent; no agent can reach a destructive scope without a human grant",
                report.summary().get(report.summary().size() - 1));
    }

    private static List<PolicyProblem> loadProblems(String fixture) {
        try {
            PolicyLoader.load(FIXTURES.resolve(fixture));
            throw new AssertionError(fixture + " loaded");
        } catch (PolicyException e) {
            return e.problems();
        }
    }

    private static Environment env(String name, String resource) {
        return new Environment(name, Environment.defaultAudience(name), Policy.DEFAULT_TOKEN_LIFETIME,
                List.of(new ResourcePattern(resource, null)));
    }

    private static Policy policy(AgentGrants grants) {
        Agent agent = new Agent("bot", null, AuthMethod.CLIENT_SECRET_BASIC, null, null, Map.of("prod", grants));
        return new Policy(List.of(env("prod", "db-prod")), List.of(DB_READ, DB_DROP, VARIABLE_WRITE), List.of(agent));
    }
}
