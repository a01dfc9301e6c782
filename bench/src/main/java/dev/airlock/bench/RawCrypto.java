package dev.airlock.bench;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.SignedJWT;
import dev.airlock.core.token.SigningKey;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The physical limit for the load run (bench/run.sh), measured in the same run on the same cores: Airlock's own
 * Ed25519 key (BouncyCastle, as the server signs) signing and verifying a real access token's signing input on N
 * threads. Prints one line per operation:
 * <pre>  RAW op=sign threads=2 rate=46000 cpu_us=43.1</pre>
 * {@code rate} is operations per wall-clock second over all threads (what the endpoints' req/s are compared to);
 * {@code cpu_us} is the CPU time one operation costs (per-thread CPU clocks), which other load on the machine
 * disturbs far less than the rate.
 *
 * <pre>  java -cp benchmarks.jar:airlock.jar dev.airlock.bench.RawCrypto THREADS WARMUP_SECONDS MEASURE_SECONDS [DIR]</pre>
 * With {@code DIR}, it also measures a durable append there ({@link #durableAppend}).
 */
public final class RawCrypto {
    private RawCrypto() {}

    interface Op {
        void run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int threads = Integer.parseInt(args[0]);
        Duration warmup = Duration.ofSeconds(Long.parseLong(args[1]));
        Duration measure = Duration.ofSeconds(Long.parseLong(args[2]));
        try (BenchAirlock bench = BenchAirlock.open(JWSAlgorithm.EdDSA)) {
            SigningKey key = bench.airlock.keys.active();
            String jwt = bench.airlock.domain().minter.mint("agent-001", "staging",
                    Set.of("volume:read"), Duration.ofMinutes(10), null).jwt();
            SignedJWT parsed = SignedJWT.parse(jwt);
            JWSHeader header = parsed.getHeader();
            byte[] input = parsed.getSigningInput();
            Base64URL signature = parsed.getSignature();
            if (!key.verifier().verify(header, input, signature)) throw new IllegalStateException("does not verify");
            measure("sign", threads, warmup, measure, () -> key.signer().sign(header, input));
            measure("verify", threads, warmup, measure, () -> {
                if (!key.verifier().verify(header, input, signature)) throw new IllegalStateException("verify failed");
            });
        }
        if (args.length > 3) durableAppend(Path.of(args[3]), warmup, measure);
    }

    /**
     * The other physical limit of a durable answer: one audit-sized line appended and fsync'd, as the audit log's
     * writer does it ({@code FileChannel.write} then {@code force(false)}), back to back on one thread, in a file
     * in {@code dir} (the data directory's file system). Prints the rate, the CPU time one costs (kernel time
     * included: on a virtual machine each fsync's device requests are paid in guest CPU) and its latency:
     * <pre>  RAW op=fsync threads=1 rate=2400 cpu_us=120.0 p50_us=380 p99_us=900</pre>
     */
    private static void durableAppend(Path dir, Duration warmup, Duration measure) throws Exception {
        Files.createDirectories(dir);
        Path file = Files.createTempFile(dir, "raw-fsync", ".log");
        byte[] line = ("{\"type\":\"check\",\"at\":\"2026-11-24T00:00:00Z\",\"agent\":\"agent-001\",\"env\":\"staging\","
                + "\"action\":\"volume:read\",\"resource\":\"vol-stg-0001\",\"allowed\":true,\"jti\":\""
                + "x".repeat(43) + "\",\"prev\":\"" + "0".repeat(64) + "\"}\n").getBytes(StandardCharsets.UTF_8);
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            long until = System.nanoTime() + warmup.toNanos();
            while (System.nanoTime() < until) append(ch, line);
            long[] latencies = new long[1 << 20];
            int n = 0;
            long cpu0 = os.getProcessCpuTime(); // the process's: fsync's kernel time is not all on the caller's clock
            long start = System.nanoTime();
            until = start + measure.toNanos();
            long now = start;
            while (now < until && n < latencies.length) {
                append(ch, line);
                long t = System.nanoTime();
                latencies[n++] = t - now;
                now = t;
            }
            long cpu = os.getProcessCpuTime() - cpu0;
            long wall = now - start;
            long[] sorted = Arrays.copyOf(latencies, n);
            Arrays.sort(sorted);
            System.out.printf("RAW op=fsync threads=1 rate=%.0f cpu_us=%.1f p50_us=%d p99_us=%d%n", n * 1e9 / wall,
                    cpu / 1e3 / n, sorted[n / 2] / 1000, sorted[(int) (n * 0.99)] / 1000);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static void append(FileChannel ch, byte[] line) throws java.io.IOException {
        ByteBuffer buf = ByteBuffer.wrap(line);
        while (buf.hasRemaining()) ch.write(buf);
        ch.force(false);
    }

    private static void measure(String name, int threads, Duration warmup, Duration measure, Op op) throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        AtomicBoolean counting = new AtomicBoolean(false);
        AtomicBoolean stop = new AtomicBoolean(false);
        CountDownLatch done = new CountDownLatch(threads);
        long[] ops = new long[threads];
        long[] cpuNanos = new long[threads];
        Throwable[] failure = new Throwable[1];
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int slot = t;
            Thread w = new Thread(() -> {
                try {
                    long n = 0;
                    long cpuStart = 0;
                    boolean started = false;
                    while (!stop.get()) {
                        if (!started && counting.get()) {
                            started = true;
                            n = 0;
                            cpuStart = mx.getCurrentThreadCpuTime();
                        }
                        op.run();
                        n++;
                    }
                    ops[slot] = started ? n : 0;
                    cpuNanos[slot] = started ? mx.getCurrentThreadCpuTime() - cpuStart : 0;
                } catch (Throwable e) {
                    failure[0] = e;
                } finally {
                    done.countDown();
                }
            }, "raw-" + name + "-" + t);
            workers.add(w);
            w.start();
        }
        Thread.sleep(warmup.toMillis());
        counting.set(true);
        long wallStart = System.nanoTime();
        Thread.sleep(measure.toMillis());
        stop.set(true);
        long wall = System.nanoTime() - wallStart;
        done.await();
        if (failure[0] != null) throw new IllegalStateException(name + " failed", failure[0]);
        long totalOps = 0;
        long totalCpu = 0;
        for (int t = 0; t < threads; t++) {
            totalOps += ops[t];
            totalCpu += cpuNanos[t];
        }
        System.out.printf("RAW op=%s threads=%d rate=%.0f cpu_us=%.1f%n", name, threads, totalOps * 1e9 / wall,
                totalOps == 0 ? 0.0 : totalCpu / 1e3 / totalOps);
    }
}
