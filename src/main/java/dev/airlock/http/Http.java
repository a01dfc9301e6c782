package dev.airlock.http;

import io.vertx.core.Future;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.CompletionStage;

/** Small shared helpers for handlers. */
final class Http {
    private Http() {}

    /** The peer's address. X-Forwarded-For is not trusted: Airlock is not deployed behind a proxy by default. */
    static String address(RoutingContext ctx) {
        SocketAddress a = ctx.request().remoteAddress();
        return a == null ? "unknown" : a.hostAddress();
    }

    /** Brings a core future back onto this request's Vert.x context; a failure goes to the router's failure handler. */
    static <T> Future<T> onContext(RoutingContext ctx, CompletionStage<T> stage) {
        return Future.fromCompletionStage(stage, ctx.vertx().getOrCreateContext());
    }

    static String contentType(RoutingContext ctx) {
        return ctx.request().getHeader("Content-Type");
    }
}
