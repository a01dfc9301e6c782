package dev.airlock.core.grant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.check.CheckService;
import dev.airlock.core.policy.Agent;
import dev.airlock.core.policy.PolicyLoader;
import dev.airlock.testing.PolicyCopy;
import dev.airlock.testing.TestCore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, part 3: {@code destructive_uses_per_day} caps the destructive uses one agent commits per environment and
 * UTC day, across all its grants; over it, a request is refused with when the budget resets. The clock moves.
 */
class DestructiveBudgetTest {
    static final String REASON = "the volume is an orphaned copy left by the migration test run";

    @TempDir
    Path data;

    private TestCore core(String grantsYaml) throws Exception {
        PolicyCopy copy = PolicyCopy.ofShipped();
        copy.replace("grants.yaml", "  poll_interval: 5s\n", "  poll_interval: 5s\n" + grantsYaml);
        return new TestCore(data, PolicyLoader.load(copy.dir));
    }

    private static GrantOutcome file(TestCore core, String env, String scope, String resource) {
        Agent agent = core.policy.agent("coding-agent").orElseThrow();
        return core.grants.requests.request(agent, new GrantRequests.Request(env, List.of(scope), List.of(resource),
                REASON, null, "test")).join();
    }

    @Test
    void requestsWithinTheBudgetAreFiledTheNextIsRefusedWithTheResetInstantAndAfterTheResetAllowedAgain()
            throws Exception {
        try (TestCore core = core("  destructive_uses_per_day: 3\n")) {
            core.clock.set(Instant.parse("2026-06-01T23:50:00Z"));
            for (int i = 0; i < 3; i++) assertTrue(file(core, "staging", "volume:delete", "vol-7f3a-stg").ok());
            GrantOutcome over = file(core, "staging", "volume:delete", "vol-7f3a-stg");
            assertFalse(over.ok());
            assertEquals(429, over.status());
            assertEquals("destructive_budget_spent", over.code());
            assertEquals("2026-06-02T00:00:00Z", over.extra().get("resets_at"));
            assertEquals(600L, over.extra().get("retry_after"));
            assertTrue(over.message().contains("committed 3 of its 3 destructive uses in staging"), over.message());
            assertTrue(over.message().contains("resets at 2026-06-02T00:00:00Z"), over.message());
            assertTrue(Files.readAllLines(data.resolve("audit.log")).stream().anyMatch(l -> l.contains(
                    "\"grant.request_refused\"") && l.contains("destructive_budget_spent")), "the refusal is audited");

            core.clock.set(Instant.parse("2026-06-01T23:59:59Z"));
            assertFalse(file(core, "staging", "volume:delete", "vol-7f3a-stg").ok(), "a second before the reset, its"
                    + " three grants still pending");
            core.clock.set(Instant.parse("2026-06-02T00:00:00Z"));
            assertTrue(file(core, "staging", "volume:delete", "vol-7f3a-stg").ok(), "a new UTC day, though yesterday's"
                    + " grants are still pending: they count against yesterday");
        }
    }

    @Test
    void theBudgetIsPerAgentAndEnvironmentAndOnlyDestructiveGrantsCount() throws Exception {
        try (TestCore core = core("  destructive_uses_per_day: 1\n")) {
            assertTrue(file(core, "staging", "volume:delete", "vol-7f3a-stg").ok());
            assertFalse(file(core, "staging", "db:drop", "db-stg-main").ok(), "the cap is across all its grants");
            assertTrue(file(core, "dev", "volume:delete", "vol-dev-1").ok(), "another environment has its own");
        }
    }

    @Test
    void cancelledGrantsFreeTheirUsesSpentOnesStayCountedAndExpiredTokensKeepOnlyWhatTheySpent() throws Exception {
        try (TestCore core = core("  destructive_uses_per_day: 2\n")) {
            Agent agent = core.policy.agent("coding-agent").orElseThrow();
            GrantOutcome a = file(core, "staging", "volume:delete", "vol-7f3a-stg");
            assertTrue(core.grants.requests.cancel(agent, a.grant().id()).join().ok());
            var redeemed = core.grantToken("staging", "volume:delete", "vol-7f3a-stg"); // 1 committed, unspent
            assertTrue(file(core, "staging", "volume:delete", "vol-7f3a-stg").ok()); // 2 committed
            assertEquals("destructive_budget_spent", file(core, "staging", "volume:delete", "vol-7f3a-stg").code());

            assertTrue(core.check.check(new CheckService.Request(redeemed.jwt(), "staging", "volume:delete",
                    "vol-7f3a-stg", "test")).join().allowed(), "the grant's use is spent");
            core.clock.advance(Duration.ofMinutes(20)); // its token expired, the pending one too
            GrantOutcome again = file(core, "staging", "volume:delete", "vol-7f3a-stg");
            assertTrue(again.ok(), "1 spent + this 1 fits: " + again.message());
            assertEquals("destructive_budget_spent", file(core, "staging", "volume:delete", "vol-7f3a-stg").code(),
                    "the spent use still counts today");
        }
    }

    @Test
    void anEnvironmentsOwnBudgetOverridesTheDefault() throws Exception {
        PolicyCopy copy = PolicyCopy.ofShipped();
        copy.replace("grants.yaml", "  poll_interval: 5s\n", "  poll_interval: 5s\n  destructive_uses_per_day: 1\n");
        copy.replace("grants.yaml", "  staging:\n    approver_groups: [ops]\n",
                "  staging:\n    approver_groups: [ops]\n    destructive_uses_per_day: 2\n");
        try (TestCore core = new TestCore(data, PolicyLoader.load(copy.dir))) {
            assertTrue(file(core, "staging", "volume:delete", "vol-7f3a-stg").ok());
            assertTrue(file(core, "staging", "volume:delete", "vol-7f3a-stg").ok());
            assertFalse(file(core, "staging", "volume:delete", "vol-7f3a-stg").ok());
            assertTrue(file(core, "dev", "volume:delete", "vol-dev-1").ok());
            assertFalse(file(core, "dev", "volume:delete", "vol-dev-1").ok(), "dev keeps the default of 1");
        }
    }

    @Test
    void withoutABudgetNoDestructiveCapApplies() throws Exception {
        try (TestCore core = core("")) {
            for (int i = 0; i < 5; i++) assertTrue(file(core, "staging", "volume:delete", "vol-7f3a-stg").ok());
        }
    }
}
