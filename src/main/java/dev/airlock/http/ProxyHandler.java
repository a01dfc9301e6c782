package dev.airlock.http;

import dev.airlock.core.proxy.Provider;
import dev.airlock.core.proxy.Providers;
import dev.airlock.core.proxy.ProxyAction;
import dev.airlock.core.proxy.ProxyGate;
import dev.airlock.core.proxy.ProxyRequest;
import dev.airlock.core.proxy.ProxyVerdict;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * {@code /proxy/<provider>/...}, any method (DESIGN flow 4). Parse, ask {@link ProxyGate}, then forward or render the
 * refusal: nothing reaches the upstream unless the gate said so, after its audit event was written.
 *
 * <p>This handler is the router's first route and dispatches on the <em>raw</em> path: Vert.x Web routes on a
 * normalised path, where {@code /proxy/x/../../v1/check} would be {@code /v1/check} and {@code /a/../proxy/x}
 * would be a proxy call. Here the proxy is reached exactly when the bytes on the wire say {@code /proxy/}, and the
 * mapper sees the rest of those bytes, which are also what is forwarded.
 */
final class ProxyHandler implements Handler<RoutingContext> {
    static final String PREFIX = "/proxy/";
    /**
     * Request bodies are read whole before mapping, because the decision depends on them (GraphQL documents,
     * JSON-pointer resources); this bounds the memory one request can hold. Over it: 413.
     */
    static final int MAX_BODY = 1024 * 1024;

    private final Providers providers;
    private final ProxyGate gate;
    private final ProxyForwarder forwarder;

    ProxyHandler(Providers providers, ProxyGate gate, ProxyForwarder forwarder) {
        this.providers = providers;
        this.gate = gate;
        this.forwarder = forwarder;
    }

    @Override
    public void handle(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        String path = req.path();
        if (path == null || !(path.startsWith(PREFIX) || path.equals("/proxy"))) {
            ctx.next();
            return;
        }
        int end = path.indexOf('/', Math.min(PREFIX.length(), path.length()));
        String name = path.length() <= PREFIX.length() ? "" : end < 0 ? path.substring(PREFIX.length())
                : path.substring(PREFIX.length(), end);
        String below = end < 0 ? "" : path.substring(end);
        ProxyGate.Call call = new ProxyGate.Call(name, req.method().name(), below, Http.address(ctx));

        String uri = req.uri();
        if (uri == null || !uri.startsWith("/") || uri.indexOf('#') >= 0) {
            refuse(ctx, call, 400, "bad_request_target", "send the request target in origin form (/proxy/<provider>/"
                    + "path?query), without a fragment");
            return;
        }
        Provider provider = Provider.NAME.matcher(name).matches() ? providers.get(name).orElse(null) : null;
        if (provider == null) {
            refuse(ctx, call, 404, "unknown_provider", name.isEmpty() ? "name a provider: /proxy/<provider>/..."
                    : "no provider named '" + LogSafe.path(name.length() > 64 ? name.substring(0, 64) : name)
                    + "' (providers are the files in the policy's providers/ folder)");
            return;
        }
        List<String> authorization = req.headers().getAll("Authorization");
        if (authorization.size() > 1) {
            refuse(ctx, call, 400, "bad_authorization", "send exactly one Authorization header");
            return;
        }
        String token = authorization.isEmpty() ? null : Callers.bearer(authorization.get(0));
        if (token == null || token.isEmpty()) {
            refuse(ctx, call, 401, "token_missing", "send your Airlock access token as Authorization: Bearer <token>;"
                    + " the provider's own credential is added by Airlock, never by you");
            return;
        }
        String declared = req.getHeader("Content-Length");
        if (declared != null && tooLong(declared)) {
            tooLarge(ctx, call);
            return;
        }
        if ("100-continue".equalsIgnoreCase(req.getHeader("Expect"))) ctx.response().writeContinue();
        readBody(ctx, call, body -> decide(ctx, provider, token, call, body));
    }

    private void decide(RoutingContext ctx, Provider provider, String token, ProxyGate.Call call, Buffer body) {
        HttpServerRequest req = ctx.request();
        String query = req.query();
        ProxyRequest request = new ProxyRequest(call.method(), call.rawPath(), query, headersForMapping(req.headers()),
                body.getBytes(), null);
        CompletableFuture<ProxyVerdict> verdict;
        try {
            verdict = gate.admit(token, provider, request, call.address());
        } catch (RuntimeException e) {
            // Called from the body's end handler: a throw here would leave the request unanswered.
            ctx.fail(e);
            return;
        }
        Http.onContext(ctx, verdict).onSuccess(v -> {
            switch (v.kind()) {
                case FORWARD -> forwarder.forward(ctx, provider, call.rawPath(), query, body, v.credential());
                case UNAUTHENTICATED -> {
                    ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"airlock\", error=\"invalid_token\"");
                    Responses.problem(ctx, 401, "Unauthorized", v.reason(), refusalBody(provider, v));
                }
                case FORBIDDEN -> Responses.problem(ctx, 403, "Forbidden", v.reason(), refusalBody(provider, v));
                case CREDENTIAL_UNAVAILABLE -> Responses.problem(ctx, 503, "Service Unavailable", v.reason(),
                        refusalBody(provider, v));
            }
        }).onFailure(ctx::fail);
    }

    /** Everything the mapper needs to see, except the agent's Airlock token, which stays out of the core's view. */
    private static Map<String, List<String>> headersForMapping(MultiMap headers) {
        Map<String, List<String>> out = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (String name : headers.names()) {
            if (name.equalsIgnoreCase("Authorization")) continue;
            out.put(name, headers.getAll(name));
        }
        return out;
    }

    private static Map<String, Object> refusalBody(Provider provider, ProxyVerdict v) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("code", v.code());
        out.put("reason", v.reason());
        out.put("provider", provider.name());
        if (!v.actions().isEmpty()) {
            List<Object> actions = new ArrayList<>();
            for (ProxyAction a : v.actions()) actions.add(action(a));
            out.put("actions", actions);
        }
        if (v.refused() != null) out.put("refused_action", action(v.refused()));
        if (v.guidance() != null) out.put("grant_request", v.guidance());
        return out;
    }

    private static Map<String, Object> action(ProxyAction a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("operation", a.operation());
        m.put("scope", a.scope());
        m.put("resources", a.resources());
        return m;
    }

    /** Audits a refusal made before the gate could decide, then answers it. */
    private void refuse(RoutingContext ctx, ProxyGate.Call call, int status, String code, String reason) {
        if (status == 401) ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"airlock\"");
        if (status == 413) ctx.response().putHeader("Connection", "close");
        Http.onContext(ctx, gate.refusedEarly(call, code, reason))
                .onSuccess(x -> Responses.problem(ctx, status, Responses.title(status), reason, Map.of("code", code)))
                .onFailure(ctx::fail);
    }

    private static boolean tooLong(String declared) {
        try {
            return Long.parseLong(declared.trim()) > MAX_BODY;
        } catch (NumberFormatException e) {
            return true; // Vert.x's codec refuses a malformed Content-Length before we run; this is belt and braces
        }
    }

    private void tooLarge(RoutingContext ctx, ProxyGate.Call call) {
        refuse(ctx, call, 413, "body_too_large", "request body larger than " + MAX_BODY + " bytes");
    }

    /** Collects the body up to {@link #MAX_BODY}; the request was paused by the router until now. */
    private void readBody(RoutingContext ctx, ProxyGate.Call call, Handler<Buffer> then) {
        Buffer body = Buffer.buffer();
        boolean[] failed = {false};
        HttpServerRequest req = ctx.request();
        req.handler(chunk -> {
            if (failed[0]) return;
            if (body.length() + chunk.length() > MAX_BODY) {
                failed[0] = true;
                tooLarge(ctx, call);
                return;
            }
            body.appendBuffer(chunk);
        });
        req.exceptionHandler(e -> {
            if (failed[0]) return;
            failed[0] = true;
            refuse(ctx, call, 400, "bad_request", "request body could not be read");
        });
        req.endHandler(v -> {
            if (!failed[0]) then.handle(body);
        });
        req.resume();
    }
}
