package dev.airlock.metrics;

import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.grant.Grant;
import dev.airlock.core.grant.GrantStatus;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.proxy.Providers;
import dev.airlock.core.store.StateStore;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Airlock's metrics, for Prometheus: one registry per server, fed by decorators around the audit sink and the store
 * and by gauges over the store and the current policy. The domain core knows none of it. Every label value is
 * bounded ({@link DecisionLabels}); docs/operations.md lists each metric and what to alert on.
 *
 * <p>{@link #off()} is the same object doing nothing ({@code serve --no-metrics}): the decorators are not installed,
 * so nothing is measured and {@code /metrics} is not served.
 */
public final class AirlockMetrics implements AutoCloseable {
    /**
     * Latency buckets (seconds) for the durable-write timers: an fsync is 0.1 to 1 ms on a quiet disk, group commit
     * and a busy disk add milliseconds, and past a second something is wrong. Few and fixed, so each timer is a
     * dozen series rather than Micrometer's default seventy.
     */
    private static final Duration[] BUCKETS = {Duration.ofNanos(250_000), Duration.ofNanos(500_000),
        Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofMillis(2500)};

    private final PrometheusMeterRegistry registry;
    /** The decision counter {@link #countDecisions} made, for changes a store audits in its own transaction. */
    private volatile DecisionCounter counter;
    private final JvmGcMetrics gc;
    private volatile Supplier<String> policyHash = () -> null;
    private String shownHash;
    private Gauge policyInfo;
    private List<Meter> connectionMeters = List.of();

    private AirlockMetrics(PrometheusMeterRegistry registry) {
        this.registry = registry;
        if (registry == null) {
            gc = null;
            return;
        }
        // Before any meter exists (filters apply to meters registered after them): the Vert.x HTTP server meters label
        // by method, and a client may send any token as its method.
        registry.config().meterFilter(MeterFilter.replaceTagValues("method",
                m -> DecisionLabels.oneOf(m, DecisionLabels.HTTP_METHODS)));
        // Vert.x 5.0.12 registers these gauges once per server instance (one per event loop) under one id, and
        // Micrometer keeps only the first: they would count one event loop's requests or connections and look like
        // all of them. Connections are counted by the connection guard instead (watchConnections).
        registry.config().meterFilter(MeterFilter.deny(id -> id.getName().equals("vertx.http.server.active.requests")
                || id.getName().equals("vertx.http.server.active.connections")));
        // The JVM and the process: memory, GC pauses, threads, CPU, open descriptors (issue 13's exhaustion), uptime.
        new JvmMemoryMetrics().bindTo(registry);
        gc = new JvmGcMetrics();
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    public static AirlockMetrics on() {
        return new AirlockMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    public static AirlockMetrics off() {
        return new AirlockMetrics(null);
    }

    public boolean enabled() {
        return registry != null;
    }

    /** The registry, for the Vert.x metrics module's HTTP server meters; empty when off. */
    public java.util.Optional<MeterRegistry> registry() {
        return java.util.Optional.ofNullable(registry);
    }

    /** {@code durable}, counting each decision once its event is durable, and timing every append. */
    public AuditSink countDecisions(AuditSink durable, Supplier<Policy> policy, Supplier<Providers> providers) {
        if (registry == null) return durable;
        DecisionCounter c = new DecisionCounter(durable, registry, new DecisionLabels(policy, providers));
        counter = c;
        return c;
    }

    /** {@code store} with its writes timed. */
    public StateStore timeWrites(StateStore store) {
        return registry == null ? store : new TimedStateStore(store, registry, () -> counter);
    }

    /**
     * Gauges read at each scrape: grants by status (the store's grants, so a grant is seen to move through its
     * states whichever replica moved it), the store's propagation lag, and the policy's hash, read through a supplier
     * so that a reloaded policy shows its own.
     */
    public void watch(StateStore store, Supplier<String> policyHash) {
        this.policyHash = Objects.requireNonNull(policyHash);
        if (registry == null) return;
        for (GrantStatus status : GrantStatus.values()) {
            Gauge.builder("airlock.grants", store, s -> count(s.grants(), status))
                    .description("grants the store holds, by status").tag("status", status.label()).register(registry);
        }
        Gauge.builder("airlock.store.propagation.lag", store, s -> s.propagationLag().toNanos() / 1e9)
                .description("how late a change another process (the CLI, another replica) can become visible here")
                .baseUnit("seconds").register(registry);
        showPolicy();
    }

    /**
     * The connections the server holds (every event loop's), those closed on accept because the cap was reached, and
     * the cap: {@code airlock_http_connections_*}. Replaces what an earlier server on this registry registered.
     */
    public synchronized void watchConnections(IntSupplier open, LongSupplier refusedAtCap, int max) {
        if (registry == null) return;
        for (Meter m : connectionMeters) registry.remove(m);
        connectionMeters = List.of(
                Gauge.builder("airlock.http.connections.open", open, IntSupplier::getAsInt).strongReference(true)
                        .description("client connections held now").register(registry),
                FunctionCounter.builder("airlock.http.connections.refused", refusedAtCap, LongSupplier::getAsLong)
                        .description("connections closed on accept: the cap (serve --max-connections) was reached")
                        .register(registry),
                Gauge.builder("airlock.http.connections.max", () -> max).strongReference(true)
                        .description("the connection cap").register(registry));
    }

    private static double count(List<Grant> grants, GrantStatus status) {
        long n = 0;
        for (Grant g : grants) if (g.status() == status) n++;
        return n;
    }

    /**
     * The Prometheus text exposition format 0.0.4 ({@link #CONTENT_TYPE}).
     *
     * @throws IllegalStateException when metrics are off
     */
    public String scrape() {
        if (registry == null) throw new IllegalStateException("metrics are off");
        showPolicy();
        return registry.scrape();
    }

    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /** {@code airlock_policy_info{hash="sha256:..."} 1}, one series, moved when the policy's hash changes. */
    private synchronized void showPolicy() {
        String hash = policyHash.get();
        if (registry == null || hash == null || hash.equals(shownHash)) return;
        if (policyInfo != null) registry.remove(policyInfo);
        policyInfo = Gauge.builder("airlock.policy.info", () -> 1).description("the policy this server runs")
                .tag("hash", hash).register(registry);
        shownHash = hash;
    }

    /** A timer with {@link #BUCKETS} as its histogram. */
    static Timer.Builder latency(String name, String description) {
        return Timer.builder(name).description(description).serviceLevelObjectives(BUCKETS);
    }

    @Override
    public void close() {
        if (gc != null) gc.close();
        if (registry != null) registry.close();
    }
}
