package dev.airlock.harness;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import dev.airlock.process.AirlockProcess;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The resource scenarios of the fault suite (issue 13, finding 7 at full size): slow connections beyond the
 * server's descriptors, and one agent churning grants with the shipped heap.
 */
final class ResourceFaults {
    private static final Path POLICY = HarnessPolicy.SHIPPED;
    /** The shipped heap is 112 MB and the rest of the process about 120 MB (bench/README.md); a leak passes this. */
    static final long RSS_BOUND_MIB = 384;

    private ResourceFaults() {}

    /**
     * (5) The server under {@code ulimit -n 512}; for {@code seconds}, 100 new slow connections (headers never
     * finished) every 500 ms, up to {@code slowTotal}, while one worker sends mixed load and /healthz is probed.
     */
    static FaultRow descriptors(Path tmp, int seconds, int slowTotal) throws Exception {
        long t0 = System.nanoTime();
        List<String> problems = new ArrayList<>();
        Path logs = tmp.resolve("logs-fds");
        Path data = tmp.resolve("fds");
        String basic = HarnessClient.basic("coding-agent", HarnessCli.agentAdd(logs, data, POLICY, "coding-agent"));
        List<Socket> slow = new ArrayList<>();
        int opened = 0;
        int refused = 0;
        int probes = 0;
        int probesOk = 0;
        boolean recovered;
        FaultLoad load;
        try (AirlockProcess server = AirlockProcess.server(data, POLICY, AirlockProcess.freePort(), logs)
                .withShellPrefix("ulimit -n 512")) {
            server.start(Duration.ofSeconds(60));
            load = new FaultLoad(server.base, basic);
            load.start(1);
            long until = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            try {
                while (System.nanoTime() < until) {
                    for (int i = 0; i < 100 && opened + refused < slowTotal; i++) {
                        try {
                            Socket s = new Socket("127.0.0.1", server.port);
                            s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n".getBytes(US_ASCII));
                            slow.add(s);
                            opened++;
                        } catch (IOException e) {
                            refused++;
                        }
                    }
                    probes++;
                    if (freshHealthz(server.port)) probesOk++;
                    Thread.sleep(500);
                }
            } finally {
                for (Socket s : slow) s.close();
                load.stopAndJoin();
            }
            recovered = StorageFaults.awaitOk(server.base + "/healthz", Duration.ofSeconds(30))
                    && StorageFaults.awaitOk(server.base + "/readyz", Duration.ofSeconds(5));
            if (!recovered) problems.add("/healthz or /readyz not 200 after the slow connections closed");
            if (!server.alive()) problems.add("the server died: " + server.output());
            if (server.stderr().contains("internal error")) problems.add("'internal error' in the server's log");
            if (load.minted.isEmpty()) problems.add("no token was minted during the run");
        }
        StorageFaults.checkLoad(load, problems);
        String audit = StorageFaults.verify(logs, data, problems);
        List<String> missing = load.missing(data.resolve("audit.log"));
        missing.stream().limit(10).forEach(m -> problems.add("missing " + m));
        return new FaultRow("5 slow connections", opened + " slow connections opened (" + refused + " refused at"
                + " connect) over " + seconds + " s against a server with ulimit -n 512", load.requests.get(),
                load.byStatus(), load.other5xx.get(), missing.size(), audit, recovered ? "yes" : "no",
                Duration.ofNanos(System.nanoTime() - t0), "/healthz during the flood: " + probesOk + " of " + probes
                + " probes on a new connection answered 200 (the others closed by the connection cap, as designed; the"
                + " worker's kept-alive connection was served throughout)", problems);
    }

    /** /healthz on a new connection, as a new client or a load balancer's probe sees the server; false if closed. */
    private static boolean freshHealthz(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(3_000);
            s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(US_ASCII));
            byte[] head = s.getInputStream().readNBytes(12);
            return new String(head, US_ASCII).equals("HTTP/1.1 200");
        } catch (IOException e) {
            return false;
        }
    }

    /** (6) One agent files and cancels grants for {@code seconds} with the shipped heap, then a restart with it. */
    static FaultRow grantChurn(Path tmp, int seconds) throws Exception {
        long t0 = System.nanoTime();
        List<String> problems = new ArrayList<>();
        Path logs = tmp.resolve("logs-churn");
        Path data = tmp.resolve("churn");
        String basic = HarnessClient.basic("coding-agent", HarnessCli.agentAdd(logs, data, POLICY, "coding-agent"));
        FaultLoad tally = new FaultLoad("unused", basic);
        long peak = 0;
        long last = 0;
        int filed = 0;
        boolean restarted;
        try (AirlockProcess server = AirlockProcess.server(data, POLICY, AirlockProcess.freePort(), logs)
                .withJvmFlags(AirlockProcess.SHIPPED_FLAGS)) {
            server.start(Duration.ofSeconds(60));
            HarnessClient http = new HarnessClient(server.base, Duration.ofSeconds(15));
            long until = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            long nextSample = 0;
            while (System.nanoTime() < until) {
                HarnessClient.Reply f = http.fileGrant(basic, "staging", "volume:delete", "vol-7f3a-stg");
                tally.record(f.status(), true);
                if (f.status() == 201) {
                    filed++;
                    tally.record(http.cancel(basic, f.json().path("auth_req_id").asText()).status(), true);
                }
                if (System.nanoTime() > nextSample) {
                    ProcStatus p = ProcStatus.of(server.pid());
                    peak = Math.max(peak, p.peakMib());
                    last = p.rssMib();
                    nextSample = System.nanoTime() + 1_000_000_000L;
                }
            }
            ProcStatus p = ProcStatus.of(server.pid());
            peak = Math.max(peak, p.peakMib());
            last = p.rssMib();
            if (!server.alive()) problems.add("the server died: " + server.output());
        }
        if (peak > RSS_BOUND_MIB) problems.add("peak RSS " + peak + " MiB over " + RSS_BOUND_MIB + " MiB");
        try (AirlockProcess again = AirlockProcess.server(data, POLICY, AirlockProcess.freePort(), logs)
                .withJvmFlags(AirlockProcess.SHIPPED_FLAGS)) {
            again.start(Duration.ofSeconds(60));
            restarted = true;
        } catch (AssertionError e) {
            restarted = false;
            problems.add("restart with the shipped heap failed: " + e.getMessage());
        }
        if (filed == 0) problems.add("no grant was filed");
        StorageFaults.checkLoad(tally, problems);
        String audit = StorageFaults.verify(logs, data, problems);
        long forgotten = Files.readAllLines(data.resolve("audit.log"), UTF_8).stream()
                .filter(l -> l.contains("\"type\":\"grant.forgotten\"")).count();
        return new FaultRow("6 grant churn", "one agent filing and cancelling grants for " + seconds + " s, server with"
                + " the shipped heap (-Xms64m -Xmx112m -XX:+UseSerialGC)", tally.requests.get(), tally.byStatus(),
                tally.other5xx.get(), 0, audit, restarted ? "yes (restart with the shipped heap)" : "no",
                Duration.ofNanos(System.nanoTime() - t0), filed + " grants filed and cancelled; RSS peak " + peak
                + " MiB, at the end " + last + " MiB (bound " + RSS_BOUND_MIB + "); grant.forgotten events: "
                + forgotten, problems);
    }
}
