package dev.airlock.cli;

import dev.airlock.app.Airlock;
import dev.airlock.app.AirlockConfig;
import dev.airlock.store.postgres.PgLocation;
import dev.airlock.core.crypto.MasterKey;
import dev.airlock.core.journal.PrivateFiles;
import dev.airlock.core.journal.ServeLock;
import java.util.Optional;
import dev.airlock.core.policy.PolicyException;
import dev.airlock.http.AirlockServer;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code airlock serve}: the broker. Refuses to start on a bad policy or on a data directory another server holds. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the Airlock server.")
public final class ServeCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "8080", description = "port (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1",
            description = "address to bind (default: ${DEFAULT-VALUE}; loopback only unless you say otherwise)")
    String host;

    @Option(names = "--issuer", description = "issuer URL (default: http://HOST:PORT); set it to the URL clients use")
    String issuer;

    @Option(names = "--alg", defaultValue = "EdDSA", description = "token signing algorithm: EdDSA or ES256")
    String alg;

    @Option(names = "--instances", description = "event loops serving HTTP (default: number of cores)")
    Integer instances;

    @Option(names = "--compact-journal-above", defaultValue = "" + AirlockConfig.DEFAULT_JOURNAL_COMPACT_BYTES, paramLabel = "BYTES",
            description = "compact state.journal into state.snapshot each time it passes this size"
                    + " (default: ${DEFAULT-VALUE}, at least 4096)")
    long compactJournalAbove;

    @Option(names = "--max-connections", paramLabel = "N",
            description = "client connections held at once; more are closed on accept (default: 4096, or the"
                    + " descriptor limit (ulimit -n) less 128 if lower; at most that)")
    Integer maxConnections;

    @Option(names = "--request-deadline", defaultValue = "10", paramLabel = "SECONDS",
            description = "time for a request's headers, then for its body; a slower one is closed, with 408 once its"
                    + " headers are in (default: ${DEFAULT-VALUE}, 1 to 300)")
    int requestDeadline;

    @Option(names = "--metrics", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "serve GET /metrics (Prometheus text format, unauthenticated, no client ids or secrets) and"
                    + " measure for it; --no-metrics measures nothing (default: on)")
    boolean metrics;

    @Option(names = "--log-format", defaultValue = "text", paramLabel = "text|json",
            description = "server log lines as the JDK's text or as one JSON object per line; secrets redacted in"
                    + " both (default: ${DEFAULT-VALUE})")
    String logFormat;

    @Mixin
    DataDirOptions dirs;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The data directory's serve lock, held for the life of the process. */
    private static volatile ServeLock HELD;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int bound = dev.airlock.http.ConnectionLimits.descriptorBound();
        if (maxConnections != null && (maxConnections < 1 || maxConnections > bound)) {
            err.println("--max-connections must be between 1 and " + bound + " (the descriptor limit, ulimit -n, less "
                    + dev.airlock.http.ConnectionLimits.RESERVED_DESCRIPTORS + " kept for files)");
            return 2;
        }
        if (requestDeadline < 1 || requestDeadline > 300) {
            err.println("--request-deadline must be between 1 and 300 seconds");
            return 2;
        }
        dev.airlock.http.ConnectionLimits limits = new dev.airlock.http.ConnectionLimits(
                maxConnections != null ? maxConnections : dev.airlock.http.ConnectionLimits.defaults().maxConnections(),
                java.time.Duration.ofSeconds(requestDeadline));
        dev.airlock.http.ServerLogs.Format format = switch (logFormat) {
            case "text" -> dev.airlock.http.ServerLogs.Format.TEXT;
            case "json" -> dev.airlock.http.ServerLogs.Format.JSON;
            default -> null;
        };
        if (format == null) {
            err.println("--log-format must be text or json, not " + logFormat);
            return 2;
        }
        dev.airlock.http.ServerLogs.configure(format);
        if (port < 1 || port > 65535) {
            err.println("--port must be between 1 and 65535");
            return 2;
        }
        String iss = issuer != null ? issuer.replaceAll("/+$", "") : "http://" + hostForUrl(host) + ":" + port;
        AirlockConfig config;
        try {
            config = new AirlockConfig(dirs.data, dirs.policy, iss, AirlockConfig.parseAlgorithm(alg),
                    System.getenv(MasterKey.ENV), Clock.systemUTC(), compactJournalAbove);
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        }
        try {
            PrivateFiles.createDataDirectory(dirs.data);
            Optional<ServeLock> lock = ServeLock.tryAcquire(dirs.data);
            if (lock.isEmpty()) {
                err.println("another Airlock is serving " + dirs.data + "; one server per data directory");
                return 2;
            }
            HELD = lock.get(); // reachable until the process exits, with the lock
        } catch (IOException e) {
            err.println("cannot use data directory " + dirs.data + ": " + PrivateFiles.explain(e));
            return 2;
        }
        Airlock airlock;
        try {
            airlock = Airlock.open(config, dirs.shared(), metrics ? dev.airlock.metrics.AirlockMetrics.on()
                    : dev.airlock.metrics.AirlockMetrics.off());
        } catch (PolicyException e) {
            err.println(LintCommand.invalid(dirs.policy, e, "refusing to start: "));
            return 2;
        } catch (IllegalArgumentException e) {
            err.println("refusing to start: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            err.println("refusing to start: " + PrivateFiles.explain(e));
            return 2;
        }
        Vertx vertx = dev.airlock.http.ServerVertx.create(airlock.metrics);
        int n = instances != null ? instances : Runtime.getRuntime().availableProcessors();
        AirlockServer server;
        try {
            server = AirlockServer.start(vertx, airlock, host, port, n, limits, () -> {
                // Finding 7: a process that no longer accepts connections must not stay up; exiting non-zero lets
                // the supervisor (deploy/airlock.service: Restart=on-failure) start a fresh one.
                err.println("not serving: connections are no longer accepted; exiting so that the supervisor restarts Airlock");
                err.flush();
                // From a thread of its own: exit waits for the shutdown hook, which waits for this worker's Vert.x.
                new Thread(() -> System.exit(70), "airlock-not-serving").start();
            }).toCompletionStage().toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            err.println("cannot listen on " + host + ":" + port + ": " + rootMessage(e));
            vertx.close();
            airlock.close();
            return 2;
        }
        // One stop, whichever comes first: the shutdown hook (SIGTERM, SIGINT, System.exit) or the serving thread
        // interrupted (an embedding, a test). It prints exactly one line, on standard output beside the start line
        // (issue 16: a stop used to print nothing unless a checkpoint was pending, so a supervisor's log could not
        // tell a clean stop from a kill).
        java.util.concurrent.atomic.AtomicBoolean stopped = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable stop = () -> {
            if (!stopped.compareAndSet(false, true)) return;
            try {
                server.stop().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
                vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // Shutting down anyway; what was acknowledged is already durable.
            } finally {
                airlock.close();
                // The logging framework shuts down in a hook of its own, which may already have run: the last
                // checkpoint's copy for the outside goes to standard output, which the supervisor keeps.
                out.println("Airlock stopped" + airlock.audit.lastCheckpoint().map(c -> "; audit checkpoint " + c)
                        .orElse(""));
                out.flush();
            }
        };
        Thread hook = new Thread(stop, "airlock-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        ReloadSignal.install(airlock, err);
        out.println("Airlock serving " + iss + " (policy " + dirs.policy + ", data " + dirs.data
                + (dirs.store != null ? ", store " + PgLocation.parse(dirs.store) : "") + ", "
                + airlock.keys.active().algorithm() + " key " + airlock.keys.active().kid() + ", audit key "
                + airlock.auditKey.fingerprint() + ", policy " + airlock.policyHash() + ")");
        out.flush();
        warnUnresolvedCredentials(err, airlock.domain().providers.all(), System.getenv());
        try {
            Thread.currentThread().join();
        } catch (InterruptedException e) {
            stop.run();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting: the hook finds the stop done
            }
            ServeLock held = HELD;
            HELD = null;
            if (held != null) {
                try {
                    held.close();
                } catch (IOException e2) {
                    // released at process exit anyway
                }
            }
        }
        return 0;
    }

    /**
     * One warning line per provider whose credential cannot be read now, at start (issue 16: a new user learnt it
     * only from the first proxied request's 502). Names where it was looked for, never a value
     * ({@link dev.airlock.core.proxy.CredentialSource.Unavailable}); the server still starts, since the credential
     * is read per request and may be provided later (a secret mounted after start).
     */
    static void warnUnresolvedCredentials(PrintWriter err, java.util.Collection<dev.airlock.core.proxy.Provider> providers,
                                          java.util.Map<String, String> environment) {
        for (dev.airlock.core.proxy.Provider p : providers) {
            try {
                p.credential().resolve(environment);
            } catch (dev.airlock.core.proxy.CredentialSource.Unavailable e) {
                String path = p.kind() == dev.airlock.core.proxy.Provider.Kind.MCP ? "tool calls through /mcp/" + p.name()
                        : "requests through /proxy/" + p.name() + "/";
                err.println("warning: provider " + p.name() + ": its credential is unavailable (" + e.getMessage()
                        + "); " + path + " fail until it is set");
            }
        }
        err.flush();
    }

    private static String hostForUrl(String host) {
        return host.contains(":") ? "[" + host + "]" : host;
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) t = t.getCause();
        return t.getMessage();
    }
}
