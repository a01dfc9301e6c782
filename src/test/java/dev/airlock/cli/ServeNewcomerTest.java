package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.cli.GrantCommandTest.Run;
import dev.airlock.cli.GrantCommandTest.Runner;
import dev.airlock.testing.PolicyCopy;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, {@code airlock serve}: its policy errors name files as lint does; at start, one warning per provider
 * whose credential cannot be read (where it looked, never a value), and it still serves; one line when it stops.
 */
class ServeNewcomerTest {
    @TempDir
    Path tmp;

    @Test
    void servePrintsEveryPolicyProblemExactlyAsLintDoes() throws Exception {
        Path policy = PolicyCopy.ofShipped(tmp).replace("agents.yaml", "  - id: coding-agent\n",
                "  - id: coding-agent\n    colour: blue\n").dir;
        Run lint = Runner.run(null, "lint", "--policy", policy.toString());
        assertEquals(1, lint.exit(), lint.toString());
        List<String> problems = lint.err().lines().filter(l -> !l.isBlank()).toList();
        assertFalse(problems.isEmpty());
        assertTrue(problems.get(0).startsWith(policy.resolve("agents.yaml") + ":"), problems.get(0));

        Run serve = Runner.run(null, "serve", "--policy", policy.toString(), "--data", tmp.resolve("data").toString(),
                "--port", Integer.toString(dev.airlock.testing.TestAirlock.freePort()));
        assertEquals(2, serve.exit(), serve.toString());
        assertTrue(serve.err().startsWith("refusing to start: policy " + policy + " is not valid"), serve.err());
        for (String p : problems) assertTrue(serve.err().contains("\n" + p + "\n"), p + " in:\n" + serve.err());
    }

    @Test
    void aCredentialThatCannotBeReadIsOneWarningNamingWhereItLooked() {
        Path missing = tmp.resolve("no-such-secret");
        StringWriter err = new StringWriter();
        List<dev.airlock.core.proxy.Provider> providers = List.of(
                provider("railway", new dev.airlock.core.proxy.CredentialSource.FromEnv("RAILWAY_TOKEN")),
                provider("files", new dev.airlock.core.proxy.CredentialSource.FromFile(missing)),
                provider("fine", new dev.airlock.core.proxy.CredentialSource.FromEnv("FINE_TOKEN")),
                shipped("volumes-mcp"));
        ServeCommand.warnUnresolvedCredentials(new PrintWriter(err, true), providers,
                java.util.Map.of("FINE_TOKEN", "s3cr3t-value"));
        assertEquals(List.of(
                "warning: provider railway: its credential is unavailable (environment variable RAILWAY_TOKEN is not"
                        + " set); requests through /proxy/railway/ fail until it is set",
                "warning: provider files: its credential is unavailable (file " + missing + " does not exist);"
                        + " requests through /proxy/files/ fail until it is set",
                "warning: provider volumes-mcp: its credential is unavailable (environment variable VOLUMES_MCP_TOKEN is"
                        + " not set); tool calls through /mcp/volumes-mcp fail until it is set"),
                err.toString().lines().toList());
        assertFalse(err.toString().contains("s3cr3t"));
    }

    /** A provider of the shipped policy as it is (an MCP provider is reached at /mcp/, not /proxy/). */
    private static dev.airlock.core.proxy.Provider shipped(String name) {
        try {
            Path policy = PolicyCopy.ofShipped(Files.createTempDirectory("airlock-provider")).dir;
            var loaded = dev.airlock.core.policy.PolicyLoader.load(policy);
            return dev.airlock.core.proxy.ProviderLoader.load(policy.resolve("providers"), loaded)
                    .all().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    private static dev.airlock.core.proxy.Provider provider(String name, dev.airlock.core.proxy.CredentialSource c)
            throws RuntimeException {
        try {
            Path dir = Files.createTempDirectory("airlock-provider");
            Path policy = PolicyCopy.ofShipped(dir).dir;
            var loaded = dev.airlock.core.policy.PolicyLoader.load(policy);
            var railway = dev.airlock.core.proxy.ProviderLoader.load(policy.resolve("providers"), loaded)
                    .all().stream().filter(p -> p.name().equals("railway")).findFirst().orElseThrow();
            return new dev.airlock.core.proxy.Provider(name, railway.kind(), railway.upstream(), c, railway.injection(),
                    railway.mapper());
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    @Test
    void serveStartsWarnsOncePerUnreadableCredentialAndPrintsOneLineWhenItStops() throws Exception {
        Path policy = PolicyCopy.ofShipped(tmp).replace("providers/generic-rest.yaml", "  env: EXAMPLE_API_TOKEN",
                "  file: " + tmp.resolve("no-such-secret")).dir;
        String port = Integer.toString(dev.airlock.testing.TestAirlock.freePort());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        AtomicInteger exit = new AtomicInteger(-1);
        Thread serving = new Thread(() -> exit.set(Main.commandLine().setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true)).execute("serve", "--policy", policy.toString(), "--data",
                        tmp.resolve("data").toString(), "--port", port, "--host", "127.0.0.1", "--instances", "1",
                        "--no-metrics")));
        serving.start();
        for (int i = 0; i < 600 && !out.toString().contains("Airlock serving"); i++) Thread.sleep(50);
        assertTrue(out.toString().contains("Airlock serving"), out + "\n" + err);
        for (int i = 0; i < 100 && !err.toString().contains("provider generic-rest"); i++) Thread.sleep(50);
        serving.interrupt();
        serving.join(30_000);
        assertFalse(serving.isAlive());
        assertEquals(0, exit.get(), err.toString());
        List<String> lines = out.toString().lines().toList();
        assertEquals(2, lines.size(), out.toString());
        assertTrue(lines.get(1).startsWith("Airlock stopped"), out.toString());
        List<String> warnings = err.toString().lines().filter(l -> l.contains("provider generic-rest")).toList();
        assertEquals(1, warnings.size(), err.toString());
        assertTrue(warnings.get(0).contains("file " + tmp.resolve("no-such-secret") + " does not exist"), warnings.get(0));
    }
}
