package dev.airlock.testing;

import com.nimbusds.jose.JWSAlgorithm;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link ProxyFixture}'s setup on any policy folder: a real Airlock on a copy of {@code policy} whose every provider
 * file has its {@code upstream} pointed at a real {@link UpstreamRecorder} and its credential read from a file this
 * fixture writes ({@link ProxyFixture#CREDENTIAL}). Nothing else of the policy changes, so a test can start Airlock on
 * a mutated policy and watch what would reach the provider.
 */
public final class PolicyProxyFixture implements AutoCloseable {
    private static final Pattern UPSTREAM = Pattern.compile("(?m)^upstream: .*$");
    private static final Pattern CREDENTIAL = Pattern.compile("(?m)^credential:\\R\\s+(env|file): .*$");

    public final UpstreamRecorder upstream;
    public final TestAirlock airlock;
    public final Path policy;

    private PolicyProxyFixture(UpstreamRecorder upstream, TestAirlock airlock, Path policy) {
        this.upstream = upstream;
        this.airlock = airlock;
        this.policy = policy;
    }

    /** @throws dev.airlock.core.policy.PolicyException when Airlock refuses the policy, as {@code serve} would */
    public static PolicyProxyFixture start(Path policy) throws Exception {
        UpstreamRecorder upstream = UpstreamRecorder.start();
        try {
            Path copy = Files.createTempDirectory("airlock-policy-proxy");
            Path credential = copy.resolve("provider-credential.txt");
            Files.writeString(credential, ProxyFixture.CREDENTIAL + "\n");
            copy(policy, copy, upstream.base(), credential);
            TestAirlock airlock = TestAirlock.start(copy, Files.createTempDirectory("airlock-policy-proxy-data"),
                    JWSAlgorithm.EdDSA);
            return new PolicyProxyFixture(upstream, airlock, copy);
        } catch (Exception | Error e) {
            upstream.close();
            throw e;
        }
    }

    private static void copy(Path from, Path to, String upstreamBase, Path credential) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(from, "*.{yaml,yml}")) {
            for (Path f : files) Files.copy(f, to.resolve(f.getFileName().toString()));
        }
        Path providers = from.resolve("providers");
        if (!Files.isDirectory(providers)) return;
        Path target = Files.createDirectories(to.resolve("providers"));
        try (DirectoryStream<Path> files = Files.newDirectoryStream(providers)) {
            for (Path f : files) {
                String text = Files.readString(f);
                text = UPSTREAM.matcher(text).replaceFirst(Matcher.quoteReplacement("upstream: " + upstreamBase));
                text = CREDENTIAL.matcher(text).replaceFirst(Matcher.quoteReplacement(
                        "credential:\n  file: " + credential.toAbsolutePath()));
                Files.writeString(target.resolve(f.getFileName().toString()), text);
            }
        }
    }

    @Override
    public void close() throws Exception {
        try {
            airlock.close();
        } finally {
            upstream.close();
        }
    }
}
