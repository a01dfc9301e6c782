package dev.airlock.bench;

import dev.airlock.core.policy.LintReport;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.PolicyException;
import dev.airlock.core.policy.PolicyLinter;
import dev.airlock.core.policy.PolicyLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code airlock lint} over a large generated policy (default 1,000 resources, 100 agents, 3 environments): reading
 * and validating the YAML ({@code load}) and the whole lint, proofs included ({@code lint}). Time per run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class LintBenchmark {
    @Param({"1000"})
    public int resources;

    @Param({"100"})
    public int agents;

    private Path dir;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("airlock-lint-bench-");
        PolicyGenerator.write(dir, resources, agents, List.of(), null);
        LintReport report = PolicyLinter.lint(dir);
        if (report.unreadable() || !report.violations().isEmpty()) {
            throw new IllegalStateException("generated policy does not lint clean: " + report.findings());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        BenchAirlock.deleteTree(dir);
    }

    @Benchmark
    public Policy load() throws PolicyException {
        return PolicyLoader.load(dir);
    }

    @Benchmark
    public LintReport lint() {
        return PolicyLinter.lint(dir);
    }
}
