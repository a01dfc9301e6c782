package dev.airlock.metrics;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditSink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Counts Airlock's decisions from the audit stream: every decision already is an audit event, so the domain core
 * learns nothing about metrics, and a counter moves only once its event is durable (what the client was told is
 * what is counted; an event that failed to be written was never answered as a decision). Also times each append,
 * group commit and fsync included: the latency every durable answer waits for.
 *
 * <p>Labels come only from {@link DecisionLabels}: never a client id, jti, resource id, address or reason text.
 */
final class DecisionCounter implements AuditSink {
    private final AuditSink durable;
    private final MeterRegistry registry;
    private final DecisionLabels labels;
    private final Timer appended;
    private final Timer failed;

    DecisionCounter(AuditSink durable, MeterRegistry registry, DecisionLabels labels) {
        this.durable = durable;
        this.registry = registry;
        this.labels = labels;
        this.appended = AirlockMetrics.latency("airlock.audit.append", "from handing an audit event to the log to"
                + " its being durable (fsync'd), group commit included").tag("outcome", "ok").register(registry);
        this.failed = AirlockMetrics.latency("airlock.audit.append", "from handing an audit event to the log to"
                + " its being durable (fsync'd), group commit included").tag("outcome", "failed").register(registry);
    }

    @Override
    public CompletableFuture<Void> append(AuditEvent event) {
        long started = System.nanoTime();
        CompletableFuture<Void> written = durable.append(event);
        written.whenComplete((ok, failure) -> {
            (failure == null ? appended : failed).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            if (failure == null) count(event);
        });
        return written;
    }

    /**
     * Counts an event another path made durable: a state change a store committed with its event in one transaction
     * ({@link dev.airlock.core.store.AuditedWrites#eventsThroughSink()} false), which never passes through here.
     */
    void durable(AuditEvent e) {
        count(e);
    }

    private void count(AuditEvent e) {
        Map<String, Object> f = e.fields();
        counter("airlock.audit.events", "audit events written, by type", "type", DecisionLabels.eventType(e.type()));
        switch (e.type()) {
            case "token.minted" -> counter("airlock.tokens.minted", "access tokens minted",
                    "env", labels.environment(f.get("env")));
            case "token.refused" -> counter("airlock.tokens.refused", "token requests refused after the client"
                    + " authenticated", "env", labels.environment(f.get("env")), "reason",
                    DecisionLabels.reason(f.get("error")));
            case "check" -> counter("airlock.checks", "POST /v1/check decisions",
                    "env", labels.environment(f.get("env")), "outcome", allowed(f) ? "allowed" : "denied",
                    "reason", DecisionLabels.reason(f.get("code")));
            case "proxy" -> counter("airlock.proxy.requests", "calls to the enforcement proxy, decided",
                    "provider", labels.provider(f.get("provider")), "env", labels.environment(f.get("env")),
                    "outcome", allowed(f) ? "forwarded" : "refused", "reason", DecisionLabels.reason(f.get("code")));
            case "grant.requested", "grant.approved", "grant.denied", "grant.cancelled", "grant.expired",
                    "grant.redeemed", "grant.used" -> counter("airlock.grant.transitions", "grant state changes",
                    "env", labels.environment(f.get("env")), "transition", e.type().substring("grant.".length()));
            default -> { } // counted by type above; no decision with labels of its own
        }
    }

    private static boolean allowed(Map<String, Object> f) {
        return Boolean.TRUE.equals(f.get("allowed"));
    }

    private void counter(String name, String description, String... tags) {
        Counter.builder(name).description(description).tags(tags).register(registry).increment();
    }
}
