package dev.airlock.http;

import dev.airlock.app.Airlock;
import dev.airlock.app.Domain;
import io.vertx.ext.web.Router;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Serves one {@link Airlock} over HTTP: one verticle per event loop, all sharing the same services and port.
 * Also polls the store for changes other processes made (a CLI revoke or freeze) four times a second, and with it
 * the key schedule and requests to reload the policy ({@link Refresh}).
 */
public final class AirlockServer {
    private static final Logger LOG = Logger.getLogger(AirlockServer.class.getName());
    /** How often state written by other processes is picked up; revocations take effect within this. */
    public static final long REFRESH_MILLIS = 250;

    private final Vertx vertx;
    private final String deploymentId;
    private final long refreshTimer;
    private final long sweepTimer;
    /** Expired grants are also written as such when anyone looks at them; the sweep announces the rest. */
    static final long EXPIRY_SWEEP_MILLIS = 5_000;

    /** How often the server checks that it still accepts connections ({@link ServingWatch}). */
    static final long SERVING_PROBE_MILLIS = 5_000;
    private final ServingWatch watch;
    private final long watchTimer;

    private final HttpPreconditionProbe preconditions;

    private AirlockServer(Vertx vertx, String deploymentId, long refreshTimer, long sweepTimer, ServingWatch watch,
                          long watchTimer, HttpPreconditionProbe preconditions) {
        this.preconditions = preconditions;
        this.watch = watch;
        this.watchTimer = watchTimer;
        this.sweepTimer = sweepTimer;
        this.vertx = vertx;
        this.deploymentId = deploymentId;
        this.refreshTimer = refreshTimer;
    }

    public static HttpServerOptions options(String host, int port) {
        return new HttpServerOptions().setHost(host).setPort(port)
                .setMaxHeaderSize(16 * 1024).setMaxInitialLineLength(4096).setMaxFormAttributeSize(BodyLimits.FORM)
                .setIdleTimeout(30).setDecompressionSupported(false).setCompressionSupported(false)
                .setTcpNoDelay(true).setReusePort(false).setHttp2ClearTextEnabled(false);
    }

    public static Future<AirlockServer> start(Vertx vertx, Airlock airlock, String host, int port, int instances) {
        return start(vertx, airlock, host, port, instances, ConnectionLimits.defaults());
    }

    /** @param limits the connection cap and request deadline, shared by every event loop */
    public static Future<AirlockServer> start(Vertx vertx, Airlock airlock, String host, int port, int instances,
                                              ConnectionLimits limits) {
        return start(vertx, airlock, host, port, instances, limits, () -> {}, SERVING_PROBE_MILLIS);
    }

    /**
     * @param onServingLost run once if the server stops accepting connections (serve exits, so the supervisor
     *                      restarts it); {@code /healthz} fails from then on
     */
    public static Future<AirlockServer> start(Vertx vertx, Airlock airlock, String host, int port, int instances,
                                              ConnectionLimits limits, Runnable onServingLost) {
        return start(vertx, airlock, host, port, instances, limits, onServingLost, SERVING_PROBE_MILLIS);
    }

    static Future<AirlockServer> start(Vertx vertx, Airlock airlock, String host, int port, int instances,
                                       ConnectionLimits limits, Runnable onServingLost, long probeMillis) {
        LogRedaction.install();
        // Issue 13, finding 7: under descriptor exhaustion Netty's acceptor logs the EMFILE and goes on, but the log
        // formatter's first use of the time zone opens tzdb.dat, which fails with no descriptor left; the Error
        // (NoClassDefFoundError) then killed the acceptor thread for good. Load the zone rules now, while files open.
        java.time.ZoneId.systemDefault().getRules();
        ConnectionGuard guard = new ConnectionGuard(limits);
        airlock.metrics.watchConnections(guard::open, guard::refused, limits.maxConnections());
        ServingWatch watch = new ServingWatch(host, port, guard::accepted, onServingLost);
        // Grant preconditions (issue 16) reach providers through this server's client; credentials named {env: ...}
        // come from Airlock's environment, as for the proxy.
        HttpPreconditionProbe preconditions = new HttpPreconditionProbe(vertx, System.getenv());
        airlock.usePreconditionProbe(preconditions);
        return vertx.deployVerticle(() -> new Verticle(airlock, host, port, guard, watch),
                        new DeploymentOptions().setInstances(instances))
                .map(id -> {
                    Refresh refresh = new Refresh(airlock);
                    long timer = vertx.setPeriodic(REFRESH_MILLIS, t -> vertx.executeBlocking(() -> {
                        refresh.run();
                        return null;
                    }, false).onFailure(e -> LOG.log(Level.WARNING, "store refresh failed", e)));
                    long sweep = vertx.setPeriodic(EXPIRY_SWEEP_MILLIS, t -> vertx.executeBlocking(() -> {
                        airlock.domain().grants.sweep().join();
                        return null;
                    }, false).onFailure(e -> LOG.log(Level.WARNING, "grant sweep failed", e)));
                    long probe = vertx.setPeriodic(probeMillis, t -> vertx.executeBlocking(() -> {
                        watch.probe();
                        return null;
                    }, false));
                    return new AirlockServer(vertx, id, timer, sweep, watch, probe, preconditions);
                });
    }

    /** False once the server's own probes found it no longer accepts connections. */
    public boolean serving() {
        return watch.serving();
    }

    /** Tests: stops the listeners only, as a dead accepting thread would, leaving the probe running. */
    Future<Void> stopAcceptingForTest() {
        return vertx.undeploy(deploymentId);
    }

    public Future<Void> stop() {
        vertx.cancelTimer(watchTimer);
        vertx.cancelTimer(refreshTimer);
        vertx.cancelTimer(sweepTimer);
        return vertx.undeploy(deploymentId).eventually(() -> preconditions.close());
    }

    private static final class Verticle extends VerticleBase {
        private final Airlock airlock;
        private final String host;
        private final int port;
        private final ConnectionGuard guard;
        private final ServingWatch watch;
        private HttpServer server;
        /** Only touched on this verticle's event loop. */
        private ProxyForwarder forwarder;
        private McpClients mcp;
        private Domain routed;
        private Router router;

        Verticle(Airlock airlock, String host, int port, ConnectionGuard guard, ServingWatch watch) {
            this.watch = watch;
            this.airlock = airlock;
            this.host = host;
            this.port = port;
            this.guard = guard;
        }

        @Override
        public Future<?> start() {
            server = vertx.createHttpServer(options(host, port));
            forwarder = new ProxyForwarder(vertx, ProxyForwarder.Options.DEFAULTS);
            mcp = McpClients.create(vertx, McpClients.Options.DEFAULTS, airlock.config.clock());
            return server.connectionHandler(c -> guard.onConnection(vertx, c)).requestHandler(req -> {
                guard.onRequest(vertx, req);
                routerFor(airlock.domain()).handle(req);
            }).listen();
        }

        /**
         * The router of the domain current when the request arrived: a policy reload swaps the domain, and the first
         * request after it builds the new routes; a request already routed keeps the old domain's handlers to its end.
         */
        private Router routerFor(Domain d) {
            if (d != routed) {
                router = Routes.router(vertx, airlock, d, forwarder, mcp, watch::serving);
                routed = d;
            }
            return router;
        }

        @Override
        public Future<?> stop() {
            return server == null ? Future.succeededFuture() : server.close();
        }
    }
}
