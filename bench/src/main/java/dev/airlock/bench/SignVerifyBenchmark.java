package dev.airlock.bench;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.SignedJWT;
import dev.airlock.core.token.SigningKey;
import dev.airlock.core.token.TokenMinter;
import dev.airlock.core.token.TokenVerifier;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
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
 * The physical limit: one signature and one verification with Airlock's own keys ({@code KeyRing}: Ed25519 through
 * BouncyCastle, ES256 through nimbus over BouncyCastle's provider), over the signing input of a real access token.
 * Then the same with the JOSE work around it (claims, JSON, base64url): a whole token minted, and a whole token
 * verified without and with the verified-token cache. Throughput per thread; run with {@code -t N} for N cores.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SignVerifyBenchmark {
    @Param({"EdDSA", "ES256"})
    public String alg;

    private BenchAirlock bench;
    private SigningKey key;
    private JWSHeader header;
    private byte[] signingInput;
    private Base64URL signature;
    private TokenMinter minter;
    private TokenVerifier uncached;
    private String jwt;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        bench = BenchAirlock.open(JWSAlgorithm.parse(alg));
        key = bench.airlock.keys.active();
        minter = bench.airlock.domain().minter;
        jwt = mint();
        SignedJWT parsed = SignedJWT.parse(jwt);
        header = parsed.getHeader();
        signingInput = parsed.getSigningInput();
        signature = parsed.getSignature();
        uncached = new TokenVerifier(bench.airlock.keys, BenchAirlock.ISSUER, Clock.systemUTC());
        if (!key.verifier().verify(header, signingInput, signature) || !uncached.verify(jwt).ok()
                || !bench.airlock.verifier.verify(jwt).ok()) {
            throw new IllegalStateException("the benchmark token does not verify");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        bench.close();
    }

    private String mint() {
        return minter.mint("agent-001", "staging", Set.of("volume:read", "db:read"), Duration.ofMinutes(10),
                null).jwt();
    }

    /** The raw signature: what every minted token costs at least. */
    @Benchmark
    public Base64URL sign() throws JOSEException {
        return key.signer().sign(header, signingInput);
    }

    /** The raw verification: what every uncached check costs at least. */
    @Benchmark
    public boolean verify() throws JOSEException {
        return key.verifier().verify(header, signingInput, signature);
    }

    /** {@code TokenMinter.mint}: claims, JSON, signature, serialisation. */
    @Benchmark
    public String mintToken() {
        return mint();
    }

    /** {@code TokenVerifier.verify} without a cache: parse, header rules, signature, claims, lifetime. */
    @Benchmark
    public TokenVerifier.Result verifyToken() {
        return uncached.verify(jwt);
    }

    /** {@code TokenVerifier.verify} as the server runs it: a cache hit (hash, lookup, lifetime). */
    @Benchmark
    public TokenVerifier.Result verifyTokenCached() {
        return bench.airlock.verifier.verify(jwt);
    }
}
