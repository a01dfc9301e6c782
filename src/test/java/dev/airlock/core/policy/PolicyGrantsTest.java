package dev.airlock.core.policy;

import static dev.airlock.core.policy.PolicyLoaderTest.FIXTURES;
import static dev.airlock.core.policy.PolicyLoaderTest.assertProblem;
import static dev.airlock.core.policy.PolicyLoaderTest.invalid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** grants.yaml: the shipped example, defaults and overrides, every way it can be wrong, and the lint warning. */
class PolicyGrantsTest {
    static final Duration M5 = Duration.ofMinutes(5);
    static final Duration M15 = Duration.ofMinutes(15);
    static final Duration S5 = Duration.ofSeconds(5);

    // --- the shipped example, scopes/grants.yaml ---

    @Test
    void shippedGrantsNeedTwoProdOpsForDestructiveInProductionAndOneOpsElsewhere() throws Exception {
        Policy policy = PolicyLoader.load(Path.of("scopes"));
        assertEquals(new GrantRules(M15, M5, 1, S5, Set.of("prod-ops"), 2, 1), policy.grantRules("production"));
        assertEquals(new GrantRules(M15, M5, 1, S5, Set.of("ops"), 1, 1), policy.grantRules("staging"));
        assertEquals(new GrantRules(M15, M5, 1, S5, Set.of("ops"), 1, 1), policy.grantRules("dev"));
        assertEquals(List.of(), policy.webhooks(), "the example's webhook is commented out");
    }

    @Test
    void approvalsRequiredDependsOnWhetherAnyScopeIsDestructive() throws Exception {
        Policy policy = PolicyLoader.load(Path.of("scopes"));
        GrantRules production = policy.grantRules("production");
        Scope variableWrite = policy.scope("variable:write").orElseThrow();
        Scope volumeDelete = policy.scope("volume:delete").orElseThrow();
        assertEquals(1, production.approvalsRequired(List.of(variableWrite)));
        assertEquals(2, production.approvalsRequired(List.of(variableWrite, volumeDelete)));
    }

    // --- defaults and overrides ---

    @Test
    void missingGrantsFileMeansDefaultsAndNobodyMayApprove() throws Exception {
        Policy policy = PolicyLoader.load(FIXTURES.resolve("valid-minimal"));
        GrantRules production = policy.grantRules("production");
        assertEquals(new GrantRules(M15, M5, 1, S5, Set.of(), 2, 1), production);
        assertFalse(production.approvable());
        assertEquals(new GrantRules(M15, M5, 1, S5, Set.of(), 1, 1), policy.grantRules("staging"));
        assertEquals(List.of(), policy.webhooks());
    }

    @Test
    void emptyGrantsFileIsTheSameAsNone(@TempDir Path dir) throws Exception {
        copyMinimal(dir);
        Files.writeString(dir.resolve("grants.yaml"), "# everything commented out\n");
        Policy policy = PolicyLoader.load(dir);
        assertEquals(GrantRules.defaults("production"), policy.grantRules("production"));
        assertEquals(GrantRules.defaults("staging"), policy.grantRules("staging"));
    }

    @Test
    void environmentOverridesWinOverFileDefaultsWhichWinOverBuiltIns() throws Exception {
        Policy policy = PolicyLoader.load(FIXTURES.resolve("valid-grants"));
        assertEquals(new GrantRules(Duration.ofMinutes(30), Duration.ofMinutes(3), 2, Duration.ofSeconds(10),
                Set.of("prod-ops", "sre"), 2, 2), policy.grantRules("production"));
        // Not in grants.yaml: the file's defaults, and no approvers.
        assertEquals(new GrantRules(Duration.ofMinutes(30), M5, 2, S5, Set.of(), 1, 1), policy.grantRules("staging"));
    }

    @Test
    void webhooksKeepFileOrderAndEventsDefaultToAll() throws Exception {
        List<Webhook> hooks = PolicyLoader.load(FIXTURES.resolve("valid-grants")).webhooks();
        assertEquals(2, hooks.size());
        assertEquals("https://hooks.example.com/airlock?token=s3cret", hooks.get(0).url());
        assertEquals(Set.copyOf(Webhook.EVENTS), hooks.get(0).events());
        assertEquals(null, hooks.get(1).url());
        assertEquals("AIRLOCK_WEBHOOK_URL", hooks.get(1).urlEnv());
        assertEquals(List.of("created", "denied"), List.copyOf(hooks.get(1).events()), "in lifecycle order");
        assertFalse(hooks.get(1).wants("approved"));
    }

    @Test
    void webhookUrlFromTheEnvironmentIsResolvedAndCheckedAndNeverPrinted() throws Exception {
        List<Webhook> hooks = PolicyLoader.load(FIXTURES.resolve("valid-grants")).webhooks();
        assertFalse(hooks.get(0).toString().contains("s3cret"), hooks.get(0).toString());
        Webhook fromEnv = hooks.get(1);
        assertEquals(Optional.of("https://hooks.slack.com/services/T/B/x"),
                fromEnv.resolveUrl(Map.of("AIRLOCK_WEBHOOK_URL", " https://hooks.slack.com/services/T/B/x\n")::get));
        assertEquals(Optional.empty(), fromEnv.resolveUrl(Map.<String, String>of()::get));
        assertEquals(Optional.empty(), fromEnv.resolveUrl(Map.of("AIRLOCK_WEBHOOK_URL", "not a url")::get));
    }

    // --- invalid ---

    @Test
    void everyProblemInGrantsYamlIsReportedWithItsLine() {
        PolicyException e = invalid("broken-grants");
        List<PolicyProblem> p = e.problems();
        assertEquals(13, p.size(), e.getMessage());
        assertProblem(p.get(0), "grants.yaml", 2, "defaults.pending_lifetime", "malformed duration '2d'");
        assertProblem(p.get(1), "grants.yaml", 3, "defaults.token_lifetime", "token_lifetime 20m is above the hard cap of 15m");
        assertProblem(p.get(2), "grants.yaml", 4, "defaults.uses", "uses must be between 1 and 10, got 0");
        assertProblem(p.get(3), "grants.yaml", 5, "defaults.poll_interval", "poll_interval 90s is above the maximum of 60s");
        assertProblem(p.get(4), "grants.yaml", 6, "defaults.lifetime",
                "unknown key 'lifetime' (allowed: pending_lifetime, token_lifetime, uses, poll_interval,"
                        + " destructive_uses_per_day)");
        assertProblem(p.get(5), "grants.yaml", 10, "environments.production.uses", "uses must be between 1 and 10, got 11");
        assertProblem(p.get(6), "grants.yaml", 12, "environments.production.approvals.destructive",
                "approvals.destructive must be between 1 and 10, got 0");
        assertProblem(p.get(7), "grants.yaml", 13, "environments.qa", "unknown environment 'qa' (known: staging, production)");
        assertProblem(p.get(8), "grants.yaml", 16, "webhooks[0]", "both url and url_env: give exactly one");
        assertProblem(p.get(9), "grants.yaml", 18, "webhooks[1]", "missing url or url_env: give exactly one");
        assertProblem(p.get(10), "grants.yaml", 19, "webhooks[2].url", "must be an absolute http or https URL");
        assertProblem(p.get(11), "grants.yaml", 21, "webhooks[3].events[1]",
                "unknown event 'approve' (known: created, approved, denied, expired, redeemed, cancelled)");
        assertProblem(p.get(12), "grants.yaml", 22, "webhooks[4].url", "url has credentials in it: secrets never live in policy");
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
    }

    @Test
    void grantsProblemsComeAfterTheOtherFilesAndAreCollectedWithThem(@TempDir Path dir) throws Exception {
        copyMinimal(dir);
        Files.writeString(dir.resolve("agents.yaml"), Files.readString(dir.resolve("agents.yaml")).replace("db:drop", "db:nuke"));
        Files.writeString(dir.resolve("grants.yaml"), "environments:\n  production:\n    approver_groups: []\n");
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.load(dir));
        assertEquals(2, e.problems().size(), e.getMessage());
        assertProblem(e.problems().get(0), "agents.yaml", 10, "agents[0].environments.production.grantable[0]", "unknown scope 'db:nuke'");
        assertProblem(e.problems().get(1), "grants.yaml", 3, "environments.production.approver_groups", "no approver groups");
    }

    @Test
    void approverGroupsAreRequiredWellFormedAndListedOnce(@TempDir Path dir) throws Exception {
        copyMinimal(dir);
        Files.writeString(dir.resolve("grants.yaml"), """
                environments:
                  staging:
                    token_lifetime: 3m
                  production:
                    approver_groups: [prod-ops, Prod Ops, prod-ops]
                """);
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.load(dir));
        assertEquals(3, e.problems().size(), e.getMessage());
        assertProblem(e.problems().get(0), "grants.yaml", 3, "environments.staging", "missing required key 'approver_groups'");
        assertProblem(e.problems().get(1), "grants.yaml", 5, "environments.production.approver_groups[1]", "malformed group name 'Prod Ops'");
        assertProblem(e.problems().get(2), "grants.yaml", 5, "environments.production.approver_groups[2]", "group 'prod-ops' is listed twice");
    }

    @Test
    void quotedNumbersAndWrongTypesAreErrors(@TempDir Path dir) throws Exception {
        copyMinimal(dir);
        Files.writeString(dir.resolve("grants.yaml"), """
                defaults:
                  uses: "1"
                  token_lifetime: 300
                webhooks:
                  url: https://hooks.example.com/airlock
                """);
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.load(dir));
        assertEquals(3, e.problems().size(), e.getMessage());
        assertProblem(e.problems().get(0), "grants.yaml", 2, "defaults.uses", "expected a whole number, got the string '1' (write it without quotes)");
        assertProblem(e.problems().get(1), "grants.yaml", 3, "defaults.token_lifetime", "expected a string, got the number 300");
        assertProblem(e.problems().get(2), "grants.yaml", 5, "webhooks", "expected a list, got a map");
    }

    @Test
    void grantsYamlWithASyntaxErrorIsUnreadable(@TempDir Path dir) throws Exception {
        copyMinimal(dir);
        Files.writeString(dir.resolve("grants.yaml"), "environments:\n  production: [\n");
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.load(dir));
        assertTrue(e.unreadable(), e.getMessage());
        assertEquals("grants.yaml", e.problems().get(0).file());
    }

    // --- lint ---

    @Test
    void lintWarnsAboutEveryEnvironmentWhereGrantsCanBeRequestedButNeverApproved() {
        LintReport report = PolicyLinter.lint(FIXTURES.resolve("valid-minimal"));
        assertEquals(LintReport.EXIT_CLEAN, report.exitCode());
        assertEquals(List.of(
                "environments.yaml:2: environments[0]: warning: environment 'staging' has no approver groups in grants.yaml,"
                        + " but coding-agent has grantable scopes there (variable:write, volume:delete):"
                        + " those grants can be requested but never approved",
                "environments.yaml:7: environments[1]: warning: environment 'production' has no approver groups in grants.yaml,"
                        + " but coding-agent has grantable scopes there (db:drop): those grants can be requested but never approved"),
                report.findings().stream().map(Object::toString).toList());
    }

    @Test
    void lintWarnsOnlyWhereApproversAreMissing() {
        LintReport report = PolicyLinter.lint(FIXTURES.resolve("valid-grants"));
        assertEquals(LintReport.EXIT_CLEAN, report.exitCode());
        assertEquals(List.of("environments.yaml:2: environments[0]: warning: environment 'staging' has no approver groups"
                        + " in grants.yaml, but coding-agent has grantable scopes there (variable:write, volume:delete):"
                        + " those grants can be requested but never approved"),
                report.findings().stream().map(Object::toString).toList());
    }

    @Test
    void lintDoesNotWarnWhereNoAgentCanAskForAGrant() {
        Environment prod = new Environment("prod", "urn:airlock:env:prod", M5, List.of(new ResourcePattern("db-1", null)));
        Agent reader = new Agent("bot", null, AuthMethod.CLIENT_SECRET_BASIC, null, null,
                Map.of("prod", new AgentGrants(Set.of("db:read"), Set.of(), Set.of())));
        LintReport report = PolicyLinter.check(new Policy(List.of(prod), List.of(PolicyLinterTest.DB_READ), List.of(reader)));
        assertEquals(List.of(), report.findings());
    }

    @Test
    void policyBuiltInCodeWithoutGrantRulesLetsNobodyApproveAndLintSaysSo() {
        Environment prod = new Environment("prod", "urn:airlock:env:prod", M5, List.of(new ResourcePattern("db-1", null)));
        Agent asker = new Agent("bot", null, AuthMethod.CLIENT_SECRET_BASIC, null, null,
                Map.of("prod", new AgentGrants(Set.of(), Set.of(), Set.of("db:drop"))));
        Policy policy = new Policy(List.of(prod), List.of(PolicyLinterTest.DB_DROP), List.of(asker));
        assertEquals(GrantRules.defaults("prod"), policy.grantRules("prod"));
        assertFalse(policy.grantRules("prod").approvable());
        assertEquals(List.of("environments.yaml: environments[prod]: warning: environment 'prod' has no approver groups in"
                        + " grants.yaml, but bot has grantable scopes there (db:drop): those grants can be requested but never approved"),
                PolicyLinter.check(policy).findings().stream().map(Object::toString).toList());

        GrantRules rules = new GrantRules(M15, M5, 1, S5, Set.of("ops"), 1, 1);
        Policy approved = new Policy(List.of(prod), List.of(PolicyLinterTest.DB_DROP), List.of(asker), Map.of("prod", rules), List.of());
        assertEquals(rules, approved.grantRules("prod"));
        assertEquals(List.of(), PolicyLinter.check(approved).findings());
    }

    // --- the model refuses what the loader refuses ---

    @Test
    void grantRulesCannotBeBuiltOutOfRange() {
        assertThrows(IllegalArgumentException.class, () -> new GrantRules(M15, M5, 1, S5, Set.of(), 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new GrantRules(M15, M5, 1, S5, Set.of(), 1, 11));
        assertThrows(IllegalArgumentException.class, () -> new GrantRules(M15, Duration.ofMinutes(16), 1, S5, Set.of(), 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new GrantRules(Duration.ZERO, M5, 1, S5, Set.of(), 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new GrantRules(Duration.ofHours(25), M5, 1, S5, Set.of(), 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new GrantRules(M15, M5, 0, S5, Set.of(), 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new GrantRules(M15, M5, 11, S5, Set.of(), 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new GrantRules(M15, M5, 1, Duration.ofSeconds(61), Set.of(), 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new GrantRules(M15, M5, 1, Duration.ZERO, Set.of(), 1, 1));
    }

    @Test
    void webhooksAndPolicyRefuseInconsistentValues() {
        assertThrows(IllegalArgumentException.class, () -> new Webhook("https://a.example/x", "HOOK", Set.of("created")));
        assertThrows(IllegalArgumentException.class, () -> new Webhook(null, null, Set.of("created")));
        assertThrows(IllegalArgumentException.class, () -> new Webhook("file:///etc/passwd", null, Set.of("created")));
        assertThrows(IllegalArgumentException.class, () -> new Webhook(null, "HOOK", Set.of()));
        assertThrows(IllegalArgumentException.class, () -> new Webhook(null, "HOOK", Set.of("approve")));
        assertThrows(IllegalArgumentException.class, () -> new Policy(List.of(), List.of(), List.of(),
                Map.of("qa", GrantRules.defaults("qa")), List.of()));
    }

    private static void copyMinimal(Path dir) throws Exception {
        for (String f : List.of("scopes.yaml", "environments.yaml", "agents.yaml")) {
            Files.copy(FIXTURES.resolve("valid-minimal").resolve(f), dir.resolve(f));
        }
    }
}
