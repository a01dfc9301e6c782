package dev.airlock.process;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.airlock.core.grant.Grant;
import dev.airlock.core.grant.GrantStatus;
import dev.airlock.core.policy.GrantLimits;
import dev.airlock.core.store.AssertionLimits;
import dev.airlock.store.embedded.FileStateStore;
import dev.airlock.testing.PolicyCopy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 13, finding 7: 25,687 finished grants made the server fail to start with its shipped 112 MB heap, for 30
 * days. Now a server with the shipped flags starts on any data directory its own limits allow: grants up to the
 * largest caps a policy may set ({@link GrantLimits#maxima()}), every one at its largest (2,000-character reason and
 * command, 16 resources of 256 characters, all outside Latin-1 so Java keeps two bytes a character), client
 * assertion ids up to {@link AssertionLimits#DEFAULT}, and revocations. Written through the store API, so fast.
 */
class ShippedHeapIT {
    /** Revocations have no count cap (each is held until its token's exp plus the tolerated step); a busy hour's worth. */
    static final int REVOCATIONS = 20_000;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void serverWithShippedHeapStartsOnDataDirectoryFilledToItsLimits() throws Exception {
        Path tmp = Files.createTempDirectory("airlock-heap");
        Path data = tmp.resolve("data");
        Files.createDirectory(data, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        GrantLimits max = GrantLimits.maxima();
        PolicyCopy policy = PolicyCopy.ofShipped().append("grants.yaml", "\nlimits:\n  pending_per_agent: "
                + max.pendingPerAgent() + "\n  pending_total: " + max.pendingTotal() + "\n  finished_per_agent: "
                + max.finishedPerAgent() + "\n  finished_total: " + max.finishedTotal() + "\n");
        int grants = fill(data, max);
        assertEquals(max.pendingTotal() + max.finishedTotal(), grants);

        try (AirlockProcess server = AirlockProcess.server(data, policy.dir, AirlockProcess.freePort(), tmp.resolve("logs"))
                .withJvmFlags(AirlockProcess.SHIPPED_FLAGS)) {
            server.start(Duration.ofSeconds(60));
        }
    }

    private static int fill(Path data, GrantLimits max) throws Exception {
        Instant now = Clock.systemUTC().instant();
        String wide = "я";
        String reason = "why " + wide.repeat(1996);
        String command = "rm " + wide.repeat(1997);
        List<String> resources = new ArrayList<>();
        for (int i = 0; i < 16; i++) resources.add(String.format("vol-%02d-", i) + wide.repeat(249));
        int n = 0;
        try (FileStateStore store = FileStateStore.open(data, Clock.systemUTC())) {
            List<CompletableFuture<?>> writes = new ArrayList<>();
            for (int i = 0; i < max.pendingTotal(); i++, n++) {
                String agent = "agent-" + (i / max.pendingPerAgent());
                writes.add(store.saveGrant(grant(n, agent, GrantStatus.PENDING, reason, command, resources, now)));
            }
            for (int i = 0; i < max.finishedTotal(); i++, n++) {
                String agent = "agent-" + (i / max.finishedPerAgent());
                writes.add(store.saveGrant(grant(n, agent, GrantStatus.CANCELLED, reason, command, resources, now)));
            }
            AssertionLimits a = AssertionLimits.DEFAULT;
            Instant exp = now.plus(Duration.ofMinutes(10));
            for (int i = 0; i < a.total(); i++) {
                writes.add(store.recordAssertion("client-" + (i / a.perClient()), UUID.randomUUID().toString(), exp));
            }
            for (int i = 0; i < REVOCATIONS; i++) {
                writes.add(store.revoke(UUID.randomUUID().toString(), now.plus(Duration.ofMinutes(15))));
            }
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
            store.refresh();
        }
        return n;
    }

    private static Grant grant(int n, String agent, GrantStatus status, String reason, String command,
                               List<String> resources, Instant now) {
        Instant created = now.minusSeconds(10_000 - n);
        return new Grant(String.format("gr_heap%06d", n), agent, "staging", List.of("volume:delete"), resources, reason,
                command, 1, List.of(), status, created, now.plus(Duration.ofHours(24)),
                status == GrantStatus.PENDING ? null : agent, null, status == GrantStatus.PENDING ? null : created,
                null, 0, null, 1);
    }
}
