package dev.airlock.http;

import dev.airlock.metrics.AirlockMetrics;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /metrics}: the Prometheus text format 0.0.4. Unauthenticated, like {@code /healthz}: it holds counts
 * labelled only with names the policy publishes anyway (environments, providers, scopes' refusal codes) and the
 * policy's hash, never a client id, resource id, address or secret (see {@code metrics/DecisionLabels}); an operator
 * who wants it private turns it off ({@code serve --no-metrics}) or keeps it behind the proxy or network policy that
 * already fronts Airlock (docs/decisions.md).
 */
final class MetricsHandler implements Handler<RoutingContext> {
    private final AirlockMetrics metrics;

    MetricsHandler(AirlockMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void handle(RoutingContext ctx) {
        // Off the event loop: the gauges walk the store's grants and the JVM binders read /proc.
        ctx.vertx().executeBlocking(metrics::scrape, false).onComplete(done -> {
            if (done.failed()) {
                ctx.fail(done.cause());
                return;
            }
            ctx.response().putHeader("Content-Type", AirlockMetrics.CONTENT_TYPE)
                    .putHeader("Cache-Control", "no-store").end(done.result());
        });
    }
}
