package dev.airlock.bench;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.SignedJWT;
import dev.airlock.core.token.SigningKey;
import java.lang.management.ManagementFactory;
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
 * <pre>  java -cp benchmarks.jar:airlock.jar dev.airlock.bench.RawCrypto THREADS WARMUP_SECONDS MEASURE_SECONDS</pre>
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
            String jwt = bench.airlock.minter.mint("agent-001", "staging", "urn:airlock:env:staging",
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
