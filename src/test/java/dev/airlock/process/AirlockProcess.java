package dev.airlock.process;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The shipped jar, run as separate OS processes: a server ({@code airlock serve}) that can be killed with SIGKILL and
 * started again on the same data directory and port, and one-shot CLI commands. Output goes to files in a log
 * directory so a failing test can quote it. Waits are polls against a deadline, never fixed sleeps.
 */
public final class AirlockProcess implements AutoCloseable {
    /** Fast JVM start for short-lived processes; the server gets the same flags, it serves tiny loads here. */
    private static final List<String> JVM_FLAGS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
            "-Xshare:auto", "-Xmx256m");
    private static final Duration POLL = Duration.ofMillis(25);
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofMillis(500)).build();

    public final Path dataDir;
    public final Path policy;
    public final int port;
    public final String base;
    private final Path logDir;
    private final List<String> extraArgs;
    private Process process;
    private Path stdout;
    private Path stderr;

    private AirlockProcess(Path dataDir, Path policy, int port, Path logDir, List<String> extraArgs) {
        this.dataDir = dataDir;
        this.policy = policy;
        this.port = port;
        this.base = "http://127.0.0.1:" + port;
        this.logDir = logDir;
        this.extraArgs = List.copyOf(extraArgs);
    }

    /** What a CLI run produced. */
    public record Result(int exit, String out, String err) {
        /** The last non-empty line of standard output (where {@code agent add} prints the secret). */
        public String lastLine() {
            String[] lines = out.strip().split("\\R");
            return lines[lines.length - 1].strip();
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    public static Path jar() {
        Path jar = Path.of(System.getProperty("airlock.jar", "target/airlock.jar")).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " does not exist: run 'mvn -o -DskipTests package' first");
        }
        return jar;
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** A server that is not started yet; {@link #start()} starts it (and starts it again after {@link #kill9()}). */
    public static AirlockProcess server(Path dataDir, Path policy, int port, Path logDir, String... extraArgs) {
        return new AirlockProcess(dataDir, policy, port, logDir, List.of(extraArgs));
    }

    /** The JVM's flags for this server; the test default unless set (e.g. the shipped ones, {@link #SHIPPED_FLAGS}). */
    private List<String> jvmFlags = JVM_FLAGS;
    /** A shell line run before exec'ing the JVM (e.g. {@code ulimit -n 256}), or null. */
    private String shellPrefix;
    /** Environment variables set for the server (e.g. the master key replicas share); AIRLOCK_* is not inherited. */
    private Map<String, String> env = Map.of();

    /** The flags of deploy/airlock.service and README's "Run the server as measured", without the CDS archive. */
    public static final List<String> SHIPPED_FLAGS = List.of("-Xms64m", "-Xmx112m", "-XX:+UseSerialGC");

    public AirlockProcess withJvmFlags(List<String> flags) {
        this.jvmFlags = List.copyOf(flags);
        return this;
    }

    /** The server's AIRLOCK_* environment (replaces whatever the test JVM has), e.g. {@code AIRLOCK_MASTER_KEY}. */
    public AirlockProcess withEnv(Map<String, String> env) {
        this.env = Map.copyOf(env);
        return this;
    }

    /** Runs the server as {@code bash -c '<prefix>; exec java ...'}, e.g. to lower its descriptor limit. */
    public AirlockProcess withShellPrefix(String prefix) {
        this.shellPrefix = prefix;
        return this;
    }

    private List<String> command() {
        List<String> cmd = javaCommand(jvmFlags);
        cmd.addAll(List.of("serve", "--port", Integer.toString(port), "--data", dataDir.toString(),
                "--policy", policy.toString(), "--instances", "2"));
        cmd.addAll(extraArgs);
        if (shellPrefix == null) return cmd;
        StringBuilder line = new StringBuilder(shellPrefix).append("; exec");
        for (String arg : cmd) line.append(" '").append(arg.replace("'", "'\\''")).append('\'');
        return List.of("bash", "-c", line.toString());
    }

    private static List<String> javaCommand() {
        return javaCommand(JVM_FLAGS);
    }

    private static List<String> javaCommand(List<String> flags) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(flags);
        cmd.add("-jar");
        cmd.add(jar().toString());
        return cmd;
    }

    /** Starts the process without waiting for anything. */
    public AirlockProcess launch() throws IOException {
        if (process != null && process.isAlive()) throw new IllegalStateException("already running: pid " + process.pid());
        Files.createDirectories(logDir);
        int n = COUNTER.incrementAndGet();
        stdout = logDir.resolve("serve-" + port + "-" + n + ".out");
        stderr = logDir.resolve("serve-" + port + "-" + n + ".err");
        ProcessBuilder pb = new ProcessBuilder(command()).redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        if (!env.isEmpty()) {
            pb.environment().keySet().removeIf(k -> k.startsWith("AIRLOCK_"));
            pb.environment().putAll(env);
        }
        process = pb.start();
        return this;
    }

    /**
     * Starts the server and returns once {@code /readyz} answers 200 and the "Airlock serving" line is out.
     * @throws AssertionError with the process's output if it exits or is not ready by the deadline
     */
    public AirlockProcess start() throws IOException, InterruptedException {
        return start(Duration.ofSeconds(40));
    }

    public AirlockProcess start(Duration deadline) throws IOException, InterruptedException {
        launch();
        Instant until = Instant.now().plus(deadline);
        boolean ready = false;
        while (Instant.now().isBefore(until)) {
            if (!process.isAlive()) {
                throw new AssertionError("airlock serve exited with " + process.exitValue() + " before it was ready\n"
                        + output());
            }
            if (!ready) ready = readyz();
            if (ready && stdout().contains("Airlock serving ")) return this;
            Thread.sleep(POLL.toMillis());
        }
        kill9();
        throw new AssertionError("airlock serve was not ready within " + deadline + "\n" + output());
    }

    private boolean readyz() {
        try {
            HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/readyz"))
                    .timeout(Duration.ofSeconds(1)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** True if something accepts TCP connections on this server's port right now. */
    public boolean listening() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Waits for the process to exit by itself (a server that should refuse to start), checking all along that it
     * never accepts a connection. Returns its exit code.
     * @throws AssertionError if it listens at any point or has not exited by the deadline
     */
    public int awaitExitWithoutListening(Duration deadline) throws InterruptedException {
        Instant until = Instant.now().plus(deadline);
        while (process.isAlive()) {
            if (listening()) {
                kill9();
                throw new AssertionError("the server listened on " + port + " although it should refuse to start\n"
                        + output());
            }
            if (Instant.now().isAfter(until)) {
                kill9();
                throw new AssertionError("the server did not exit within " + deadline + "\n" + output());
            }
            Thread.sleep(POLL.toMillis());
        }
        if (listening()) throw new AssertionError("something listens on " + port + " after the server exited");
        return process.exitValue();
    }

    /** SIGKILL (on Linux, {@link Process#destroyForcibly()} is kill -9): no shutdown hook, no flush, no goodbye. */
    public int kill9() throws InterruptedException {
        if (process == null) throw new IllegalStateException("not started");
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) throw new AssertionError("pid " + process.pid() + " survived SIGKILL");
        return process.exitValue();
    }

    public boolean alive() {
        return process != null && process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public String stdout() {
        return read(stdout);
    }

    public String stderr() {
        return read(stderr);
    }

    public String output() {
        return "--- " + stdout + "\n" + stdout() + "--- " + stderr + "\n" + stderr();
    }

    /** Runs {@code airlock ARGS} as its own process and waits for it (killing it at the deadline). */
    public static Result cli(Path logDir, Map<String, String> env, Duration deadline, String... args)
            throws IOException, InterruptedException {
        Files.createDirectories(logDir);
        int n = COUNTER.incrementAndGet();
        Path out = logDir.resolve("cli-" + n + ".out");
        Path err = logDir.resolve("cli-" + n + ".err");
        List<String> cmd = javaCommand();
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
        pb.environment().keySet().removeIf(k -> k.startsWith("AIRLOCK_"));
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("airlock " + String.join(" ", args) + " did not finish within " + deadline
                    + "\n--- stdout\n" + read(out) + "--- stderr\n" + read(err));
        }
        return new Result(p.exitValue(), read(out), read(err));
    }

    public static Result cli(Path logDir, String... args) throws IOException, InterruptedException {
        return cli(logDir, Map.of(), Duration.ofSeconds(60), args);
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    private static String read(Path p) {
        try {
            return p == null || !Files.exists(p) ? "" : Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<unreadable: " + e.getMessage() + ">";
        }
    }

    /** Stops the server if it still runs: SIGTERM, then SIGKILL after five seconds. */
    @Override
    public void close() throws InterruptedException {
        if (process == null || !process.isAlive()) return;
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) kill9();
    }
}
