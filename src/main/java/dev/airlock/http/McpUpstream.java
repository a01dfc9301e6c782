package dev.airlock.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.core.proxy.Provider;
import dev.airlock.core.proxy.ProxyVerdict;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The MCP gateway's own MCP client towards a provider's MCP server (Streamable HTTP, MCP 2025-06-18): it initializes
 * its own session per provider (kept, and re-initialized once when the upstream answers 404, Streamable HTTP "Session
 * Management"), sends only messages Airlock wrote itself with its own ids and the provider's credential, and reads the
 * answer as {@code application/json} or as a {@code text/event-stream} up to the response with its id, bounded in bytes
 * and time. No header of the agent's request ever reaches the upstream (MCP authorization, "Token Passthrough").
 */
final class McpUpstream {
    /** The revision the gateway speaks upstream; its {@code MCP-Protocol-Version} header is sent on every request. */
    static final String PROTOCOL = "2025-06-18";

    /**
     * @param connectTimeoutMillis connecting to the upstream
     * @param answerTimeoutMillis  from sending a message to having its answer (a JSON body or the SSE event with its id)
     * @param maxAnswerBytes       an answer larger than this (JSON body, or SSE stream read until the answer) is refused
     * @param poolSize             connections per upstream
     */
    record Options(long connectTimeoutMillis, long answerTimeoutMillis, int maxAnswerBytes, int poolSize) {
        static final Options DEFAULTS = new Options(5_000, 30_000, 4 << 20, 32);
    }

    /** The upstream failed to give an answer: unreachable, timed out, too large, not JSON-RPC. Never holds a credential. */
    static final class Failed extends RuntimeException {
        Failed(String message) {
            super(message, null, false, false);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build()).build());

    private final Vertx vertx;
    private final HttpClient client;
    private final Options options;
    private final AtomicLong ids = new AtomicLong();
    /** {@link #key} to its session id ("" for an upstream that gives none), once initialized. */
    private final Map<String, Future<String>> sessions = new ConcurrentHashMap<>();

    McpUpstream(Vertx vertx, Options options) {
        this.vertx = vertx;
        this.options = options;
        this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setMaxRedirects(0)
                        .setVerifyHost(true).setDecompressionSupported(false).setMaxHeaderSize(64 * 1024),
                new PoolOptions().setHttp1MaxSize(options.poolSize()));
    }

    /**
     * Sends one request {@code method} with {@code params} (written by Airlock) and completes with the upstream's
     * JSON-RPC response object (with {@code result} or {@code error}); fails with {@link Failed}.
     */
    Future<ObjectNode> call(Provider provider, ProxyVerdict.Credential credential, String method, ObjectNode params) {
        String key = key(provider);
        return session(provider, credential).compose(sid -> send(provider, credential, sid, method, params)
                .recover(e -> {
                    if (!(e instanceof SessionGone)) return Future.failedFuture(e);
                    sessions.remove(key);
                    return session(provider, credential).compose(again -> send(provider, credential, again, method, params)
                            .recover(e2 -> Future.failedFuture(e2 instanceof SessionGone
                                    ? new Failed("the upstream dropped a fresh session") : e2)));
                }));
    }

    private Future<ObjectNode> send(Provider provider, ProxyVerdict.Credential credential, String sid, String method,
                                    ObjectNode params) {
        long id = ids.incrementAndGet();
        ObjectNode message = message(method, params);
        message.put("id", id);
        return post(provider, credential, sid, message, id).compose(r -> {
            if (r.status() == 404 && !sid.isEmpty()) return Future.failedFuture(new SessionGone());
            if (r.answer() == null) {
                return Future.failedFuture(new Failed("the upstream answered HTTP " + r.status() + " without a JSON-RPC"
                        + " response"));
            }
            return Future.succeededFuture(r.answer());
        });
    }

    /** Marks an upstream 404 on a session: the session ended there (Streamable HTTP: start a new one). */
    private static final class SessionGone extends RuntimeException {
        SessionGone() {
            super("session gone", null, false, false);
        }
    }

    private Future<String> session(Provider provider, ProxyVerdict.Credential credential) {
        String key = key(provider);
        return sessions.computeIfAbsent(key, k -> {
            Future<String> f = initialize(provider, credential);
            f.onFailure(e -> sessions.remove(key, f));
            return f;
        });
    }

    /** A provider as its upstream knows it: a reload that moves it to another URL starts a new session. */
    static String key(Provider provider) {
        return provider.name() + " " + provider.upstream();
    }

    private Future<String> initialize(Provider provider, ProxyVerdict.Credential credential) {
        ObjectNode params = JsonNodeFactory.instance.objectNode();
        params.put("protocolVersion", PROTOCOL);
        params.putObject("capabilities");
        ObjectNode info = params.putObject("clientInfo");
        info.put("name", "airlock-mcp-gateway");
        info.put("version", "1");
        long id = ids.incrementAndGet();
        ObjectNode message = message("initialize", params);
        message.put("id", id);
        return post(provider, credential, "", message, id).compose(r -> {
            if (r.answer() == null || r.answer().has("error")) {
                return Future.failedFuture(new Failed("the upstream refused initialize (HTTP " + r.status() + ")"));
            }
            String sid = r.headers().get("Mcp-Session-Id");
            String session = sid == null ? "" : sid;
            ObjectNode initialized = message("notifications/initialized", null);
            return post(provider, credential, session, initialized, -1).map(x -> session);
        });
    }

    private static ObjectNode message(String method, ObjectNode params) {
        ObjectNode m = JsonNodeFactory.instance.objectNode();
        m.put("jsonrpc", "2.0");
        m.put("method", method);
        if (params != null) m.set("params", params);
        return m;
    }

    /** The HTTP status, headers, and the JSON-RPC response with our id (null when none: a notification, an error). */
    private record Reply(int status, MultiMap headers, ObjectNode answer) {}

    private Future<Reply> post(Provider provider, ProxyVerdict.Credential credential, String sid, ObjectNode message,
                               long id) {
        URI up = provider.upstream();
        boolean tls = "https".equalsIgnoreCase(up.getScheme());
        String host = up.getHost();
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port = up.getPort() >= 0 ? up.getPort() : tls ? 443 : 80;
        String path = up.getRawPath() == null || up.getRawPath().isEmpty() ? "/" : up.getRawPath();
        MultiMap headers = MultiMap.caseInsensitiveMultiMap()
                .set("Content-Type", "application/json")
                .set("Accept", "application/json, text/event-stream")
                .set("MCP-Protocol-Version", PROTOCOL)
                .set(credential.header(), credential.value());
        if (!sid.isEmpty()) headers.set("Mcp-Session-Id", sid);
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setHost(host).setPort(port)
                .setSsl(tls).setURI(path).setHeaders(headers).setFollowRedirects(false)
                .setConnectTimeout(options.connectTimeoutMillis()).setIdleTimeout(options.answerTimeoutMillis());
        Promise<Reply> done = Promise.promise();
        long timer = vertx.setTimer(options.answerTimeoutMillis(), t -> done.tryFail(new Failed("the upstream did not"
                + " answer within " + options.answerTimeoutMillis() + " ms")));
        client.request(request)
                .compose(r -> r.send(Buffer.buffer(message.toString().getBytes(StandardCharsets.UTF_8))))
                .onSuccess(response -> read(response, id, done))
                .onFailure(e -> done.tryFail(new Failed("the upstream could not be reached: "
                        + e.getClass().getSimpleName())));
        return done.future().andThen(x -> vertx.cancelTimer(timer));
    }

    private void read(HttpClientResponse response, long id, Promise<Reply> done) {
        String type = response.getHeader("Content-Type");
        String media = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        boolean sse = media.equals("text/event-stream");
        Buffer body = Buffer.buffer();
        SseScanner scanner = sse ? new SseScanner() : null;
        response.handler(chunk -> {
            if (done.future().isComplete()) return;
            if (body.length() + chunk.length() > options.maxAnswerBytes()) {
                done.tryFail(new Failed("the upstream's answer is larger than " + options.maxAnswerBytes() + " bytes"));
                response.request().reset();
                return;
            }
            body.appendBuffer(chunk);
            if (scanner != null) {
                ObjectNode found = scanner.feed(chunk, id);
                if (found != null) {
                    done.tryComplete(new Reply(response.statusCode(), response.headers(), found));
                    // The stream may stay open for server-initiated messages, which the gateway does not relay.
                    response.request().reset();
                }
            }
        });
        response.exceptionHandler(e -> done.tryFail(new Failed("the upstream's answer broke off")));
        response.endHandler(v -> {
            if (done.future().isComplete()) return;
            if (sse || id < 0 || media.isEmpty()) {
                done.tryComplete(new Reply(response.statusCode(), response.headers(), null));
                return;
            }
            if (!media.equals("application/json")) {
                done.tryFail(new Failed("the upstream answered " + media + ", not application/json or"
                        + " text/event-stream"));
                return;
            }
            done.tryComplete(new Reply(response.statusCode(), response.headers(), answer(body.getBytes(), id)));
        });
    }

    /** The JSON-RPC response with {@code id} in a body, or null. */
    static ObjectNode answer(byte[] bytes, long id) {
        try {
            JsonNode n = JSON.readTree(bytes);
            return isAnswer(n, id) ? (ObjectNode) n : null;
        } catch (java.io.IOException e) {
            return null;
        }
    }

    static boolean isAnswer(JsonNode n, long id) {
        return n instanceof ObjectNode o && o.path("id").isIntegralNumber() && o.get("id").asLong() == id
                && !o.has("method") && (o.has("result") || o.has("error"));
    }

    /**
     * Reads server-sent events (HTML "Server-sent events" §9.2.6) as they arrive: lines, {@code data:} fields joined by
     * newlines, an event dispatched at a blank line; each event's data is read as one JSON-RPC message.
     */
    static final class SseScanner {
        /** The current line's bytes: decoded only once whole, so a character split across chunks stays whole. */
        private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        private final StringBuilder data = new StringBuilder();
        private boolean cr;

        ObjectNode feed(Buffer chunk, long id) {
            byte[] bytes = chunk.getBytes();
            for (byte b : bytes) {
                if (b == '\n' && cr) {
                    cr = false;
                    continue;
                }
                cr = b == '\r';
                if (b != '\n' && b != '\r') {
                    line.write(b);
                    continue;
                }
                ObjectNode found = endOfLine(id);
                if (found != null) return found;
            }
            return null;
        }

        private ObjectNode endOfLine(long id) {
            String l = line.toString(StandardCharsets.UTF_8);
            line.reset();
            if (l.isEmpty()) {
                String event = data.toString();
                data.setLength(0);
                return event.isEmpty() ? null : answer(event.getBytes(StandardCharsets.UTF_8), id);
            }
            if (l.startsWith("data")) {
                String v = l.length() > 4 && l.charAt(4) == ':' ? l.substring(5) : l.length() == 4 ? "" : null;
                if (v == null) return null;
                if (v.startsWith(" ")) v = v.substring(1);
                if (data.length() > 0) data.append('\n');
                data.append(v);
            }
            return null;
        }
    }

    Future<Void> close() {
        return client.close();
    }
}
