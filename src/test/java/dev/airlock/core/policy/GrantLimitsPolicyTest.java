package dev.airlock.core.policy;

import static dev.airlock.core.policy.PolicyLoaderTest.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.testing.PolicyCopy;
import dev.airlock.testing.TestAirlock;
import java.util.List;
import org.junit.jupiter.api.Test;

/** grants.yaml {@code limits}: how many pending and finished grants are kept (issue 13, finding 7). */
class GrantLimitsPolicyTest {

    @Test
    void limitsWhenAbsentThenDocumentedDefaults() throws Exception {
        Policy p = PolicyLoader.load(TestAirlock.EXAMPLE_POLICY);
        assertEquals(GrantLimits.DEFAULT, p.grantLimits());
        assertEquals(new GrantLimits(5, 200, 200, 1_000), GrantLimits.DEFAULT);
    }

    @Test
    void limitsWhenSetThenReadAndOthersDefault() throws Exception {
        PolicyCopy copy = PolicyCopy.ofShipped().append("grants.yaml", "\nlimits:\n  finished_per_agent: 50\n  pending_total: 20\n");
        GrantLimits l = PolicyLoader.load(copy.dir).grantLimits();
        assertEquals(new GrantLimits(5, 20, 50, 1_000), l);
    }

    @Test
    void limitsWhenAboveWhatTheShippedHeapHoldsThenLocatedError() throws Exception {
        PolicyCopy copy = PolicyCopy.ofShipped();
        int line = java.nio.file.Files.readAllLines(copy.dir.resolve("grants.yaml")).size() + 3;
        copy.append("grants.yaml", "\nlimits:\n  finished_total: 100000\n  pending: 3\n");
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.load(copy.dir));
        List<PolicyProblem> p = e.problems();
        assertEquals(2, p.size(), e.getMessage());
        assertProblem(p.get(0), "grants.yaml", line, "limits.finished_total",
                "limits.finished_total must be between 1 and 2000, got 100000");
        assertProblem(p.get(1), "grants.yaml", line + 1, "limits.pending", "unknown key 'pending'");
    }

    @Test
    void destructiveBudgetIsReadFromDefaultsAndPerEnvironmentAndAbsentMeansNone() throws Exception {
        assertEquals(0, PolicyLoader.load(TestAirlock.EXAMPLE_POLICY).grantRules("dev").destructiveUsesPerDay());
        PolicyCopy copy = PolicyCopy.ofShipped()
                .replace("grants.yaml", "  poll_interval: 5s\n", "  poll_interval: 5s\n  destructive_uses_per_day: 4\n")
                .replace("grants.yaml", "  staging:\n    approver_groups: [ops]\n",
                        "  staging:\n    approver_groups: [ops]\n    destructive_uses_per_day: 2\n");
        Policy p = PolicyLoader.load(copy.dir);
        assertEquals(4, p.grantRules("dev").destructiveUsesPerDay());
        assertEquals(2, p.grantRules("staging").destructiveUsesPerDay());
    }

    @Test
    void destructiveBudgetWhenZeroOrNotAWholeNumberThenLocatedError() throws Exception {
        PolicyCopy copy = PolicyCopy.ofShipped();
        List<String> lines = java.nio.file.Files.readAllLines(copy.dir.resolve("grants.yaml"));
        int line = lines.indexOf("  poll_interval: 5s") + 2;
        copy.replace("grants.yaml", "  poll_interval: 5s\n", "  poll_interval: 5s\n  destructive_uses_per_day: 0\n")
                .replace("grants.yaml", "  staging:\n    approver_groups: [ops]\n",
                        "  staging:\n    approver_groups: [ops]\n    destructive_uses_per_day: \"3\"\n");
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.load(copy.dir));
        List<PolicyProblem> p = e.problems();
        assertEquals(2, p.size(), e.getMessage());
        assertProblem(p.get(0), "grants.yaml", line, "defaults.destructive_uses_per_day",
                "destructive_uses_per_day must be between 1 and 1000, got 0");
        assertEquals("environments.staging.destructive_uses_per_day", p.get(1).path(), e.getMessage());
        assertTrue(p.get(1).message().contains("write it without quotes"), p.get(1).message());
    }
}
