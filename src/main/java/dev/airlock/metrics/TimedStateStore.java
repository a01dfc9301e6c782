package dev.airlock.metrics;

import dev.airlock.core.grant.Grant;
import dev.airlock.core.ops.OpsAccount;
import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.store.AuditedWrites;
import dev.airlock.core.store.StateChange;
import dev.airlock.core.store.ForwardingStateStore;
import dev.airlock.core.store.StateStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The store, with each write timed from the call to its being durable ({@code airlock_store_write_seconds}, by
 * operation and outcome). Reads are in memory and not timed. A decorator, so every store implementation (the file
 * store today, a database tomorrow) is measured the same way.
 */
final class TimedStateStore extends ForwardingStateStore {
    private final MeterRegistry registry;
    private final Supplier<DecisionCounter> counter;

    TimedStateStore(StateStore real, MeterRegistry registry, Supplier<DecisionCounter> counter) {
        super(real);
        this.registry = registry;
        this.counter = counter;
    }

    /**
     * The real store's audited path (never the default over this wrapper: PostgreSQL commits change and event in one
     * transaction, which a wrapper must not turn into event-then-change), timed; a change whose event the store wrote
     * in its own transaction is counted here, since it never passed the decision counter's sink.
     */
    @Override
    public AuditedWrites audited(AuditSink audit) {
        AuditedWrites inner = real.audited(audit);
        return new AuditedWrites() {
            @Override
            public <T> CompletableFuture<T> apply(AuditEvent event, StateChange<T> change) {
                CompletableFuture<T> done = timed("audited", () -> inner.apply(event, change));
                if (!inner.eventsThroughSink()) {
                    done.whenComplete((v, failure) -> {
                        DecisionCounter c = counter.get();
                        if (failure == null && !Boolean.FALSE.equals(v) && c != null) c.durable(event);
                    });
                }
                return done;
            }

            @Override
            public boolean eventsThroughSink() {
                return inner.eventsThroughSink();
            }
        };
    }

    private <T> CompletableFuture<T> timed(String op, Supplier<CompletableFuture<T>> call) {
        long started = System.nanoTime();
        CompletableFuture<T> write = call.get();
        write.whenComplete((v, failure) -> timer(op, failure == null ? "ok" : "failed")
                .record(System.nanoTime() - started, TimeUnit.NANOSECONDS));
        return write;
    }

    private Timer timer(String op, String outcome) {
        return AirlockMetrics.latency("airlock.store.write", "from a state write to its being durable")
                .tags("op", op, "outcome", outcome).register(registry);
    }

    @Override
    public CompletableFuture<Void> revoke(String jti, Instant tokenExpiresAt) {
        return timed("revoke", () -> real.revoke(jti, tokenExpiresAt));
    }

    @Override
    public CompletableFuture<Void> setFrozen(String environment, boolean frozen) {
        return timed("freeze", () -> real.setFrozen(environment, frozen));
    }

    @Override
    public CompletableFuture<Void> putAgentSecretHash(String agentId, String sha256Hex) {
        return timed("agent_secret", () -> real.putAgentSecretHash(agentId, sha256Hex));
    }

    @Override
    public CompletableFuture<Void> setAgentDisabled(String agentId, boolean disabled) {
        return timed("agent_disabled", () -> real.setAgentDisabled(agentId, disabled));
    }

    @Override
    public CompletableFuture<Void> voidAgentTokens(String agentId, Instant notBefore) {
        return timed("agent_tokens_void", () -> real.voidAgentTokens(agentId, notBefore));
    }

    @Override
    public CompletableFuture<Boolean> recordAssertion(String clientId, String jti, Instant assertionExpiresAt) {
        return timed("assertion", () -> real.recordAssertion(clientId, jti, assertionExpiresAt));
    }

    @Override
    public CompletableFuture<Boolean> saveGrant(Grant next) {
        return timed("grant", () -> real.saveGrant(next));
    }

    @Override
    public CompletableFuture<Boolean> saveOpsAccount(OpsAccount next) {
        return timed("ops_account", () -> real.saveOpsAccount(next));
    }

}
