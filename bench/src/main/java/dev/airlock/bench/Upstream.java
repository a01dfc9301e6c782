package dev.airlock.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The provider behind the proxy in the load run: answers every request with a small fixed JSON body on one event
 * loop, and 401 unless the request carries {@code Authorization: Bearer <token>} with the token given at start (so a
 * proxy that failed to inject the provider's credential shows up as errors, not as speed).
 *
 * <p>{@code POST /mcp} is an MCP server (Streamable HTTP, JSON answers) with one read tool, {@code get_volume}, for
 * the gateway's run: {@code initialize}, {@code tools/list} and {@code tools/call} answered with small fixed results
 * carrying the request's id, notifications with 202, under the same credential rule.
 *
 * <pre>  java -cp benchmarks.jar:airlock.jar dev.airlock.bench.Upstream PORT TOKEN</pre>
 */
public final class Upstream {
    private Upstream() {}

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        String expected = "Bearer " + args[1];
        Buffer body = Buffer.buffer("{\"id\":\"vol-stg-0001\",\"size_gb\":10,\"region\":\"local\"}");
        Buffer denied = Buffer.buffer("{\"error\":\"missing or wrong credential\"}");
        Vertx vertx = Vertx.vertx();
        vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port).setTcpNoDelay(true))
                .requestHandler(req -> {
                    boolean ok = expected.equals(req.getHeader("Authorization"));
                    if (ok && req.path().equals("/mcp")) {
                        req.body().onSuccess(b -> mcp(req, b));
                        return;
                    }
                    req.response().setStatusCode(ok ? 200 : 401).putHeader("Content-Type", "application/json")
                            .end(ok ? body : denied);
                })
                .listen()
                .onSuccess(s -> System.out.println("upstream listening on 127.0.0.1:" + s.actualPort()))
                .onFailure(e -> {
                    System.err.println("upstream cannot listen: " + e.getMessage());
                    System.exit(2);
                });
    }

    private static final JsonObject TOOL = new JsonObject().put("name", "get_volume")
            .put("description", "Reads one volume.")
            .put("inputSchema", new JsonObject().put("type", "object")
                    .put("properties", new JsonObject().put("volumeId", new JsonObject().put("type", "string")))
                    .put("required", new JsonArray().add("volumeId")))
            .put("annotations", new JsonObject().put("readOnlyHint", true));

    /** One JSON-RPC message in, one JSON answer out (or 202 for a notification); nothing is kept between calls. */
    private static void mcp(HttpServerRequest req, Buffer body) {
        JsonObject message;
        try {
            message = body.toJsonObject();
        } catch (RuntimeException e) {
            req.response().setStatusCode(400).end();
            return;
        }
        Object id = message.getValue("id");
        if (id == null) {
            req.response().setStatusCode(202).end();
            return;
        }
        String method = message.getString("method", "");
        JsonObject result = switch (method) {
            case "initialize" -> new JsonObject()
                    .put("protocolVersion", message.getJsonObject("params", new JsonObject())
                            .getString("protocolVersion", "2025-06-18"))
                    .put("capabilities", new JsonObject().put("tools", new JsonObject()))
                    .put("serverInfo", new JsonObject().put("name", "bench-upstream").put("version", "1"));
            case "tools/list" -> new JsonObject().put("tools", new JsonArray().add(TOOL));
            case "tools/call" -> new JsonObject()
                    .put("content", new JsonArray().add(new JsonObject().put("type", "text")
                            .put("text", "{\"id\":\"vol-stg-0001\",\"size_gb\":10}")))
                    .put("structuredContent", new JsonObject().put("id", "vol-stg-0001").put("size_gb", 10));
            default -> null;
        };
        JsonObject answer = new JsonObject().put("jsonrpc", "2.0").put("id", id);
        if (result != null) answer.put("result", result);
        else answer.put("error", new JsonObject().put("code", -32601).put("message", "method not found"));
        req.response().putHeader("Content-Type", "application/json").end(answer.toBuffer());
    }
}
