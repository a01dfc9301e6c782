package dev.airlock.bench;

import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.app.Airlock;
import dev.airlock.core.check.CheckService;
import dev.airlock.core.check.Decision;
import dev.airlock.core.check.Introspection;
import dev.airlock.core.check.TokenUsability;
import dev.airlock.core.token.TokenVerifier;
import dev.airlock.core.token.VerifiedTokenCache;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
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
 * The isolation check and introspection, with and without the verified-token cache, over the generated policy:
 * the same token asked about again and again, as a gateway does for every call an agent makes. Audit is discarded
 * (its durable cost is measured by the load run); what remains is verification, revocation and freeze lookups,
 * the environment/scope/ownership decision, and (for {@code check}) the audit event's construction.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CheckBenchmark {
    @Param({"cached", "uncached"})
    public String cache;

    private BenchAirlock bench;
    private CheckService check;
    private Introspection introspection;
    private CheckService.Request request;
    private String token;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        bench = BenchAirlock.open(JWSAlgorithm.EdDSA);
        Airlock a = bench.airlock;
        TokenVerifier verifier = new TokenVerifier(a.keys, BenchAirlock.ISSUER, Clock.systemUTC(),
                cache.equals("cached") ? new VerifiedTokenCache() : null);
        TokenUsability tokens = new TokenUsability(a.domain().policy, a.store, verifier, a.domain().grants.redemption);
        check = new CheckService(a.domain().policy, a.store, tokens, BenchAirlock.DISCARD, BenchAirlock.ISSUER,
                a.domain().grants.redemption);
        introspection = new Introspection(tokens, BenchAirlock.DISCARD, BenchAirlock.ISSUER);
        token = a.domain().minter.mint("agent-001", "staging", Set.of("volume:read", "volume:write"), Duration.ofMinutes(15),
                null).jwt();
        request = new CheckService.Request(token, "staging", "volume:write",
                PolicyGenerator.resourceId("volume", "staging", 7), "127.0.0.1");
        Decision d = check.check(request).join();
        if (!d.allowed()) throw new IllegalStateException("benchmark check refused: " + d.reason());
        if (!Boolean.TRUE.equals(introspection.introspect(token, "agent-002", "127.0.0.1").join().get("active"))) {
            throw new IllegalStateException("benchmark token inactive");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        bench.close();
    }

    /** {@code CheckService.decide}: the decision without an audit event. */
    @Benchmark
    public Decision decide() {
        return check.decide(request);
    }

    /** {@code CheckService.check}: the decision plus the audit event (built, then discarded). */
    @Benchmark
    public Decision check() {
        return check.check(request).join();
    }

    @Benchmark
    public Map<String, Object> introspect() {
        return introspection.introspect(token, "agent-002", "127.0.0.1").join();
    }
}
