package dev.airlock.http;

import dev.airlock.core.journal.StorageHealth;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Readiness and the fail-closed gate for storage faults (issue 13). While a journal or audit line cannot be read,
 * memory is behind the file (a revocation another process wrote may be the unread line), so every request except
 * health, readiness and the public key discovery is refused with 503, as a start on the same file would refuse.
 * Write faults need no gate: each request that must write fails at its write and answers 503.
 */
final class StorageGuard implements Handler<RoutingContext> {
    /**
     * Answer from immutable data, decide nothing: safe to serve from a memory that is behind the file. Metrics too:
     * a storage fault is exactly when an operator needs them.
     */
    private static final Set<String> OPEN = Set.of("/healthz", "/readyz", "/metrics", "/.well-known/jwks.json",
            "/.well-known/oauth-authorization-server");

    private final StorageHealth storage;
    private final java.util.function.Supplier<String> policyHash;

    /** The hash another replica announced while this one serves another (issue 14); empty when they agree. */
    private final java.util.function.Supplier<java.util.Optional<String>> announcedElsewhere;

    /** @param policyHash the running policy's {@code sha256:...}, shown by readiness so replicas can be compared */
    StorageGuard(StorageHealth storage, java.util.function.Supplier<String> policyHash,
                 java.util.function.Supplier<java.util.Optional<String>> announcedElsewhere) {
        this.storage = storage;
        this.policyHash = policyHash;
        this.announcedElsewhere = announcedElsewhere;
    }

    @Override
    public void handle(RoutingContext ctx) {
        var unreadable = storage.unreadable();
        if (unreadable.isPresent() && !OPEN.contains(ctx.request().path())) {
            Responses.unavailable(ctx, unreadable.get());
            return;
        }
        ctx.next();
    }

    private Map<String, Object> ready() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", "ready");
        body.put("policy_hash", policyHash.get());
        return body;
    }

    /**
     * 200 when every data file can be written and read, else 503 with the conditions, so that a load balancer stops
     * sending traffic; while writes fail a small probe write (off the event loop) finds out when they succeed again.
     */
    void readyz(RoutingContext ctx) {
        var announced = announcedElsewhere.get();
        if (announced.isPresent()) {
            // Another replica serves the announced policy and this one cannot (its folder differs): out of the load
            // balancer, so an agent's answer does not depend on which replica it reaches (docs/decisions.md).
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", "not_ready");
            body.put("reasons", List.of("policy: this replica's folder yields another policy than the one announced"));
            body.put("policy_hash", policyHash.get());
            body.put("policy_hash_announced", announced.get());
            Responses.json(ctx, 503, body);
            return;
        }
        if (storage.ready()) {
            Responses.json(ctx, 200, ready());
            return;
        }
        ctx.vertx().executeBlocking(() -> {
            storage.probe();
            return storage.faults();
        }, false).onComplete(done -> {
            List<StorageHealth.Fault> faults = done.succeeded() ? done.result() : storage.faults();
            if (faults.isEmpty()) {
                Responses.json(ctx, 200, ready());
                return;
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", "not_ready");
            body.put("policy_hash", policyHash.get());
            body.put("reasons", faults.stream().map(StorageHealth.Fault::describe).sorted().toList());
            ctx.response().putHeader("Retry-After", Long.toString(StorageHealth.RETRY_AFTER_SECONDS));
            Responses.json(ctx, 503, body);
        });
    }
}
