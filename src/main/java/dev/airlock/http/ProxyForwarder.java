package dev.airlock.http;

import dev.airlock.core.proxy.Provider;
import dev.airlock.core.proxy.ProxyVerdict;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Sends an allowed request upstream and streams the answer back, with vertx-core's HTTP client (why not the Vert.x
 * HTTP proxy module: docs/decisions.md). The request line is built from the raw path and query the mapper saw, byte
 * for byte: nothing here decodes or normalises them, so the upstream reads what was checked. The body was read whole
 * before mapping and is sent with a Content-Length, whatever framing the agent used, so the upstream sees one framing
 * only.
 */
final class ProxyForwarder {
    private static final Logger LOG = Logger.getLogger(ProxyForwarder.class.getName());

    /**
     * @param connectTimeoutMillis how long to wait for a connection to the upstream (then 502)
     * @param idleTimeoutMillis    how long the upstream may stay silent, before or during its answer (then 504, or a
     *                             reset if the answer had started)
     */
    record Options(long connectTimeoutMillis, long idleTimeoutMillis) {
        static final Options DEFAULTS = new Options(5_000, 30_000);
    }

    private final HttpClient client;
    private final Options options;

    ProxyForwarder(Vertx vertx, Options options) {
        this.options = options;
        // No decompression (bytes pass through with their Content-Encoding), no redirects followed (a 3xx goes back to
        // the agent, whose next request is checked again), keep-alive pooling towards each upstream.
        this.client = vertx.createHttpClient(new HttpClientOptions().setDecompressionSupported(false)
                        .setKeepAlive(true).setMaxRedirects(0).setVerifyHost(true)
                        .setMaxHeaderSize(64 * 1024).setMaxInitialLineLength(8192),
                new PoolOptions().setHttp1MaxSize(32));
    }

    /**
     * @param rawPath the path below {@code /proxy/<provider>}, still encoded, exactly as mapped
     * @param rawQuery the query string as received, or null
     */
    void forward(RoutingContext ctx, Provider provider, String rawPath, String rawQuery, Buffer body,
                 ProxyVerdict.Credential credential) {
        try {
            send(ctx, provider, rawPath, rawQuery, body, credential);
        } catch (RuntimeException e) {
            ctx.fail(e); // ours, not the agent's: a 500 with an incident id, the detail in the log only
        }
    }

    private void send(RoutingContext ctx, Provider provider, String rawPath, String rawQuery, Buffer body,
                      ProxyVerdict.Credential credential) {
        URI up = provider.upstream();
        boolean tls = "https".equalsIgnoreCase(up.getScheme());
        String host = up.getHost();
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port = up.getPort() >= 0 ? up.getPort() : tls ? 443 : 80;
        String path = (up.getRawPath() == null ? "" : up.getRawPath()) + rawPath;
        if (path.isEmpty()) path = "/";
        String target = rawQuery == null || rawQuery.isEmpty() ? path : path + "?" + rawQuery;

        MultiMap agentHeaders = ctx.request().headers();
        MultiMap headers = ProxyHeaders.towardsUpstream(agentHeaders, credential.header());
        headers.set(credential.header(), credential.value());
        String method = ctx.request().method().name();
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.valueOf(method)).setHost(host).setPort(port)
                .setSsl(tls).setURI(target).setHeaders(headers).setFollowRedirects(false)
                .setConnectTimeout(options.connectTimeoutMillis()).setIdleTimeout(options.idleTimeoutMillis());
        boolean framed = body.length() > 0 || agentHeaders.contains("Content-Length")
                || agentHeaders.contains("Transfer-Encoding");
        client.request(request)
                .compose(r -> framed ? r.send(body) : r.send())
                .onSuccess(response -> relay(ctx, method, response))
                .onFailure(e -> failed(ctx, provider, e));
    }

    private void relay(RoutingContext ctx, String method, HttpClientResponse upstream) {
        HttpServerResponse out = ctx.response();
        if (out.ended() || out.closed()) {
            upstream.request().reset();
            return;
        }
        int status = upstream.statusCode();
        out.setStatusCode(status);
        ProxyHeaders.towardsAgent(upstream.headers(), out.headers());
        boolean bodiless = method.equals("HEAD") || status == 204 || status == 304 || status < 200;
        boolean length = upstream.headers().contains("Content-Length");
        if (!bodiless && !length && ctx.request().version() == HttpVersion.HTTP_1_0) {
            // HTTP/1.0 has no chunked encoding: the answer is collected to learn its length.
            upstream.body().onSuccess(b -> out.end(b)).onFailure(e -> abort(ctx, e));
            return;
        }
        if (!bodiless && !length) out.setChunked(true);
        // On a failure half-way, the agent must see a broken answer, not a short one that looks complete.
        upstream.pipe().endOnFailure(false).to(out).onFailure(e -> abort(ctx, e));
    }

    private static void abort(RoutingContext ctx, Throwable e) {
        LOG.log(Level.FINE, "proxied answer cut off: " + e.getClass().getSimpleName());
        if (!ctx.response().ended()) ctx.response().reset();
    }

    private static void failed(RoutingContext ctx, Provider provider, Throwable e) {
        boolean timeout = e instanceof TimeoutException;
        // The class and message name the upstream's address at most; never a header, so never the credential.
        RequestLogRecord.log(LOG, Level.WARNING, "upstream of provider " + provider.name() + " failed: "
                + e.getClass().getSimpleName() + ": " + LogSafe.path(e.getMessage()), null, ctx.request().method().name(),
                ctx.request().path(), ctx.response().headWritten() ? null : timeout ? 504 : 502, null, provider.name());
        if (ctx.response().headWritten()) {
            abort(ctx, e);
            return;
        }
        if (timeout) {
            Responses.problem(ctx, 504, "Gateway Timeout", "the upstream of provider " + provider.name()
                    + " did not answer in time", Map.of("code", "upstream_timeout", "provider", provider.name()));
        } else {
            Responses.problem(ctx, 502, "Bad Gateway", "the upstream of provider " + provider.name()
                    + " could not be reached or broke the connection", Map.of("code", "upstream_unreachable",
                    "provider", provider.name()));
        }
    }

    Future<Void> close() {
        return client.close();
    }
}
