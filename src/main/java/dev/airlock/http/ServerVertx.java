package dev.airlock.http;

import dev.airlock.metrics.AirlockMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.EnumSet;

/**
 * The Vert.x instance a server runs on: with metrics on, the Vert.x metrics module adds its HTTP server meters
 * ({@code vertx_http_server_*}: requests, response times, active connections and requests, bytes) to Airlock's
 * registry. Only the HTTP server domain, labelled by method and status code: no path or remote address (a label per
 * path or client is unbounded, and a path can carry an id); unknown methods are folded into {@code other} by the
 * registry's own filter ({@code AirlockMetrics}).
 */
public final class ServerVertx {
    private ServerVertx() {}

    public static Vertx create(AirlockMetrics metrics) {
        return metrics.registry().map(registry -> {
            MicrometerMetricsOptions options = new MicrometerMetricsOptions().setEnabled(true)
                    .setLabels(EnumSet.of(Label.HTTP_METHOD, Label.HTTP_CODE))
                    .setJvmMetricsEnabled(false).setNettyMetricsEnabled(false);
            for (MetricsDomain d : MetricsDomain.values()) {
                if (d != MetricsDomain.HTTP_SERVER) options.addDisabledMetricsCategory(d);
            }
            return Vertx.builder().with(new VertxOptions().setMetricsOptions(options))
                    .withMetrics(new MicrometerMetricsFactory(registry)).build();
        }).orElseGet(Vertx::vertx);
    }
}
