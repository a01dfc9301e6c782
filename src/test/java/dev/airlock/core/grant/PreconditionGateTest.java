package dev.airlock.core.grant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.policy.Agent;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.PolicyLoader;
import dev.airlock.core.proxy.PreconditionRequests;
import dev.airlock.core.proxy.ProviderLoader;
import dev.airlock.core.proxy.Providers;
import dev.airlock.testing.PreconditionPolicy;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestCore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The precondition gate in the core (issue 16), with a real policy, store and audit log and the probe as the only
 * stand-in (it is the outside world: a provider's API). Evaluation fails closed wherever it cannot be done, and the
 * request is derived again from the provider's rules at every evaluation.
 */
class PreconditionGateTest {
    @TempDir
    Path data;
    Path dir;
    Policy policy;
    TestCore core;
    final List<PreconditionRequests.Target> asked = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        dir = PreconditionPolicy.write();
        policy = PolicyLoader.load(dir);
        core = new TestCore(data, policy);
    }

    @AfterEach
    void stop() throws Exception {
        core.close();
    }

    @Test
    void evaluateWhenTheProviderFileNowMapsTheRequestToADestructiveScopeThenFailedAndNothingIsSent() throws Exception {
        // The provider file changed after the policy was checked: GET /v1/snapshots now needs volume:delete.
        Path rest = dir.resolve("providers/generic-rest.yaml");
        String text = Files.readString(rest);
        String rule = "    path: /v1/snapshots\n    scope: volume:read";
        assertTrue(text.contains(rule));
        Files.writeString(rest, text.replace(rule, "    path: /v1/snapshots\n    scope: volume:delete"));
        Providers changed = ProviderLoader.load(dir.resolve("providers"), PolicyLoader.load(TestAirlock.EXAMPLE_POLICY));

        PreconditionReport report = gate(changed, recording(answer("{\"snapshots\":[]}"))).evaluate(grant("vol-7f3a-stg"),
                PreconditionGate.Occasion.APPROVE, "erin").join();
        assertFalse(report.passed());
        assertTrue(report.failures().contains("-> volume:delete, which is destructive: a precondition may only read"),
                report.failures());
        assertTrue(asked.isEmpty(), "the request was sent");
    }

    @Test
    void evaluateWhenTheProbeThrowsThenFailedWithoutItsMessage() throws Exception {
        PreconditionProbe throwing = (provider, target) -> {
            throw new IllegalStateException("secret-looking detail");
        };
        PreconditionReport report = gate(providers(), throwing).evaluate(grant("vol-7f3a-stg"),
                PreconditionGate.Occasion.VIEW, "erin").join();
        assertFalse(report.passed());
        assertEquals("volume:delete on vol-7f3a-stg: failed: provider generic-rest could not be asked"
                + " (IllegalStateException)", report.failures());
    }

    @Test
    void evaluateWhenTheGrantNamesResourcesOfSeveralTypesThenOnlyTheScopesTypeIsChecked() throws Exception {
        Grant g = grant(List.of("volume:delete", "db:drop"), List.of("vol-7f3a-stg", "db-stg-main"));
        PreconditionReport report = gate(providers(), recording(answer("{\"snapshots\":[]}")))
                .evaluate(g, PreconditionGate.Occasion.VIEW, "erin").join();
        assertEquals(List.of("vol-7f3a-stg"), report.results().stream().map(PreconditionResult::resource).toList());
        assertEquals(List.of("/v1/snapshots?volumeId=vol-7f3a-stg"), asked.stream().map(PreconditionRequests.Target::uri).toList());
    }

    @Test
    void evaluateAuditsEachResultWithoutTheProvidersAnswer() throws Exception {
        gate(providers(), recording(answer("{\"snapshots\":[],\"note\":\"do-not-log-me\"}")))
                .evaluate(grant("vol-7f3a-stg"), PreconditionGate.Occasion.REDEEM, "coding-agent").join();
        List<String> lines = Files.readAllLines(data.resolve("audit.log")).stream()
                .filter(l -> l.contains("\"type\":\"grant.precondition\"")).toList();
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).contains("\"occasion\":\"redeem\"") && lines.get(0).contains("\"passed\":false"), lines.get(0));
        assertFalse(lines.get(0).contains("do-not-log-me"));
    }

    @Test
    void approveWhenGrantsHaveNoProbeThenRefusedFailedClosed() {
        // TestCore builds Grants without providers or probe, as a process that serves nothing would.
        Agent agent = policy.agent("coding-agent").orElseThrow();
        GrantOutcome filed = core.grants.requests.request(agent, new GrantRequests.Request("staging",
                List.of("volume:delete"), List.of("vol-7f3a-stg"), "the staging volume holds a stale copy of the data",
                null, "test")).join();
        GrantOutcome o = core.grants.decisions.approve(new Approver("erin", Set.of("ops")), filed.grant().id(), "000000",
                "test").join();
        assertEquals("precondition_failed", o.code(), o.message());
        assertTrue(o.message().contains("provider generic-rest is not loaded"), o.message());
    }

    // --- helpers ---

    private PreconditionGate gate(Providers providers, PreconditionProbe probe) {
        return new PreconditionGate(policy, providers, probe, core.audit, core.clock);
    }

    private Providers providers() throws Exception {
        return ProviderLoader.load(dir.resolve("providers"), policy);
    }

    private PreconditionProbe recording(PreconditionProbe.Answer a) {
        return (provider, target) -> {
            asked.add(target);
            return CompletableFuture.completedFuture(a);
        };
    }

    private static PreconditionProbe.Answer answer(String json) {
        return new PreconditionProbe.Answer(200, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    private Grant grant(String resource) {
        return grant(List.of("volume:delete"), List.of(resource));
    }

    private Grant grant(List<String> scopes, List<String> resources) {
        return new Grant("gr_test", "coding-agent", "staging", scopes, resources, "reason", null, 1, List.of(),
                GrantStatus.PENDING, core.clock.instant(), core.clock.instant().plusSeconds(900), null, null, null, null,
                0, null, 1);
    }
}
