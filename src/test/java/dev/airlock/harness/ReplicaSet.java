package dev.airlock.harness;

import dev.airlock.process.AirlockProcess;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Issue 14: N {@code airlock serve --store postgresql://…} processes of the shipped jar on free ports, sharing one real
 * PostgreSQL that this JVM runs (zonky's embedded binaries) on a data directory and port of its own, so a test can
 * stop it and start it again on the same data and port ({@link #stopPostgres}, {@link #startPostgres}), as an
 * operator's restart of the database would. Every replica has its own data directory and the same master key and
 * issuer; a token minted by one must verify on the others.
 */
public final class ReplicaSet implements AutoCloseable {
    public static final String ISSUER = "http://airlock.replicas.test";
    /** The ops group the harness policy lets administer over HTTP ({@code admin_groups}), for a freeze on a replica. */
    public static final String ADMIN_GROUP = "platform";
    private static final String DATABASE = "airlock";

    public final Path root;
    public final Path policy;
    public final Path logs;
    public final Path cliData;
    public final List<AirlockProcess> replicas = new ArrayList<>();
    private final Path pgData;
    private final int pgPort;
    private final Map<String, String> env;
    private EmbeddedPostgres pg;

    private ReplicaSet(Path root) throws IOException {
        this.root = root;
        this.logs = root.resolve("logs");
        this.cliData = root.resolve("cli-data");
        this.pgData = root.resolve("pgdata");
        this.pgPort = AirlockProcess.freePort();
        this.policy = HarnessPolicy.write(root.resolve("policy"), "http://127.0.0.1:9");
        Files.writeString(policy.resolve("grants.yaml"), "\nadmin_groups: [" + ADMIN_GROUP + "]\n",
                java.nio.file.StandardOpenOption.APPEND);
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        this.env = Map.of("AIRLOCK_MASTER_KEY", Base64.getEncoder().encodeToString(key));
    }

    /** Starts PostgreSQL and {@code n} replicas, A first. */
    public static ReplicaSet start(Path root, int n) throws Exception {
        ReplicaSet set = new ReplicaSet(root);
        set.startPostgres();
        try (Connection c = set.pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + DATABASE);
        }
        for (int i = 0; i < n; i++) {
            Path data = root.resolve("data-" + (char) ('a' + i));
            if (i > 0) {
                // Until signing keys live in PostgreSQL (issue 14, another part), each data directory would make its
                // own key and the replicas would not verify each other's tokens: a deploy step copies A's keys (and
                // its audit key) to the others. Harmless once the keys are in the database.
                copyKeys(set.replicas.get(0).dataDir, data);
            }
            AirlockProcess p = AirlockProcess.server(data, set.policy, AirlockProcess.freePort(), set.logs, "--store",
                    set.storeUrl(), "--issuer", ISSUER).withEnv(set.env);
            set.replicas.add(p);
            p.start(Duration.ofSeconds(60));
        }
        copyKeys(set.replicas.get(0).dataDir, set.cliData);
        return set;
    }

    public String storeUrl() {
        return "postgresql://127.0.0.1:" + pgPort + "/" + DATABASE + "?user=postgres";
    }

    public AirlockProcess replica(int i) {
        return replicas.get(i);
    }

    public static String name(int i) {
        return String.valueOf((char) ('A' + i));
    }

    /** Starts the embedded PostgreSQL on this set's data directory and port (keeping what was there). */
    public synchronized void startPostgres() throws IOException {
        if (pg != null) throw new IllegalStateException("PostgreSQL already runs");
        pg = EmbeddedPostgres.builder().setDataDirectory(pgData).setCleanDataDirectory(false).setPort(pgPort)
                .setPGStartupWait(Duration.ofSeconds(60)).start();
    }

    /**
     * Stops PostgreSQL (pg_ctl stop, fast mode: open connections are cut), keeping its data directory, and returns only
     * once the postmaster is gone. pg_ctl waits 5 s (zonky's setting) and then only reports "failed": on a loaded
     * machine the shutdown can outlast that while the server still answers, and a fault test would then wait for an
     * outage that never began (seen once on a fresh clone: "a replica's /readyz never said 503"). So wait for the
     * process itself, and if it is still there after {@link #STOP_WAIT}, stop it as a crash would (SIGQUIT: immediate
     * shutdown, recovery at the next start; then SIGKILL).
     */
    public synchronized void stopPostgres() throws IOException {
        if (pg == null) return;
        java.util.Optional<ProcessHandle> postmaster = postmaster();
        pg.close();
        pg = null;
        if (postmaster.isEmpty()) return;
        ProcessHandle h = postmaster.get();
        if (awaitExit(h, STOP_WAIT)) return;
        System.err.println("PostgreSQL (pid " + h.pid() + ") still runs " + STOP_WAIT.toSeconds() + " s after pg_ctl"
                + " stop: immediate shutdown (SIGQUIT)");
        new ProcessBuilder("kill", "-QUIT", Long.toString(h.pid())).inheritIO().start();
        if (awaitExit(h, STOP_WAIT)) return;
        h.destroyForcibly();
        if (!awaitExit(h, STOP_WAIT)) throw new IOException("PostgreSQL (pid " + h.pid() + ") does not stop");
    }

    static final Duration STOP_WAIT = Duration.ofSeconds(20);

    /** The postmaster of this set's PostgreSQL, from the first line of its data directory's postmaster.pid. */
    private java.util.Optional<ProcessHandle> postmaster() {
        try {
            List<String> lines = Files.readAllLines(pgData.resolve("postmaster.pid"));
            return lines.isEmpty() ? java.util.Optional.empty() : ProcessHandle.of(Long.parseLong(lines.get(0).trim()));
        } catch (IOException | NumberFormatException e) {
            return java.util.Optional.empty();
        }
    }

    private static boolean awaitExit(ProcessHandle h, Duration wait) {
        try {
            h.onExit().get(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return !h.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !h.isAlive();
        } catch (java.util.concurrent.ExecutionException e) {
            return !h.isAlive();
        }
    }

    /** Runs a query as the superuser and returns the first column of every row (for the test's own checks). */
    public List<String> query(String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = pg.getDatabase("postgres", DATABASE).getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery(sql)) {
            while (r.next()) out.add(r.getString(1));
        }
        return out;
    }

    /** The audit log's lines in the shared database, in order. */
    public List<String> auditLines() throws SQLException {
        return query("SELECT line FROM audit_log ORDER BY seq");
    }

    /** {@code airlock ARGS --store URL --data CLI --policy P} as its own process, with the replicas' master key. */
    public AirlockProcess.Result cli(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--store", storeUrl(), "--data", cliData.toString(), "--policy", policy.toString()));
        return AirlockProcess.cli(logs, env, Duration.ofSeconds(60), all.toArray(String[]::new));
    }

    public String agentAdd(String id) throws Exception {
        AirlockProcess.Result r = cli("agent", "add", id);
        if (r.exit() != 0) throw new AssertionError("agent add --store: " + r);
        return r.lastLine();
    }

    public HarnessCli.Ops opsAdd(String name, String group) throws Exception {
        AirlockProcess.Result r = cli("ops", "add", name, "--group", group, "--no-qr");
        if (r.exit() != 0) throw new AssertionError("ops add --store: " + r);
        return new HarnessCli.Ops(name, printed(r.out(), "Passphrase:"), printed(r.out(), "TOTP secret:"));
    }

    public AirlockProcess.Result auditVerify() throws Exception {
        return AirlockProcess.cli(logs, env, Duration.ofSeconds(120), "audit", "verify", "--store", storeUrl());
    }

    private static String printed(String out, String label) {
        return out.lines().filter(l -> l.startsWith(label)).map(l -> l.substring(label.length()).strip()).findFirst()
                .orElseThrow(() -> new AssertionError("no '" + label + "' in:\n" + out));
    }

    private static void copyKeys(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        Files.setPosixFilePermissions(to, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Path keys = from.resolve("keys");
        if (Files.isDirectory(keys)) {
            try (Stream<Path> files = Files.walk(keys)) {
                for (Path f : files.toList()) {
                    Path target = to.resolve("keys").resolve(keys.relativize(f).toString());
                    if (Files.isDirectory(f)) Files.createDirectories(target);
                    else Files.copy(f, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                            java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        Path auditKey = from.resolve("audit.key");
        if (Files.exists(auditKey)) {
            Files.copy(auditKey, to.resolve("audit.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
    }

    @Override
    public void close() throws Exception {
        for (AirlockProcess p : replicas) p.close();
        stopPostgres();
    }
}
