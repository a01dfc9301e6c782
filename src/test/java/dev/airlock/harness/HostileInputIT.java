package dev.airlock.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.airlock.harness.HarnessClient.Reply;
import dev.airlock.process.AirlockProcess;
import dev.airlock.testing.TestTotp;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 5, item 5: generated and mutated requests against every endpoint of the shipped jar running as its own
 * process (with the proxy in front of a local upstream): no answer of 500 or more, no "internal error" in its log,
 * still alive and serving afterwards, and its memory bounded. Control requests (health, a mint, a check) from an
 * address the hostile traffic never uses must succeed throughout, including while slow clients hold connections.
 *
 * <p>Small in {@code mvn verify} (3,000 requests); {@code -Dairlock.harness=full} (bench/hostile.sh) sends 50,000 and
 * holds 300 slow connections for 40 s. {@code -Dairlock.seed=N} replays a run; {@code -Dairlock.hostile.from=I
 * -Dairlock.hostile.requests=1} replays request I alone.
 *
 * <p>Memory bound: the server runs with {@code -Xmx256m} (AirlockProcess); its resident set must stay under
 * {@value #RSS_BOUND_MIB} MiB (heap cap plus metaspace, code cache, thread stacks and Netty's direct buffers, with
 * room) and must not grow by more than {@value #GROWTH_BOUND_MIB} MiB over the second half of the run, when the JVM
 * is warm. RSS mostly shows how much of the committed heap the collector has touched; the sharper test of a leak is
 * the live heap after a full collection ({@code jcmd GC.run}, {@code GC.heap_info}), which must not grow by more than
 * {@value #LIVE_GROWTH_BOUND_MIB} MiB over the second half (state the requests legitimately add, such as revocations
 * and throttle entries, is small and bounded).
 */
class HostileInputIT {
    static final long RSS_BOUND_MIB = 400;
    static final long GROWTH_BOUND_MIB = 64;
    static final long LIVE_GROWTH_BOUND_MIB = 32;

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        Collections.reverse(closeables);
        for (AutoCloseable c : closeables) c.close();
    }

    @Test
    @Timeout(value = 40, unit = TimeUnit.MINUTES)
    void hostileRequestsGetNoServerErrorAndTheServerStaysUpWithBoundedMemory() throws Exception {
        long seed = HarnessMode.seed();
        int requests = HarnessMode.intProperty("airlock.hostile.requests", 3_000, 50_000);
        long from = Long.getLong("airlock.hostile.from", 0);
        int workers = HarnessMode.intProperty("airlock.hostile.workers", 12, 16);
        int slow = HarnessMode.intProperty("airlock.hostile.slow", 30, 300);
        long slowMillis = HarnessMode.intProperty("airlock.hostile.slowMillis", 3_000, 40_000);
        System.out.println("hostile-input harness: seed " + seed + " (replay with -Dairlock.seed=" + seed + "), "
                + requests + " requests from index " + from + ", " + workers + " workers");

        Path tmp = Files.createTempDirectory("airlock-hostile");
        Path logs = tmp.resolve("logs");
        CountingUpstream upstream = CountingUpstream.start();
        closeables.add(upstream);
        Path policy = HarnessPolicy.write(tmp.resolve("policy"), upstream.base());
        Path data = tmp.resolve("data");
        String secret = HarnessCli.agentAdd(logs, data, policy, "coding-agent");
        AirlockProcess server = AirlockProcess.server(data, policy, AirlockProcess.freePort(), logs);
        closeables.add(server);
        server.start();
        // After the first start, which creates the master key the account's TOTP secret is sealed with.
        HarnessCli.Ops ops = HarnessCli.opsAdd(logs, data, policy, "hostile-ops", "ops", "prod-ops");

        // The credentials generated requests carry, so they reach past authentication.
        HarnessClient http = new HarnessClient(server.base, Duration.ofSeconds(30));
        String basic = HarnessClient.basic("coding-agent", secret);
        String staging = token(http.mint(basic, "staging", null));
        String production = token(http.mint(basic, "production", "db:read"));
        String proxyToken = token(http.mint(basic, "staging", null));
        Reply grant = http.fileGrant(basic, "production", "volume:delete", "vol-7f3a");
        assertEquals(201, grant.status(), grant.body());
        String grantId = grant.json().path("auth_req_id").asText();
        // Two sign-ins, two codes of two different 30-second steps (each step is accepted once per account).
        Instant now = Instant.now();
        Reply signIn = http.signIn(ops.name(), ops.passphrase(), TestTotp.code(ops.totpSecret(), now), true);
        assertEquals(200, signIn.status(), signIn.body());
        String opsBearer = signIn.json().path("token").asText();
        String opsCookie = http.signInCookie(ops.name(), ops.passphrase(),
                TestTotp.code(ops.totpSecret(), now.plusSeconds(30)));
        String host = "127.0.0.1:" + server.port;
        HostileRequests generator = new HostileRequests(seed, new HostileRequests.Targets(host, basic, staging,
                production, proxyToken, grantId, opsBearer, opsCookie, deployBotAssertion(server.base)));
        HostileRun run = new HostileRun(new InetSocketAddress("127.0.0.1", server.port), generator);

        // Control requests: from 127.0.0.1, which the hostile traffic never uses, so its throttling never hits them.
        AtomicInteger controlFailures = new AtomicInteger();
        AtomicReference<String> lastControlFailure = new AtomicReference<>("");
        Runnable control = () -> {
            try {
                Reply h = http.get("/healthz", null);
                Reply m = http.mint(basic, "staging", "db:read");
                Reply c = m.status() == 200 ? http.check(token(m), "staging", "db:read", null) : m;
                if (h.status() != 200 || m.status() != 200 || !c.json().path("allowed").asBoolean()) {
                    controlFailures.incrementAndGet();
                    lastControlFailure.set("healthz " + h + "; mint " + m + "; check " + c);
                }
            } catch (Exception e) {
                controlFailures.incrementAndGet();
                lastControlFailure.set(e.toString());
            }
        };

        control.run();
        long liveBefore = ProcStatus.liveHeapMib(server.pid());
        ProcStatus before = ProcStatus.of(server.pid());
        List<String> memory = Collections.synchronizedList(new ArrayList<>());
        memory.add("0: " + before);
        AtomicReference<ProcStatus> atHalf = new AtomicReference<>();
        AtomicReference<Long> liveAtHalf = new AtomicReference<>();
        long every = Math.max(500, requests / 10);
        Instant start = Instant.now();
        run.send(from, from + requests, workers, every, done -> {
            control.run();
            ProcStatus p = ProcStatus.of(server.pid());
            memory.add(done + ": " + p);
            if (done >= requests / 2 && atHalf.get() == null) {
                atHalf.set(p);
                liveAtHalf.set(ProcStatus.liveHeapMib(server.pid()));
                memory.add(done + ": live heap after a full GC " + liveAtHalf.get() + " MiB");
            }
        });
        Duration took = Duration.between(start, Instant.now());
        ProcStatus afterRequests = ProcStatus.of(server.pid());
        long liveAfter = ProcStatus.liveHeapMib(server.pid());
        memory.add(requests + ": live heap after a full GC " + liveAfter + " MiB");

        // Slow clients: while they hold their connections, everyone else is still served.
        AtomicInteger slowControls = new AtomicInteger();
        HostileRun.SlowResult slowResult = run.slowClients(slow, slowMillis, () -> {
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(slowMillis);
            do {
                control.run();
                slowControls.incrementAndGet();
                sleep(500);
            } while (System.nanoTime() < until);
        });

        control.run();
        ProcStatus after = ProcStatus.of(server.pid());
        boolean alive = server.alive();
        Reply healthz = http.get("/healthz", null);
        String log = server.stderr() + server.stdout();
        long internalErrors = log.lines().filter(l -> l.contains("internal error")).count();
        long severe = log.lines().filter(l -> l.startsWith("SEVERE")).count();
        ProcStatus half = atHalf.get() == null ? before : atHalf.get();

        long liveHalf = liveAtHalf.get() == null ? liveBefore : liveAtHalf.get();
        String report = report(seed, requests, from, workers, took, run, before, half, afterRequests, after, memory,
                slowResult, slowMillis, slowControls.get(), controlFailures.get(), internalErrors, severe, alive,
                upstream.received.get(), new long[] {liveBefore, liveHalf, liveAfter});
        System.out.println(report);
        if (HarnessMode.results() != null) {
            Files.createDirectories(HarnessMode.results().toAbsolutePath().getParent());
            Files.writeString(HarnessMode.results(), report);
        }

        assertTrue(alive, "the server process is alive\n" + server.output());
        assertEquals(200, healthz.status(), "healthz after the run");
        assertEquals(List.of(), run.serverErrors(), "answers of 500 or more (replay each with -Dairlock.seed=" + seed
                + " -Dairlock.hostile.from=<index> -Dairlock.hostile.requests=1)");
        assertEquals(0, internalErrors, "'internal error' lines in the server's log:\n" + log);
        assertEquals(0, controlFailures.get(), "control requests that failed; last: " + lastControlFailure.get());
        assertEquals(requests, run.sent(), "every generated request was sent");
        assertTrue(run.answers() > run.sent() / 2, "the server answered most requests (else the harness tests"
                + " nothing): " + run.answers() + " of " + run.sent());
        assertTrue(after.rssMib() <= RSS_BOUND_MIB && after.peakMib() <= RSS_BOUND_MIB,
                "RSS " + after + " within " + RSS_BOUND_MIB + " MiB");
        assertTrue(afterRequests.rssMib() - half.rssMib() <= GROWTH_BOUND_MIB, "RSS grew from " + half + " to "
                + afterRequests + " over the second half");
        if (liveHalf >= 0 && liveAfter >= 0) {
            assertTrue(liveAfter - liveHalf <= LIVE_GROWTH_BOUND_MIB, "live heap after a full GC grew from " + liveHalf
                    + " to " + liveAfter + " MiB over the second half");
        }
    }

    static String token(Reply minted) {
        if (minted.status() != 200) throw new AssertionError("mint: " + minted);
        return minted.json().path("access_token").asText();
    }

    /** deploy-bot's RFC 7523 client assertion, signed with the example's test key (src/test/resources/keys). */
    static String deployBotAssertion(String base) throws Exception {
        OctetKeyPair key = OctetKeyPair.parse(Files.readString(Path.of("src/test/resources/keys/deploy-bot.private.jwk.json")));
        Instant now = Instant.now();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.EdDSA).keyID(key.getKeyID()).build(),
                new JWTClaimsSet.Builder().issuer("deploy-bot").subject("deploy-bot").audience(base)
                        .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(60)))
                        .jwtID(UUID.randomUUID().toString()).build());
        jwt.sign(new Ed25519Signer(key));
        return jwt.serialize();
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String report(long seed, int requests, long from, int workers, Duration took, HostileRun run,
                         ProcStatus before, ProcStatus half, ProcStatus afterRequests, ProcStatus after,
                         List<String> memory, HostileRun.SlowResult slow, long slowMillis, int slowControls,
                         int controlFailures, long internalErrors, long severe, boolean alive, long upstream,
                         long[] live) {
        StringBuilder b = new StringBuilder();
        b.append("# Hostile-input harness, ").append(LocalDate.now()).append("\n\n");
        b.append("- Command: `").append(HarnessMode.full() ? "bench/hostile.sh" : "mvn -o verify (CI size)")
                .append("` (seed ").append(seed).append("; replay: `-Dairlock.seed=").append(seed).append("`)\n");
        b.append("- Machine: ").append(HarnessMode.machine()).append("\n");
        b.append("- Server: the shipped jar as its own process (`serve --instances 2`, `-Xmx256m -XX:+UseSerialGC"
                + " -XX:TieredStopAtLevel=1`), example policy, proxy providers pointed at a local upstream\n");
        b.append("- Requests: ").append(run.sent()).append(" (indices ").append(from).append("..")
                .append(from + requests - 1).append("), ").append(workers).append(" workers, ").append(took.toSeconds())
                .append(" s; answers ").append(run.answers()).append(", connections refused ")
                .append(run.connectFailures()).append("; forwarded to the upstream: ").append(upstream).append("\n");
        b.append("- **Answers >= 500 from Airlock: ").append(run.serverErrors().size()).append("**; 'internal error' log"
                + " lines: ").append(internalErrors).append("; SEVERE log lines (Netty/Vert.x connection noise: resets,"
                + " bad HTTP/2 prefaces): ").append(severe).append("\n");
        b.append("- 501 from Vert.x core to request lines in an HTTP version other than 1.0/1.1 (before any Airlock"
                + " code; see HostileRun): ").append(run.versionRefusals()).append("\n");
        b.append("- Process alive afterwards: ").append(alive).append("; control requests (healthz, mint, check from"
                + " an untouched address) failed: ").append(controlFailures).append("\n");
        b.append("- RSS (VmRSS, VmHWM from /proc/<pid>/status): before ").append(before).append(", half-way ")
                .append(half).append(", after the requests ").append(afterRequests).append(", at the end ").append(after)
                .append("; bound ").append(RSS_BOUND_MIB).append(" MiB, growth over the second half at most ")
                .append(GROWTH_BOUND_MIB).append(" MiB\n");
        b.append("- Live heap after a full GC (jcmd): before ").append(live[0]).append(" MiB, half-way ").append(live[1])
                .append(" MiB, after the requests ").append(live[2]).append(" MiB; growth over the second half at most ")
                .append(LIVE_GROWTH_BOUND_MIB).append(" MiB\n");
        b.append("- Slow clients: ").append(slow.opened()).append(" connections sending a few bytes every 50 ms for ")
                .append(slowMillis / 1000).append(" s (unfinished headers, a trickled body, silence); closed by the"
                        + " server meanwhile: ").append(slow.closedByServer()).append("; control rounds meanwhile: ")
                .append(slowControls).append("\n\n");
        b.append("## Statuses\n\n| status | count |\n|---|---|\n");
        run.statuses().forEach((s, c) -> b.append("| ").append(s).append(" | ").append(c).append(" |\n"));
        b.append("\n## By category\n\n| category | answers by status | not answered |\n|---|---|---|\n");
        Map<String, Long> unanswered = run.unanswered();
        java.util.Set<String> cats = new java.util.TreeSet<>(run.byCategory().keySet());
        cats.addAll(unanswered.keySet());
        for (String cat : cats) {
            b.append("| ").append(cat).append(" | ").append(run.byCategory().getOrDefault(cat, Map.of())).append(" | ")
                    .append(unanswered.getOrDefault(cat, 0L)).append(" |\n");
        }
        b.append("\n(Not answered: the bytes were not a complete request, so the server waited for more until the"
                + " client gave up, or closed the connection without an answer.)\n");
        b.append("\n## Memory samples (requests sent: RSS)\n\n");
        for (String m : memory) b.append("- ").append(m).append("\n");
        if (!run.serverErrors().isEmpty()) {
            b.append("\n## Answers >= 500\n\n");
            for (HostileRun.ServerError e : run.serverErrors()) {
                b.append("### #").append(e.index()).append(" (").append(e.category()).append("): ").append(e.status())
                        .append("\n\n```\n").append(e.request()).append("\n```\n\n```\n").append(e.answerHead())
                        .append("\n```\n\n");
            }
        }
        return b.toString();
    }
}
