package dev.airlock.bench;

import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.app.Airlock;
import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditSink;
import dev.airlock.metrics.AirlockMetrics;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What metrics add to each decision (issue 14), without the noise of a load run: the audit decorator's work for one
 * event (an append timer, the event-type counter and the decision's own counter with its bounded labels) over a sink
 * that completes at once, against the same sink undecorated ({@code serve --no-metrics}); and one whole scrape of the
 * generated policy's server. Per request, subtract {@code discard} from {@code counted*}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MetricsBenchmark {
    private BenchAirlock bench;
    private AirlockMetrics metrics;
    private AuditSink counted;
    private AuditEvent minted;
    private AuditEvent refusedCheck;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        bench = BenchAirlock.open(JWSAlgorithm.EdDSA);
        Airlock a = bench.airlock;
        metrics = AirlockMetrics.on();
        metrics.watch(a.store, a::policyHash);
        counted = metrics.countDecisions(BenchAirlock.DISCARD, () -> a.domain().policy, () -> a.domain().providers);
        minted = AuditEvent.of("token.minted").with("client_id", "agent-001").with("env", "staging")
                .with("scope", "volume:read").with("jti", "bench-jti").with("exp", 1L).with("address", "127.0.0.1")
                .build();
        refusedCheck = AuditEvent.of("check").with("allowed", false).with("code", "resource_in_other_environment")
                .with("reason", "resource vol-prod-0001 belongs to production").with("env", "staging")
                .with("action", "volume:write").with("resource", "vol-prod-0001").with("jti", "bench-jti")
                .with("client_id", "agent-001").with("address", "127.0.0.1").build();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        metrics.close();
        bench.close();
    }

    @Benchmark
    public Object discard() {
        return BenchAirlock.DISCARD.append(minted).join();
    }

    @Benchmark
    public Object countedMint() {
        return counted.append(minted).join();
    }

    @Benchmark
    public Object countedRefusedCheck() {
        return counted.append(refusedCheck).join();
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public String scrape() {
        return metrics.scrape();
    }
}
