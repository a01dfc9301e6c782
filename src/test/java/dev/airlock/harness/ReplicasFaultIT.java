package dev.airlock.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.harness.HarnessClient.Reply;
import dev.airlock.process.AirlockProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, must-show 5: faults across three replicas of the shipped jar on one PostgreSQL, under mixed load from the
 * test on all three (mints, checks, revocations, CLI freezes, grants approved and redeemed): (a) PostgreSQL stopped
 * and started again on the same data directory and port: meanwhile every replica answers 503 with Retry-After, never
 * another 5xx, and {@code /readyz} 503; afterwards all are ready again by themselves; (b) {@code kill -9} of one
 * replica mid-load, started again. Then no acknowledged write is lost: every revocation, freeze and grant approval
 * that got a 2xx (exit 0 for the CLI) is in effect on every replica and has its audit event, no grant was redeemed
 * twice, and {@code airlock audit verify --store} exits 0. CI: one round of each fault, short phases;
 * {@code -Dairlock.harness=full} (bench/replicas.sh): more rounds, longer phases. Times are reported, not asserted.
 */
class ReplicasFaultIT {
    static final Duration RECOVERY = Duration.ofSeconds(60);
    static final HttpClient RAW = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path tmp;
    ReplicaSet set;
    final AtomicBoolean stop = new AtomicBoolean();
    final List<Thread> workers = new ArrayList<>();

    // What the load saw and what was acknowledged.
    final Map<String, AtomicInteger> statuses = new ConcurrentHashMap<>();
    final List<String> problems = new CopyOnWriteArrayList<>();
    final List<String> revokedTokens = new CopyOnWriteArrayList<>();
    final List<String> mintedJtis = new CopyOnWriteArrayList<>();
    final List<String> approvedGrants = new CopyOnWriteArrayList<>();
    final Map<String, AtomicInteger> grantTokens = new ConcurrentHashMap<>();
    /** The freeze worker's history of dev: "frozen"/"unfrozen" when acknowledged, "?" when not (may or may not hold). */
    final List<String> freezes = new CopyOnWriteArrayList<>();
    volatile boolean outage;
    final AtomicInteger outage503 = new AtomicInteger();

    @AfterEach
    void stop() throws Exception {
        stop.set(true);
        for (Thread t : workers) t.join(20_000);
        if (set != null) set.close();
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void postgresRestartAndKill9OfAReplicaLoseNothingAcknowledged() throws Exception {
        int rounds = HarnessMode.intProperty("airlock.replicas.faultRounds", 1, 5);
        int phaseMillis = HarnessMode.intProperty("airlock.replicas.phaseMillis", 3000, 15000);
        long seed = HarnessMode.seed();
        Random random = new Random(seed);
        set = ReplicaSet.start(tmp, 3);
        String agent = HarnessClient.basic("coding-agent", set.agentAdd("coding-agent"));
        OpsPool pool = new OpsPool(List.of(set.opsAdd("olga", "ops"), set.opsAdd("oscar", "ops"),
                set.opsAdd("otto", "ops")), Clock.systemUTC());
        for (int i = 0; i < 3; i++) startTokenWorker(i, agent);
        startGrantWorker(agent, pool);
        startFreezeWorker();

        List<String> timeline = new ArrayList<>();
        long began = System.nanoTime();
        for (int round = 0; round < rounds; round++) {
            Thread.sleep(phaseMillis);
            // (a) PostgreSQL down, then up again on the same data directory and port.
            long t0 = System.nanoTime();
            outage = true;
            set.stopPostgres();
            boolean[] notReady = new boolean[3];
            long until = System.nanoTime() + Duration.ofMillis(phaseMillis).toNanos();
            while (System.nanoTime() < until || !(notReady[0] && notReady[1] && notReady[2])) {
                for (int i = 0; i < 3; i++) if (readyz(set.replica(i)) == 503) notReady[i] = true;
                assertTrue(System.nanoTime() - t0 < RECOVERY.toNanos(), "a replica's /readyz never said 503");
                Thread.sleep(50);
            }
            set.startPostgres();
            outage = false;
            long up = System.nanoTime();
            awaitAllReady();
            timeline.add(String.format(java.util.Locale.ROOT, "round %d: PostgreSQL down %.1f s; all replicas ready"
                    + " %.1f s after it was up again", round + 1, (up - t0) / 1e9, (System.nanoTime() - up) / 1e9));
            Thread.sleep(phaseMillis);
            // (b) kill -9 one replica mid-load, start it again on its data directory and port.
            int victim = random.nextInt(3);
            long k0 = System.nanoTime();
            set.replica(victim).kill9();
            Thread.sleep(phaseMillis / 3);
            set.replica(victim).start(RECOVERY);
            pool.restarted();
            timeline.add(String.format(java.util.Locale.ROOT, "round %d: replica %s killed (-9) and serving again"
                    + " after %.1f s", round + 1, ReplicaSet.name(victim), (System.nanoTime() - k0) / 1e9));
        }
        Thread.sleep(phaseMillis);
        stop.set(true);
        for (Thread t : workers) t.join(30_000);
        double seconds = (System.nanoTime() - began) / 1e9;

        // Outcomes.
        List<String> lost = verifyNothingLost(agent);
        AirlockProcess.Result verify = set.auditVerify();
        String report = report(seed, rounds, seconds, timeline, lost, verify.exit());
        System.out.println(report);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/replicas-faults.md"), report);

        assertEquals(List.of(), problems, () -> "answers other than 503 with Retry-After while PostgreSQL was down,"
                + " or a 5xx other than 503 at any time; the replicas logged:\n" + internalErrors(set.logs));
        assertTrue(outage503.get() > 0, "positive control: the load met the outage (no 503 seen)");
        assertTrue(!revokedTokens.isEmpty() && !approvedGrants.isEmpty(), "the load acknowledged revocations and"
                + " approvals: " + revokedTokens.size() + ", " + approvedGrants.size());
        assertEquals(List.of(), lost, "acknowledged writes missing on some replica or in the audit log");
        assertEquals(0, verify.exit(), "audit verify --store: " + verify);
    }

    // --- load ---

    private void startTokenWorker(int i, String agent) {
        HarnessClient mintOn = client(i);
        HarnessClient checkOn = client((i + 1) % 3);
        HarnessClient revokeOn = client((i + 2) % 3);
        worker("tokens-" + ReplicaSet.name(i), () -> {
            Reply m = counted(mintOn.mint(agent, "staging", "db:read"));
            if (m.status() != 200) return;
            String token = m.json().path("access_token").asText();
            mintedJtis.add(HarnessClient.jti(token));
            counted(checkOn.check(token, "staging", "db:read", null));
            Reply r = counted(revokeOn.revoke(agent, token));
            if (r.status() == 200) revokedTokens.add(token);
        });
    }

    private void startGrantWorker(String agent, OpsPool pool) {
        AtomicInteger n = new AtomicInteger();
        worker("grants", () -> {
            HarnessClient via = client(n.getAndIncrement() % 3);
            OpsPool.Account who = pool.approver(Set.of());
            if (who == null) {
                Thread.sleep(200);
                return;
            }
            Reply filed = counted(via.fileGrant(agent, "staging", "volume:delete", "vol-7f3a-stg"));
            if (filed.status() != 201) return;
            String id = filed.json().path("auth_req_id").asText();
            String session = pool.session(who);
            HarnessClient approveOn = client(n.getAndIncrement() % 3);
            if (session == null) {
                Reply in = counted(approveOn.signIn(who.name(), who.ops.passphrase(), pool.spend(who), true));
                if (in.status() != 200) return;
                session = in.json().path("token").asText();
                pool.session(who, session);
            }
            Reply approved = counted(approveOn.approve(session, id, pool.spend(who)));
            if (approved.status() == 401) pool.session(who, null);
            if (approved.status() != 200) return;
            approvedGrants.add(id);
            for (int k = 0; k < 3; k++) {
                Reply red = counted(client(k).redeem(agent, id));
                if (red.status() == 200) grantTokens.computeIfAbsent(id, x -> new AtomicInteger()).incrementAndGet();
            }
        });
    }

    private void startFreezeWorker() {
        AtomicInteger n = new AtomicInteger();
        worker("freezes", () -> {
            boolean freeze = n.getAndIncrement() % 2 == 0;
            int exit = set.cli("env", freeze ? "freeze" : "unfreeze", "dev").exit();
            freezes.add(exit == 0 ? (freeze ? "frozen" : "unfrozen") : "?");
        });
    }

    interface Step {
        void run() throws Exception;
    }

    private void worker(String name, Step step) {
        Thread t = new Thread(() -> {
            while (!stop.get()) {
                try {
                    step.run();
                } catch (IOException e) {
                    // No answer (the replica is being killed): not acknowledged, nothing to record.
                    sleep(20);
                } catch (Exception e) {
                    problems.add(name + ": " + e);
                    return;
                }
            }
        }, "replicas-" + name);
        t.setDaemon(true);
        workers.add(t);
        t.start();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Records the status; a 5xx other than 503, or a 503 without Retry-After, is a problem. */
    private Reply counted(Reply r) {
        statuses.computeIfAbsent(Integer.toString(r.status()), k -> new AtomicInteger()).incrementAndGet();
        if (r.status() == 503) {
            if (outage) outage503.incrementAndGet();
            if (r.retryAfter() == null) problems.add("503 without Retry-After: " + r);
        } else if (r.status() >= 500) {
            problems.add("a " + r.status() + ": " + r);
        }
        return r;
    }

    private HarnessClient client(int i) {
        return new HarnessClient(set.replica(i).base, Duration.ofSeconds(10));
    }

    private static int readyz(AirlockProcess p) {
        try {
            return RAW.send(HttpRequest.newBuilder(URI.create(p.base + "/readyz")).timeout(Duration.ofSeconds(2))
                    .GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private void awaitAllReady() throws InterruptedException {
        long deadline = System.nanoTime() + RECOVERY.toNanos();
        for (int i = 0; i < 3; i++) {
            while (readyz(set.replica(i)) != 200) {
                assertTrue(System.nanoTime() < deadline, "replica " + ReplicaSet.name(i) + " did not recover by"
                        + " itself within " + RECOVERY + " after PostgreSQL was back\n" + set.replica(i).output());
                Thread.sleep(50);
            }
        }
    }

    // --- verification ---

    private List<String> verifyNothingLost(String agent) throws Exception {
        List<String> lost = new ArrayList<>();
        List<String> audit = set.auditLines();
        for (int i = 0; i < 3; i++) {
            HarnessClient via = new HarnessClient(set.replica(i).base, Duration.ofSeconds(10));
            for (String token : revokedTokens) {
                JsonNode c = via.check(token, "staging", "db:read", null).json();
                if (c.path("allowed").asBoolean(true) || !"token_revoked".equals(c.path("code").asText())) {
                    lost.add("revocation of " + HarnessClient.jti(token) + " not in effect on "
                            + ReplicaSet.name(i) + ": " + c);
                }
            }
            for (String id : approvedGrants) {
                String status = via.grant(agent, id).json().path("status").asText();
                if (!Set.of("approved", "redeemed", "expired").contains(status)) {
                    lost.add("approved grant " + id + " is " + status + " on " + ReplicaSet.name(i));
                }
            }
            String last = freezes.isEmpty() ? "?" : freezes.get(freezes.size() - 1);
            if (!last.equals("?")) {
                int mint = via.mint(agent, "dev", "db:read").status();
                if ((mint == 200) == last.equals("frozen")) {
                    lost.add("dev should be " + last + " on " + ReplicaSet.name(i) + " (mint answered " + mint + ")");
                }
            }
        }
        Set<String> revokedEvents = jtis(audit, "token.revoked");
        for (String token : revokedTokens) {
            String jti = HarnessClient.jti(token);
            if (!revokedEvents.contains(jti)) lost.add("no token.revoked event for " + jti);
        }
        Set<String> mintedEvents = jtis(audit, "token.minted");
        for (String jti : mintedJtis) if (!mintedEvents.contains(jti)) lost.add("no token.minted event for " + jti);
        for (String id : approvedGrants) {
            if (audit.stream().noneMatch(l -> l.contains("\"type\":\"grant.approved\"") && l.contains(id))) {
                lost.add("no grant.approved event for " + id);
            }
            long redeemed = audit.stream().filter(l -> l.contains("\"type\":\"grant.redeemed\"") && l.contains(id))
                    .count();
            int tokens = grantTokens.getOrDefault(id, new AtomicInteger()).get();
            if (redeemed > 1 || tokens > 1) lost.add("grant " + id + " spent twice: " + redeemed + " events, "
                    + tokens + " tokens");
        }
        long frozenAcked = freezes.stream().filter("frozen"::equals).count();
        long frozenEvents = audit.stream().filter(l -> l.contains("\"type\":\"env.frozen\"")).count();
        if (frozenEvents < frozenAcked) lost.add(frozenAcked + " freezes acknowledged, " + frozenEvents + " events");
        return lost;
    }

    private static final java.util.regex.Pattern JTI = java.util.regex.Pattern.compile("\"jti\":\"([^\"]+)\"");

    /** The jti of every audit line of this type. */
    private static Set<String> jtis(List<String> audit, String type) {
        Set<String> out = new java.util.HashSet<>();
        String marker = "\"type\":\"" + type + "\"";
        for (String l : audit) {
            if (!l.contains(marker)) continue;
            java.util.regex.Matcher m = JTI.matcher(l);
            if (m.find()) out.add(m.group(1));
        }
        return out;
    }

    private String report(long seed, int rounds, double seconds, List<String> timeline, List<String> lost,
                          int verifyExit) {
        StringBuilder b = new StringBuilder("## Faults across three replicas\n\n");
        b.append("Three replicas of the shipped jar on one embedded PostgreSQL under mixed load from the test (per"
                + " replica: mint, check on the next, revoke on the one after; grants filed, approved and redeemed"
                + " on all three; the CLI freezing and unfreezing `dev` with `--store`). ").append(rounds)
                .append(" round(s) of: PostgreSQL stopped and started again on the same data directory and port;"
                + " one replica killed with SIGKILL and started again.\n\n");
        for (String t : timeline) b.append("- ").append(t).append('\n');
        b.append("\n| run | answers by status | 503 during outages | problems | acknowledged mints | revocations |"
                + " approvals | freezes (acked) | lost | audit verify |\n|---|---|---|---|---|---|---|---|---|---|\n");
        b.append(String.format(java.util.Locale.ROOT, "| %.0f s | %s | %d | %d | %d | %d | %d | %d | %d | exit %d |%n",
                seconds, new java.util.TreeMap<>(statuses), outage503.get(), problems.size(), mintedJtis.size(),
                revokedTokens.size(),
                approvedGrants.size(), freezes.stream().filter(f -> !f.equals("?")).count(), lost.size(),
                verifyExit));
        b.append("\nSeed ").append(seed).append(". Machine: ").append(HarnessMode.machine()).append(".\n");
        return b.toString();
    }

    /** Each replica's "internal error" log entries with the lines after them (the stack), to diagnose a 500. */
    static String internalErrors(Path logs) {
        StringBuilder out = new StringBuilder();
        try (java.util.stream.Stream<Path> files = Files.list(logs)) {
            for (Path f : files.sorted().toList()) {
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    if (!lines.get(i).contains("internal error")) continue;
                    out.append(f.getFileName()).append(":\n");
                    for (int j = i; j < Math.min(lines.size(), i + 40); j++) out.append(lines.get(j)).append('\n');
                }
            }
        } catch (java.io.IOException e) {
            out.append("(logs unreadable: ").append(e).append(')');
        }
        return out.toString();
    }
}
