package dev.airlock.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 16: bench/run.sh and bench/jmh.sh built offline only in effect and failed on a fresh machine. Their one way to
 * call Maven, {@code mvn_offline_first} (bench/lib/maven.sh), is run here for real against a stand-in {@code mvn} on
 * the PATH that answers as Maven does: a missing artifact in offline mode is resolved online, any other failure is
 * not retried. A real online build would need the network and minutes; this is the behaviour, not a grep.
 */
class BenchMavenFallbackTest {
    static final Path LIB = Path.of("bench/lib/maven.sh").toAbsolutePath();

    @TempDir
    Path tmp;

    record Result(int exit, List<String> calls, String err) {}

    /** Runs mvn_offline_first with a stand-in mvn that fails offline in {@code mode} (missing, broken) or not (ok). */
    private Result run(String mode) throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path calls = tmp.resolve("calls");
        Path mvn = bin.resolve("mvn");
        Files.writeString(mvn, """
                #!/usr/bin/env bash
                echo "$*" >> "$CALLS"
                if [[ " $* " == *" -o "* ]]; then
                  case "$MODE" in
                    missing) echo "[ERROR] Failed to execute goal on project airlock-bench: Cannot access central \\
                (https://repo.maven.apache.org/maven2) in offline mode and the artifact org.openjdk.jmh:jmh-core:jar:1.37 \\
                has not been downloaded from it before."; exit 1 ;;
                    broken) echo "[ERROR] COMPILATION ERROR"; exit 1 ;;
                  esac
                fi
                exit 0
                """);
        Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwxr-xr-x"));
        ProcessBuilder pb = new ProcessBuilder("bash", "-c",
                "set -euo pipefail; source \"$LIB\"; mvn_offline_first 30 -q package");
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().put("CALLS", calls.toString());
        pb.environment().put("MODE", mode);
        pb.environment().put("LIB", LIB.toString());
        pb.redirectOutput(tmp.resolve("out").toFile()).redirectError(tmp.resolve("err").toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Result(p.exitValue(), Files.exists(calls) ? Files.readAllLines(calls) : List.of(),
                Files.readString(tmp.resolve("err"), StandardCharsets.UTF_8));
    }

    @Test
    void anArtifactMissingOfflineIsResolvedOnline() throws Exception {
        Result r = run("missing");
        assertEquals(0, r.exit(), r.err());
        assertEquals(List.of("-o -B -ntp -q package", "-B -ntp -q package"), r.calls());
        assertTrue(r.err().contains("resolving them online"), r.err());
    }

    @Test
    void aBuildThatFailsOnItsOwnIsNotRunTwice() throws Exception {
        Result r = run("broken");
        assertEquals(1, r.exit(), r.err());
        assertEquals(List.of("-o -B -ntp -q package"), r.calls());
    }

    @Test
    void anOfflineBuildThatWorksStaysOffline() throws Exception {
        Result r = run("ok");
        assertEquals(0, r.exit(), r.err());
        assertEquals(List.of("-o -B -ntp -q package"), r.calls());
    }

    @ParameterizedTest
    @ValueSource(strings = {"bench/run.sh", "bench/jmh.sh", "bench/replicas.sh", "bench/replicas-load.sh"})
    void everyBenchBuildGoesThroughTheOneFunction(String script) throws Exception {
        Process p = new ProcessBuilder("bash", "-n", script).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        String text = Files.readString(Path.of(script));
        assertTrue(text.matches("(?s).*\\nsource \\S*lib/maven.sh\\S*\\n.*"), script + " sources the helper");
        assertTrue(text.contains("mvn_offline_first "), script + " builds through it");
        assertFalse(text.matches("(?s).*\\n[^#\\n]*\\bmvn -[^\\n]*"), script + " calls mvn of its own");
    }
}
