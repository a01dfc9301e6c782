package dev.airlock.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.core.mcp.JsonRpc;
import io.vertx.ext.web.RoutingContext;

/** The MCP gateway's answers: one JSON-RPC message as {@code application/json}, or 202 with no body. */
final class McpReplies {
    private McpReplies() {}

    static void ok(RoutingContext ctx, JsonNode id, JsonNode result) {
        send(ctx, 200, JsonRpc.result(id, result));
    }

    static void ok(RoutingContext ctx, ObjectNode message) {
        send(ctx, 200, message);
    }

    static void send(RoutingContext ctx, int status, ObjectNode message) {
        if (ctx.response().ended() || ctx.response().closed()) return;
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .putHeader("Cache-Control", "no-store").end(message.toString());
    }

    /** Streamable HTTP: a notification or response the server accepts is answered 202 with no body. */
    static void accepted(RoutingContext ctx) {
        if (ctx.response().ended() || ctx.response().closed()) return;
        ctx.response().setStatusCode(202).end();
    }
}
