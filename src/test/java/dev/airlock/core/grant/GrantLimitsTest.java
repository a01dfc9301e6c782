package dev.airlock.core.grant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.policy.Agent;
import dev.airlock.core.policy.PolicyLoader;
import dev.airlock.testing.PolicyCopy;
import dev.airlock.testing.TestCore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 13, finding 7: grants are bounded by count, not only by age. */
class GrantLimitsTest {
    @TempDir
    Path data;

    private TestCore core(String limits) throws Exception {
        PolicyCopy copy = PolicyCopy.ofShipped().append("grants.yaml", "\nlimits:\n" + limits);
        return new TestCore(data, PolicyLoader.load(copy.dir));
    }

    private static GrantOutcome file(TestCore core, String resource) {
        Agent agent = core.policy.agent("coding-agent").orElseThrow();
        return core.grants.requests.request(agent, new GrantRequests.Request("staging", List.of("volume:delete"),
                List.of(resource), "the volume is an orphaned copy left by the migration test run", null, "test")).join();
    }

    /** Files and cancels n grants, one second apart, oldest first; returns their ids. */
    private static List<String> fileAndCancel(TestCore core, int n) {
        Agent agent = core.policy.agent("coding-agent").orElseThrow();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            GrantOutcome o = file(core, "vol-7f3a-stg");
            assertTrue(o.ok(), o.message());
            assertTrue(core.grants.requests.cancel(agent, o.grant().id()).join().ok());
            ids.add(o.grant().id());
            core.clock.advance(Duration.ofSeconds(1));
        }
        return ids;
    }

    private List<String> forgottenEvents() throws Exception {
        return Files.readAllLines(data.resolve("audit.log")).stream().filter(l -> l.contains("\"grant.forgotten\"")).toList();
    }

    @Test
    void sweepWhenFinishedGrantsExceedPerAgentCapThenOldestForgottenWithOneAuditEvent() throws Exception {
        try (TestCore core = core("  finished_per_agent: 3\n")) {
            List<String> ids = fileAndCancel(core, 5);
            assertEquals(2, core.grants.sweep().join());
            assertFalse(core.store.grant(ids.get(0)).isPresent());
            assertFalse(core.store.grant(ids.get(1)).isPresent());
            for (String kept : ids.subList(2, 5)) assertTrue(core.store.grant(kept).isPresent(), kept);
            List<String> events = forgottenEvents();
            assertEquals(1, events.size());
            assertTrue(events.get(0).contains("\"count\":2"), events.get(0));
            assertTrue(events.get(0).contains("coding-agent=2"), events.get(0));
            assertEquals(0, core.grants.sweep().join(), "nothing more to forget");
        }
    }

    @Test
    void sweepWhenFinishedGrantsExceedTotalCapThenOldestForgotten() throws Exception {
        try (TestCore core = core("  finished_total: 2\n")) {
            List<String> ids = fileAndCancel(core, 4);
            assertEquals(2, core.grants.sweep().join());
            assertEquals(ids.subList(2, 4), core.store.grants().stream().map(Grant::id).toList());
        }
    }

    @Test
    void sweepNeverForgetsPendingApprovedOrRedeemedWithUsesLeft() throws Exception {
        try (TestCore core = core("  finished_per_agent: 1\n  finished_total: 1\n")) {
            String pending = file(core, "vol-7f3a-stg").grant().id();
            String approved = core.approvedGrant("staging", "volume:delete", "vol-7f3a-stg");
            var redeemed = core.grantToken("staging", "volume:delete", "vol-7f3a-stg");
            fileAndCancel(core, 3);
            assertEquals(2, core.grants.sweep().join());
            assertTrue(core.store.grant(pending).isPresent());
            assertTrue(core.store.grant(approved).isPresent());
            String redeemedId = core.store.grants().stream().filter(g -> g.status() == GrantStatus.REDEEMED)
                    .findFirst().orElseThrow().id();
            assertTrue(core.store.grant(redeemedId).orElseThrow().usesLeft() > 0, redeemed.toString());
            assertEquals(4, core.store.grants().size(), "3 live and the newest cancelled one");
        }
    }

    @Test
    void requestWhenPendingTotalReachedThenRefusedWithReason() throws Exception {
        try (TestCore core = core("  pending_total: 2\n")) {
            assertTrue(file(core, "vol-7f3a-stg").ok());
            assertTrue(file(core, "vol-7f3a-stg").ok());
            GrantOutcome third = file(core, "vol-7f3a-stg");
            assertEquals(429, third.status());
            assertEquals("too_many_pending_total", third.code());
            assertTrue(third.message().contains("limits.pending_total"), third.message());
        }
    }

    @Test
    void requestWhenPendingPerAgentReachedThenRefusedNamingTheSetting() throws Exception {
        try (TestCore core = core("  pending_per_agent: 1\n")) {
            assertTrue(file(core, "vol-7f3a-stg").ok());
            GrantOutcome second = file(core, "vol-7f3a-stg");
            assertEquals(429, second.status());
            assertEquals("too_many_pending", second.code());
            assertTrue(second.message().contains("limits.pending_per_agent"), second.message());
        }
    }
}
