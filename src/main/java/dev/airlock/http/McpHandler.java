package dev.airlock.http;

import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.core.journal.StorageHealth;
import dev.airlock.core.journal.StorageUnavailable;
import dev.airlock.core.mcp.AirlockMcp;
import dev.airlock.core.mcp.AirlockTools;
import dev.airlock.core.mcp.JsonRpc;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code POST /mcp}: Airlock's own MCP server over Streamable HTTP (MCP 2025-03-26 and later), answering every request
 * with one {@code application/json} body. There is never anything to stream: this server sends no requests or
 * notifications of its own, so {@code GET /mcp} (the client's SSE stream) is 405 with {@code Allow: POST}, as the
 * transport allows. Every request carries the agent's own credential, as on {@code /v1/grants} ({@link Callers}):
 * HTTP Basic with its client secret, or Bearer with an Airlock access token of its own. Every answer, errors
 * included, is a JSON-RPC message, never HTML or problem details: an MCP client shows JSON-RPC errors to its user.
 */
final class McpHandler implements Handler<RoutingContext> {
    private static final Logger LOG = Logger.getLogger(McpHandler.class.getName());
    /** Implementation-defined server error (JSON-RPC 2.0 §5.1) for an unauthenticated request. */
    static final int UNAUTHORIZED = -32001;
    static final String CHALLENGE = "Basic realm=\"airlock\", Bearer realm=\"airlock\"";

    private final AirlockMcp mcp;
    private final Callers callers;
    private final OriginCheck origins;

    McpHandler(AirlockMcp mcp, Callers callers, OriginCheck origins) {
        this.mcp = mcp;
        this.callers = callers;
        this.origins = origins;
    }

    @Override
    public void handle(RoutingContext ctx) {
        // MCP Streamable HTTP, security warning: servers MUST validate Origin (DNS rebinding from a browser page).
        origins.require(ctx);
        String type = Http.contentType(ctx);
        if (type == null || !type.toLowerCase(Locale.ROOT).split(";", 2)[0].trim().equals("application/json")) {
            throw new BadRequest(415, "invalid_request", "send one JSON-RPC message as Content-Type: application/json");
        }
        // MCP Streamable HTTP §Protocol Version Header: an unsupported version is a 400.
        String version = ctx.request().getHeader("MCP-Protocol-Version");
        if (version != null && !AirlockMcp.PROTOCOL_VERSIONS.contains(version)) {
            throw new BadRequest(400, "invalid_request", "unsupported MCP-Protocol-Version; this server speaks "
                    + String.join(", ", AirlockMcp.PROTOCOL_VERSIONS));
        }
        boolean basic = isBasic(ctx.request().getHeader("Authorization"));
        String address = Http.address(ctx);
        byte[] body = BodyReader.body(ctx).getBytes();
        callers.agent(ctx)
                .compose(agent -> Http.onContext(ctx, mcp.handle(new AirlockTools.Caller(agent, basic, address),
                        JsonRpc.parse(body))))
                .onSuccess(answer -> answer(ctx, answer))
                .onFailure(ctx::fail);
    }

    private static void answer(RoutingContext ctx, Optional<ObjectNode> answer) {
        HttpServerResponse r = ctx.response();
        if (r.ended()) return;
        r.putHeader("Cache-Control", "no-store");
        if (answer.isEmpty()) {
            r.setStatusCode(202).end(); // notifications and responses: accepted, no body (Streamable HTTP)
            return;
        }
        // An error the server reached (unknown method, invalid message) is still a well-formed exchange: 200, the
        // JSON-RPC error in the body. Only transport-level faults (below) use other statuses.
        write(ctx, 200, answer.get());
    }

    /** GET, DELETE, ...: nothing to stream and no session to end. */
    static void notAllowed(RoutingContext ctx) {
        ctx.response().putHeader("Allow", "POST");
        write(ctx, 405, JsonRpc.error(NullNode.instance, JsonRpc.INVALID_REQUEST, "only POST: this MCP server answers"
                + " each request in its JSON response and never streams (no SSE), and it keeps no sessions", null));
    }

    /**
     * This route's failure handler: every failure as a JSON-RPC error with the HTTP status that says whose fault it
     * was. Our own faults are logged with an incident id and never described to the caller.
     */
    static void failure(RoutingContext ctx) {
        Throwable t = ctx.failure();
        Optional<StorageUnavailable> storage = StorageUnavailable.in(t);
        if (storage.isPresent()) {
            ctx.response().putHeader("Retry-After", Long.toString(StorageHealth.RETRY_AFTER_SECONDS));
            write(ctx, 503, JsonRpc.error(NullNode.instance, JsonRpc.UNAVAILABLE, "Airlock's storage is unavailable;"
                    + " nothing was changed; retry later", null));
            return;
        }
        if (t instanceof BadRequest b) {
            int code = switch (b.status()) {
                case 401 -> UNAUTHORIZED;
                case 403, 429 -> JsonRpc.FORBIDDEN;
                default -> JsonRpc.INVALID_REQUEST;
            };
            if (b.status() == 401) ctx.response().putHeader("WWW-Authenticate", CHALLENGE);
            String message = b.status() == 401 ? b.getMessage() + ". Configure this MCP server with the agent's own"
                    + " credential (Authorization: Basic base64(client_id:client_secret)); do not look for another"
                    + " one" : b.getMessage();
            write(ctx, b.status(), JsonRpc.error(NullNode.instance, code, message, null));
            return;
        }
        int status = ctx.statusCode();
        if (status >= 400 && status < 500) {
            write(ctx, status, JsonRpc.error(NullNode.instance, JsonRpc.INVALID_REQUEST, Responses.title(status), null));
            return;
        }
        String incident = UUID.randomUUID().toString();
        RequestLogRecord.log(LOG, Level.SEVERE, "internal error " + incident + " on " + ctx.request().method() + " "
                + LogSafe.path(ctx.request().path()), t, ctx.request().method().name(), ctx.request().path(), 500,
                incident, null);
        write(ctx, 500, JsonRpc.error(NullNode.instance, JsonRpc.INTERNAL_ERROR, "internal error; incident " + incident,
                null));
    }

    private static void write(RoutingContext ctx, int status, ObjectNode body) {
        HttpServerResponse r = ctx.response();
        if (r.ended()) return;
        r.setStatusCode(status).putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store");
        r.end(Buffer.buffer(body.toString()));
    }

    private static boolean isBasic(String authz) {
        return authz != null && authz.regionMatches(true, 0, "Basic ", 0, 6);
    }
}
