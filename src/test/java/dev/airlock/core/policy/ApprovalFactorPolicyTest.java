package dev.airlock.core.policy;

import static dev.airlock.core.policy.PolicyLoaderTest.FIXTURES;
import static dev.airlock.core.policy.PolicyLoaderTest.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.testing.PolicyCopy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** grants.yaml {@code approval_factor} (issue 16): per environment and risk, TOTP by default, located errors, lint. */
class ApprovalFactorPolicyTest {

    @Test
    void shippedPolicyKeepsTotpEverywhereAsBeforePasskeys() throws Exception {
        Policy policy = PolicyLoader.load(Path.of("scopes"));
        for (Environment env : policy.environments()) {
            GrantRules r = policy.grantRules(env.name());
            assertEquals(ApprovalFactor.TOTP, r.destructiveFactor(), env.name());
            assertEquals(ApprovalFactor.TOTP, r.otherFactor(), env.name());
        }
        assertTrue(PolicyLinter.lint(Path.of("scopes")).summary().stream().noneMatch(l -> l.startsWith("approvals in")));
    }

    @Test
    void shippedExampleUncommentedRequiresPasskeysForProductionDestructiveGrantsAndLintSaysSo() throws Exception {
        PolicyCopy copy = PolicyCopy.ofShipped().replace("grants.yaml", """
                    # approval_factor:
                    #   destructive: passkey
                    #   other: any
                """, """
                    approval_factor:
                      destructive: passkey
                      other: any
                """);
        Policy policy = PolicyLoader.load(copy.dir);
        GrantRules production = policy.grantRules("production");
        assertEquals(ApprovalFactor.PASSKEY, production.approvalFactor(true));
        assertEquals(ApprovalFactor.ANY, production.approvalFactor(false));
        assertEquals(ApprovalFactor.TOTP, policy.grantRules("staging").approvalFactor(true));
        LintReport lint = PolicyLinter.lint(copy.dir);
        assertEquals(LintReport.EXIT_CLEAN, lint.exitCode(), lint.findings().toString());
        assertTrue(lint.summary().contains("approvals in production: destructive grants by passkey, other grants by any"),
                lint.summary().toString());
    }

    @Test
    void aSingleValueAppliesToEveryGrantOfTheEnvironment(@TempDir Path dir) throws Exception {
        copyMinimal(dir);
        Files.writeString(dir.resolve("grants.yaml"), """
                environments:
                  production:
                    approver_groups: [prod-ops]
                    approval_factor: passkey
                """);
        GrantRules r = PolicyLoader.load(dir).grantRules("production");
        assertEquals(ApprovalFactor.PASSKEY, r.destructiveFactor());
        assertEquals(ApprovalFactor.PASSKEY, r.otherFactor());
        assertEquals(ApprovalFactor.TOTP, PolicyLoader.load(dir).grantRules("staging").otherFactor());
    }

    @Test
    void approvalFactorWhenValueOrKeyIsUnknownThenLocatedErrors(@TempDir Path dir) throws Exception {
        copyMinimal(dir);
        Files.writeString(dir.resolve("grants.yaml"), """
                environments:
                  staging:
                    approver_groups: [ops]
                    approval_factor: fingerprint
                  production:
                    approver_groups: [prod-ops]
                    approval_factor:
                      destructive: webauthn
                      write: passkey
                """);
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.load(dir));
        List<PolicyProblem> p = e.problems();
        assertEquals(3, p.size(), e.getMessage());
        assertProblem(p.get(0), "grants.yaml", 4, "environments.staging.approval_factor",
                "approval_factor must be passkey, totp or any, not 'fingerprint'");
        assertProblem(p.get(1), "grants.yaml", 8, "environments.production.approval_factor.destructive",
                "approval_factor must be passkey, totp or any, not 'webauthn'");
        assertProblem(p.get(2), "grants.yaml", 9, "environments.production.approval_factor.write", "unknown key");
    }

    @Test
    void grantRulesWithoutFactorsMeanTotp() {
        GrantRules r = GrantRules.defaults("production");
        assertFalse(r.approvalFactor(true).allowsPasskey());
        assertTrue(r.approvalFactor(false).allowsTotp());
    }

    private static void copyMinimal(Path dir) throws Exception {
        for (String f : List.of("scopes.yaml", "environments.yaml", "agents.yaml")) {
            Files.copy(FIXTURES.resolve("valid-minimal").resolve(f), dir.resolve(f));
        }
    }
}
