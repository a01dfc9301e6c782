package dev.airlock.harness;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.airlock.process.AirlockProcess;
import dev.airlock.testing.SmallDisk;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The storage scenarios of the fault suite (issue 13, findings 2, 4 and 5 at full size), each against the shipped jar
 * as its own process: a real full disk (tmpfs), torn tails after kill -9, lock files deleted under concurrent writers.
 */
final class StorageFaults {
    private static final Path POLICY = HarnessPolicy.SHIPPED;
    private static final HttpClient PROBE = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1)).build();

    private StorageFaults() {}

    /** The status of a GET, or -1 when nothing answered. */
    static int status(String url) {
        try {
            return PROBE.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Polls until {@code url} answers 200 or the deadline passes. */
    static boolean awaitOk(String url, Duration deadline) throws InterruptedException {
        long until = System.nanoTime() + deadline.toNanos();
        while (System.nanoTime() < until) {
            if (status(url) == 200) return true;
            Thread.sleep(100);
        }
        return false;
    }

    static String verify(Path logs, Path data, List<String> problems) throws Exception {
        AirlockProcess.Result v = HarnessCli.auditVerify(logs, data);
        if (v.exit() != 0) problems.add("audit verify: " + v);
        return v.exit() == 0 ? "ok" : "FAILED";
    }

    static void checkLoad(FaultLoad load, List<String> problems) {
        if (load.other5xx.get() > 0) problems.add(load.other5xx.get() + " answers 5xx other than 503");
        if (load.unavailableWithoutRetryAfter.get() > 0) {
            problems.add(load.unavailableWithoutRetryAfter.get() + " answers 503 without Retry-After");
        }
    }

    /** (1) A 4 MiB tmpfs filled to ENOSPC under mixed load for {@code seconds}, then freed. */
    static FaultRow diskFull(Path tmp, int seconds) throws Exception {
        long t0 = System.nanoTime();
        List<String> problems = new ArrayList<>();
        Path logs = tmp.resolve("logs-disk");
        try (SmallDisk disk = SmallDisk.mount(4)) {
            Path data = disk.root.resolve("data");
            String basic = HarnessClient.basic("coding-agent", HarnessCli.agentAdd(logs, data, POLICY, "coding-agent"));
            FaultLoad load;
            boolean notReady = false;
            boolean healthzAlways = true;
            boolean readyAgain;
            long mintsBefore;
            long mintsAfter;
            String whileFull;
            try (AirlockProcess server = AirlockProcess.server(data, POLICY, AirlockProcess.freePort(), logs)) {
                server.start(Duration.ofSeconds(60));
                load = new FaultLoad(server.base, basic);
                load.start(2);
                Thread.sleep(2_000);
                disk.fill();
                java.util.Map<Integer, Long> atFill = load.snapshot();
                long until = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
                while (System.nanoTime() < until) {
                    if (status(server.base + "/readyz") == 503) notReady = true;
                    if (status(server.base + "/healthz") != 200) healthzAlways = false;
                    Thread.sleep(500);
                }
                long unavailable = load.count(503);
                whileFull = load.byStatusSince(atFill);
                load.snapshot().forEach((status, n) -> {
                    if (status != 200 && status != 503 && n > atFill.getOrDefault(status, 0L)) {
                        problems.add("while full, " + (n - atFill.getOrDefault(status, 0L)) + " answers " + status);
                    }
                });
                disk.free();
                readyAgain = awaitOk(server.base + "/readyz", Duration.ofSeconds(30));
                mintsBefore = load.minted.size();
                Thread.sleep(3_000);
                mintsAfter = load.minted.size();
                load.stopAndJoin();
                if (unavailable == 0) problems.add("the disk filled but no request was refused with 503");
                if (!server.alive()) problems.add("the server died: " + server.output());
                if (server.stderr().contains("internal error")) problems.add("'internal error' in the server's log");
            }
            if (!notReady) problems.add("/readyz never said 503 while the disk was full");
            if (!healthzAlways) problems.add("/healthz was not 200 throughout");
            boolean recovered = readyAgain && mintsAfter > mintsBefore;
            if (!recovered) problems.add("no recovery after the space was freed");
            checkLoad(load, problems);
            String audit = verify(logs, data, problems);
            List<String> missing = load.missing(data.resolve("audit.log"));
            missing.stream().limit(10).forEach(m -> problems.add("missing " + m));
            return new FaultRow("1 disk full", "4 MiB tmpfs filled to ENOSPC for " + seconds + " s under 2 workers,"
                    + " then freed", load.requests.get(), load.byStatus(), load.other5xx.get(), missing.size(), audit,
                    recovered ? "yes" : "no", Duration.ofNanos(System.nanoTime() - t0), "answers while full: "
                    + whileFull + " (tmpfs allocates whole pages, so a few writes fit after the fill; checks of a"
                    + " token write an audit event, so they are refused too); /readyz 503 while full: " + notReady
                    + "; /healthz 200 throughout: " + healthzAlways + "; acknowledged: " + load.minted.size() + " mints, " + load.revoked.size()
                    + " revocations", problems);
        }
    }

    /** (2) {@code rounds} kills under load; after each, a torn line appended to the journal and/or the audit log. */
    static FaultRow tornTails(Path tmp, long seed, int rounds) throws Exception {
        long t0 = System.nanoTime();
        Random random = new Random(seed);
        List<String> problems = new ArrayList<>();
        Path logs = tmp.resolve("logs-torn");
        Path data = tmp.resolve("torn");
        String basic = HarnessClient.basic("coding-agent", HarnessCli.agentAdd(logs, data, POLICY, "coding-agent"));
        int injected = 0;
        boolean recovered = true;
        FaultLoad load;
        try (AirlockProcess server = AirlockProcess.server(data, POLICY, AirlockProcess.freePort(), logs)) {
            server.start(Duration.ofSeconds(60));
            load = new FaultLoad(server.base, basic);
            for (int round = 0; round < rounds; round++) {
                load.start(2);
                Thread.sleep(1_000 + random.nextInt(3_000));
                server.kill9();
                load.stopAndJoin();
                int which = 1 + random.nextInt(3); // 1 journal, 2 audit log, 3 both
                if ((which & 1) != 0 && tear(data.resolve("state.journal"), random)) injected++;
                if ((which & 2) != 0 && tear(data.resolve("audit.log"), random)) injected++;
                try {
                    server.start(Duration.ofSeconds(60));
                } catch (AssertionError e) {
                    recovered = false;
                    problems.add("restart after tear " + round + " failed: " + e.getMessage());
                    break;
                }
            }
        }
        long repaired = Files.readAllLines(data.resolve("audit.log"), UTF_8).stream()
                .filter(l -> l.contains("\"type\":\"storage.repaired\"")).count();
        long movedAside;
        try (Stream<Path> files = Files.list(data)) {
            movedAside = files.filter(p -> p.getFileName().toString().contains(".torn-")).count();
        }
        if (repaired < injected) problems.add(injected + " tears injected, " + repaired + " storage.repaired events");
        if (movedAside < injected) problems.add(injected + " tears injected, " + movedAside + " files moved aside");
        checkLoad(load, problems);
        String audit = verify(logs, data, problems);
        List<String> missing = load.missing(data.resolve("audit.log"));
        missing.stream().limit(10).forEach(m -> problems.add("missing " + m));
        return new FaultRow("2 torn tails", rounds + " kill -9 under 2 workers; " + injected + " torn lines appended"
                + " (a random prefix of the file's last line, no newline) to state.journal / audit.log",
                load.requests.get(), load.byStatus(), load.other5xx.get(), missing.size(), audit,
                recovered ? "yes" : "no", Duration.ofNanos(System.nanoTime() - t0), "storage.repaired events: "
                + repaired + ", files moved aside: " + movedAside + "; acknowledged: " + load.minted.size()
                + " mints, " + load.revoked.size() + " revocations", problems);
    }

    /**
     * Appends 1 to len-2 bytes of a copy of the file's last line, without its newline or its closing brace: what a
     * writer killed inside a write leaves, and never a whole record (a whole one would be kept, not moved aside).
     * Only when the file ends with a newline (the kill may already have left a torn end, which is one tail, not two).
     */
    private static boolean tear(Path file, Random random) throws IOException {
        if (!Files.exists(file)) return false;
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length < 2 || bytes[bytes.length - 1] != '\n') return false;
        int start = bytes.length - 2;
        while (start >= 0 && bytes[start] != '\n') start--;
        int len = bytes.length - 1 - (start + 1);
        if (len < 3) return false;
        byte[] part = Arrays.copyOfRange(bytes, start + 1, start + 1 + 1 + random.nextInt(len - 2));
        Files.write(file, part, StandardOpenOption.APPEND);
        return true;
    }

    /** (3) Lock files deleted every 100 ms while the server takes load and CLI writers freeze and unfreeze dev. */
    static FaultRow lockFilesDeleted(Path tmp, int pairs) throws Exception {
        long t0 = System.nanoTime();
        List<String> problems = new ArrayList<>();
        Path logs = tmp.resolve("logs-locks");
        Path data = tmp.resolve("locks");
        String basic = HarnessClient.basic("coding-agent", HarnessCli.agentAdd(logs, data, POLICY, "coding-agent"));
        AtomicInteger deletions = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        FaultLoad load;
        byte[] acknowledged;
        int cliOk = 0;
        try (AirlockProcess server = AirlockProcess.server(data, POLICY, AirlockProcess.freePort(), logs)) {
            server.start(Duration.ofSeconds(60));
            load = new FaultLoad(server.base, basic);
            load.start(2);
            Thread.sleep(1_000);
            acknowledged = Files.readAllBytes(data.resolve("audit.log"));
            Thread deleter = new Thread(() -> {
                while (!stop.get()) {
                    try (Stream<Path> files = Files.list(data)) {
                        for (Path p : files.filter(p -> p.getFileName().toString().endsWith(".lock")).toList()) {
                            if (Files.deleteIfExists(p)) deletions.incrementAndGet();
                        }
                        Thread.sleep(100);
                    } catch (IOException e) {
                        // a file went away between list and delete: the next pass sees the new state
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            deleter.start();
            try {
                for (int i = 0; i < pairs; i++) {
                    for (String verb : new String[] {"freeze", "unfreeze"}) {
                        AirlockProcess.Result r = AirlockProcess.cli(logs, "env", verb, "dev", "--data",
                                data.toString(), "--policy", POLICY.toString());
                        if (r.exit() == 0) cliOk++;
                        else problems.add("env " + verb + ": " + r);
                    }
                }
            } finally {
                stop.set(true);
                deleter.join();
                load.stopAndJoin();
            }
            if (!server.alive()) problems.add("the server died: " + server.output());
        }
        byte[] after = Files.readAllBytes(data.resolve("audit.log"));
        boolean prefixKept = after.length >= acknowledged.length
                && Arrays.equals(acknowledged, Arrays.copyOf(after, acknowledged.length));
        if (!prefixKept) problems.add("acknowledged audit bytes were overwritten");
        // A change whose state write failed after its event is followed by change.not_done (AuditedChange): the log
        // then holds the attempt and says it did not take effect, so it is not counted as done.
        long freezes = 0;
        for (String l : Files.readAllLines(data.resolve("audit.log"), UTF_8)) {
            com.fasterxml.jackson.databind.JsonNode e = HarnessClient.JSON.readTree(l);
            String type = e.path("type").asText();
            String change = type.equals("change.not_done") ? e.path("change").asText() : type;
            if (change.equals("env.frozen") || change.equals("env.unfrozen")) freezes += type.equals(change) ? 1 : -1;
        }
        if (freezes != cliOk) problems.add(cliOk + " CLI writes acknowledged, " + freezes + " in effect in the audit log");
        checkLoad(load, problems);
        String audit = verify(logs, data, problems);
        List<String> missing = new ArrayList<>(load.missing(data.resolve("audit.log")));
        for (long i = freezes; i < cliOk; i++) missing.add("env freeze/unfreeze");
        missing.stream().limit(10).forEach(m -> problems.add("missing " + m));
        return new FaultRow("3 lock files deleted", deletions.get() + " *.lock deletions (every 100 ms) while 2 workers"
                + " load the server and the CLI runs " + 2 * pairs + " env freeze/unfreeze", load.requests.get(),
                load.byStatus(), load.other5xx.get(), missing.size(), audit, server(prefixKept),
                Duration.ofNanos(System.nanoTime() - t0), "CLI writes acknowledged " + cliOk + " of " + 2 * pairs + ", in effect in the log " + freezes
                + "; audit bytes acknowledged before the deletions unchanged: " + prefixKept, problems);
    }

    private static String server(boolean kept) {
        return kept ? "yes (nothing to recover)" : "no";
    }
}
