package dev.airlock.harness;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.harness.CrashLedger.Op;
import dev.airlock.process.AirlockProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 5, item 4: "a killed process loses nothing it acknowledged", under mixed load. The shipped jar runs as its own
 * process; the harness mints and revokes tokens, files grants and takes them through approval (ops sign-in and a fresh
 * TOTP code each time), denial, cancellation, redemption and their one use, while the CLI freezes and unfreezes
 * {@code dev} on the same data directory; at a random moment the server gets SIGKILL, is started again on the same
 * data directory and port, {@code airlock audit verify} must pass, and every acknowledged operation (a 2xx answer, or
 * exit 0 for the CLI) must still be in effect ({@link CrashVerifier}). The count of missing ones must be 0.
 *
 * <p>Small in {@code mvn verify} (3 kills); {@code -Dairlock.harness=full} (bench/crash.sh) kills 25 times.
 * {@code -Dairlock.seed=N} replays the choices (which operations, when to kill; the machine's timing still varies).
 *
 * <p>That it can fail: {@code -Dairlock.crash.sabotage=lose-tail} drops the last lines of the audit log and the state
 * journal after each kill, as a server that acknowledged before its writes were durable would lose them (the hash
 * chain of what is left still verifies). The harness must then report missing operations; see bench/README.md.
 */
class CrashHarnessIT {
    private static final int SIGKILL_EXIT = 128 + 9;
    private final List<AirlockProcess> servers = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AirlockProcess s : servers) s.close();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.MINUTES)
    void noAcknowledgedOperationIsLostToKill9() throws Exception {
        long seed = HarnessMode.seed();
        int kills = HarnessMode.intProperty("airlock.crash.kills", 3, 25);
        int minLoad = HarnessMode.intProperty("airlock.crash.minLoadMillis", 1500, 1000);
        int maxLoad = HarnessMode.intProperty("airlock.crash.maxLoadMillis", 4000, 8000);
        int opsAccounts = HarnessMode.intProperty("airlock.crash.opsAccounts", 3, 6);
        String sabotage = System.getProperty("airlock.crash.sabotage", "");
        System.out.println("crash harness: seed " + seed + " (replay with -Dairlock.seed=" + seed + "), " + kills
                + " kills" + (sabotage.isEmpty() ? "" : ", SABOTAGE " + sabotage));
        Random random = new Random(seed);
        Instant began = Instant.now();

        Path tmp = Files.createTempDirectory("airlock-crash");
        Path logs = tmp.resolve("logs");
        Path data = tmp.resolve("data");
        Path policy = HarnessPolicy.SHIPPED;
        String secret = HarnessCli.agentAdd(logs, data, policy, "coding-agent");
        String basic = HarnessClient.basic("coding-agent", secret);
        String gateway = HarnessClient.basic("api-gateway", HarnessCli.agentAdd(logs, data, policy, "api-gateway"));
        // The smallest compaction size, so kills also land while state.snapshot is being written and committed.
        AirlockProcess server = AirlockProcess.server(data, policy, AirlockProcess.freePort(), logs,
                "--compact-journal-above", "4096");
        servers.add(server);
        server.start();
        List<HarnessCli.Ops> accounts = new ArrayList<>();
        for (int i = 0; i < opsAccounts; i++) {
            // Approvers of every environment; none is named like coding-agent's owner (alice), who may not approve.
            accounts.add(HarnessCli.opsAdd(logs, data, policy, "crash-ops-" + i, "ops", "prod-ops"));
        }

        CrashLedger ledger = new CrashLedger();
        OpsPool pool = new OpsPool(accounts, Clock.systemUTC());
        HarnessClient http = new HarnessClient(server.base, Duration.ofSeconds(30));
        CrashVerifier verifier = new CrashVerifier(http, basic, gateway, random.nextLong());
        AtomicInteger freezeSeq = new AtomicInteger();
        List<String> rounds = new ArrayList<>();
        Map<Op, Long> inFlightAtKills = new EnumMap<>(Op.class);
        List<CrashVerifier.Missing> missing = new ArrayList<>();
        List<String> auditFailures = new ArrayList<>();
        List<Long> restartMillis = new ArrayList<>();
        int killed = 0;

        for (int round = 1; round <= kills; round++) {
            CrashLoad load = new CrashLoad(server.base, basic, ledger, pool, logs, data, policy, random.nextLong(),
                    freezeSeq);
            long before = ledger.acknowledgedTotal();
            load.start(2);
            long runFor = minLoad + random.nextInt(Math.max(1, maxLoad - minLoad));
            Thread.sleep(runFor);
            Map<Op, Integer> inFlight = load.inFlight();
            assertEquals(SIGKILL_EXIT, server.kill9(), "exit status of a SIGKILLed process");
            killed++;
            load.stopAndJoin();
            inFlight.forEach((op, n) -> inFlightAtKills.merge(op, (long) n, Long::sum));
            if (sabotage.equals("lose-tail")) loseTail(data, 3);

            long t0 = System.nanoTime();
            server.start();
            restartMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            pool.restarted();
            AirlockProcess.Result verify = HarnessCli.auditVerify(logs, data);
            if (verify.exit() != 0) auditFailures.add("after kill " + round + ": " + verify);
            List<CrashVerifier.Missing> lost = verifier.verify(ledger, data);
            missing.addAll(lost);
            String line = String.format("kill %d after %d ms of load: %d operations acknowledged this round, in flight"
                            + " at the kill %s; restart to ready %d ms; audit verify %s; missing %d", round, runFor,
                    ledger.acknowledgedTotal() - before, inFlight, restartMillis.get(restartMillis.size() - 1),
                    verify.exit() == 0 ? "ok" : "FAILED", lost.size());
            System.out.println(line);
            for (CrashVerifier.Missing m : lost) System.out.println("  MISSING " + m.op() + ": " + m.what());
            rounds.add(line);
            if (!lost.isEmpty() || verify.exit() != 0) break; // a failure is reported as soon as it is seen
        }

        Duration took = Duration.between(began, Instant.now());
        String report = report(seed, kills, killed, took, ledger, verifier, inFlightAtKills, missing, auditFailures,
                restartMillis, rounds, sabotage);
        System.out.println(report);
        if (HarnessMode.results() != null) {
            Files.createDirectories(HarnessMode.results().toAbsolutePath().getParent());
            Files.writeString(HarnessMode.results(), report);
        }

        assertEquals(List.of(), auditFailures, "audit verify after every restart");
        assertEquals(List.of(), missing, "acknowledged operations missing after kill -9 and restart");
        assertEquals(kills, killed, "kills");
        Map<Op, Long> acked = ledger.acknowledgedCounts();
        // The run exercised what it claims to (not a timing assertion: each of these happens within the first second).
        for (Op op : List.of(Op.MINT, Op.REVOKE, Op.FILE)) {
            assertTrue(acked.get(op) > 0, "no " + op + " was acknowledged: " + acked);
        }
        assertTrue(acked.get(Op.FREEZE) + acked.get(Op.UNFREEZE) > 0, "no freeze was acknowledged: " + acked);
        if (HarnessMode.full()) {
            for (Op op : List.of(Op.APPROVE, Op.DENY, Op.CANCEL, Op.REDEEM, Op.USE)) {
                assertTrue(acked.get(op) > 0, "no " + op + " was acknowledged in the full run: " + acked);
            }
        }
    }

    /**
     * The self-test's sabotage: drop the last {@code n} lines of the audit log and of the state journal, what a server
     * that answered before its writes were durable would lose in a crash. Both stay well-formed.
     */
    static void loseTail(Path data, int n) throws Exception {
        for (String f : List.of("audit.log", "state.journal")) {
            Path p = data.resolve(f);
            List<String> lines = Files.readAllLines(p, UTF_8);
            List<String> kept = lines.subList(0, Math.max(0, lines.size() - n));
            Files.writeString(p, kept.isEmpty() ? "" : String.join("\n", kept) + "\n", UTF_8);
        }
    }

    static String report(long seed, int kills, int killed, Duration took, CrashLedger ledger, CrashVerifier verifier,
                         Map<Op, Long> inFlightAtKills, List<CrashVerifier.Missing> missing, List<String> auditFailures,
                         List<Long> restartMillis, List<String> rounds, String sabotage) {
        StringBuilder b = new StringBuilder();
        b.append("# Crash harness (kill -9 under mixed load), ").append(LocalDate.now()).append("\n\n");
        b.append("- Command: `").append(HarnessMode.full() ? "bench/crash.sh" : "mvn -o verify (CI size)")
                .append("` (seed ").append(seed).append("; replay the choices with `-Dairlock.seed=").append(seed)
                .append("`)").append(sabotage.isEmpty() ? "" : " **with sabotage " + sabotage + " (self-test)**")
                .append("\n");
        b.append("- Machine: ").append(HarnessMode.machine()).append("\n");
        b.append("- Server: the shipped jar as its own process (`serve --instances 2"
                + " --compact-journal-above 4096`, `-Xmx256m`), example policy;"
                + " load from the test JVM over loopback (2 minting/revoking workers, 1 grant worker, 1 CLI freeze"
                + " worker on the same data directory)\n");
        b.append("- Kills: ").append(killed).append(" of ").append(kills).append(" planned, in ").append(took.toSeconds())
                .append(" s; restart to ready (ms): ").append(restartMillis).append("\n");
        b.append("- **Acknowledged operations: ").append(ledger.acknowledgedTotal()).append("; missing afterwards: ")
                .append(missing.size()).append("**; `airlock audit verify` failures: ").append(auditFailures.size())
                .append(" of ").append(restartMillis.size()).append(" restarts\n\n");
        b.append("| operation | acknowledged | sent, no answer (cut off) | in flight at the kills | acknowledged"
                + " checks made, all rounds | missing |\n|---|---|---|---|---|---|\n");
        Map<Op, Long> acked = ledger.acknowledgedCounts();
        Map<Op, Long> unanswered = ledger.unansweredCounts();
        for (Op op : Op.values()) {
            long lost = missing.stream().filter(m -> m.op() == op).count();
            b.append("| ").append(op.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')).append(" | ")
                    .append(acked.get(op)).append(" | ").append(unanswered.get(op)).append(" | ")
                    .append(inFlightAtKills.getOrDefault(op, 0L)).append(" | ")
                    .append(verifier.checked.getOrDefault(op, 0L)).append(" | ").append(lost).append(" |\n");
        }
        b.append("\n(sign-in counts ops sign-ins and the pending-list reads; they change no durable state and are not"
                + " checked. Freezes in flight at a kill are CLI runs, which the server's kill does not interrupt: they"
                + " finish, and count as acknowledged when they exit 0. Each round re-checks everything acknowledged so far: mints, revocations, grants and"
                + " approvals in the audit log every time; revocations over HTTP when new plus a sample.)\n");
        b.append("\n## Rounds\n\n");
        for (String r : rounds) b.append("- ").append(r).append("\n");
        if (!missing.isEmpty()) {
            b.append("\n## Missing\n\n");
            for (CrashVerifier.Missing m : missing) b.append("- ").append(m.op()).append(": ").append(m.what()).append("\n");
        }
        for (String f : auditFailures) b.append("\n## audit verify failed\n\n```\n").append(f).append("\n```\n");
        return b.toString();
    }
}
