package dev.airlock.http;

import dev.airlock.core.mcp.JsonRpc;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/** Reads an MCP request body up to a limit; over it, a JSON-RPC error with 413 and the connection closed. */
final class McpBodies {
    private McpBodies() {}

    static void read(RoutingContext ctx, int max, Handler<Buffer> then) {
        HttpServerRequest req = ctx.request();
        String declared = req.getHeader("Content-Length");
        if (declared != null && tooLong(declared, max)) {
            tooLarge(ctx, max);
            return;
        }
        Buffer body = Buffer.buffer();
        boolean[] failed = {false};
        req.handler(chunk -> {
            if (failed[0]) return;
            if (body.length() + chunk.length() > max) {
                failed[0] = true;
                tooLarge(ctx, max);
                return;
            }
            body.appendBuffer(chunk);
        });
        req.exceptionHandler(e -> {
            if (failed[0]) return;
            failed[0] = true;
            McpReplies.send(ctx, 400, JsonRpc.error(null, JsonRpc.PARSE_ERROR, "the request body could not be read",
                    null));
        });
        req.endHandler(v -> {
            if (!failed[0]) then.handle(body);
        });
        req.resume();
    }

    private static boolean tooLong(String declared, int max) {
        try {
            return Long.parseLong(declared.trim()) > max;
        } catch (NumberFormatException e) {
            return true;
        }
    }

    private static void tooLarge(RoutingContext ctx, int max) {
        ctx.response().putHeader("Connection", "close");
        McpReplies.send(ctx, 413, JsonRpc.error(null, JsonRpc.INVALID_REQUEST, "the message is larger than " + max
                + " bytes", null));
    }
}
