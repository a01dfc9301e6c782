package dev.airlock.bench;

import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.app.Airlock;
import dev.airlock.app.AirlockConfig;
import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.policy.PolicyException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * A real {@link Airlock} (composition root: policy, sealed keys, embedded store, durable audit log) over a generated
 * policy in a temporary folder, for benchmarks that need the domain services. Deleted on close.
 */
final class BenchAirlock implements AutoCloseable {
    static final String ISSUER = "http://127.0.0.1:1";
    /** For benchmarks of a decision alone: an audit sink that writes nothing (durable audit is the load run's job). */
    static final AuditSink DISCARD = e -> CompletableFuture.completedFuture(null);

    final Path root;
    final Airlock airlock;

    private BenchAirlock(Path root, Airlock airlock) {
        this.root = root;
        this.airlock = airlock;
    }

    static BenchAirlock open(JWSAlgorithm alg) throws IOException, PolicyException {
        Path root = Files.createTempDirectory("airlock-bench-");
        PolicyGenerator.write(root.resolve("policy"), 1000, 100, List.of(), null);
        Airlock a = Airlock.open(new AirlockConfig(root.resolve("data"), root.resolve("policy"), ISSUER, alg, null,
                Clock.systemUTC()));
        return new BenchAirlock(root, a);
    }

    @Override
    public void close() throws IOException {
        airlock.close();
        deleteTree(root);
    }

    static void deleteTree(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
