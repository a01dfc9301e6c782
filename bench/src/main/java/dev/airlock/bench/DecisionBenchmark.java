package dev.airlock.bench;

import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.app.Airlock;
import dev.airlock.core.oauth.ClientCredentialsGrant;
import dev.airlock.core.policy.Agent;
import java.io.IOException;
import java.util.List;
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
 * The token endpoint's policy decision ({@link ClientCredentialsGrant#issue}) over the generated 1,000-resource,
 * 100-agent policy, with audit discarded so that only the decision (and, when allowed, the minting) is measured:
 * <ul>
 *   <li>{@code refuseDestructive}: environment, agent, scope parsing and the destructive-scope refusal with its
 *       grant guidance; no signature at all;</li>
 *   <li>{@code refuseNotAllowed}: the plain "scope not allowed here" refusal;</li>
 *   <li>{@code issue}: an allowed request, decision plus {@code TokenMinter.mint}; subtract
 *       {@code SignVerifyBenchmark.mintToken} for the decision's share.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DecisionBenchmark {
    private BenchAirlock bench;
    private ClientCredentialsGrant grant;
    private Agent agent;
    private ClientCredentialsGrant.Request allowed;
    private ClientCredentialsGrant.Request destructive;
    private ClientCredentialsGrant.Request notAllowed;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        bench = BenchAirlock.open(JWSAlgorithm.EdDSA);
        Airlock a = bench.airlock;
        grant = new ClientCredentialsGrant(a.domain().policy, a.store, a.domain().minter, BenchAirlock.DISCARD);
        agent = a.domain().policy.agent("agent-001").orElseThrow();
        allowed = new ClientCredentialsGrant.Request("staging", List.of(), "volume:read volume:write db:read", "bench");
        destructive = new ClientCredentialsGrant.Request("production", List.of(), "volume:delete", "bench");
        notAllowed = new ClientCredentialsGrant.Request("production", List.of(), "volume:write", "bench");
        if (grant.issue(agent, allowed).join().minted() == null || grant.issue(agent, destructive).join().error() == null
                || grant.issue(agent, notAllowed).join().error() == null) {
            throw new IllegalStateException("the generated policy does not decide as the benchmark expects");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        bench.close();
    }

    @Benchmark
    public ClientCredentialsGrant.Outcome issue() {
        return grant.issue(agent, allowed).join();
    }

    @Benchmark
    public ClientCredentialsGrant.Outcome refuseDestructive() {
        return grant.issue(agent, destructive).join();
    }

    @Benchmark
    public ClientCredentialsGrant.Outcome refuseNotAllowed() {
        return grant.issue(agent, notAllowed).join();
    }
}
