package dev.airlock.http;

import dev.airlock.core.grant.PreconditionProbe;
import dev.airlock.core.proxy.CredentialSource;
import dev.airlock.core.proxy.PreconditionRequests;
import dev.airlock.core.proxy.Provider;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@link PreconditionProbe} over Vert.x's HTTP client, built like {@link ProxyForwarder}'s upstream connections (no
 * redirects followed, host names verified) but for Airlock's own requests: the request carries exactly two headers,
 * {@code Accept} and the provider's credential as its {@code inject} says. No agent is on the path, so no agent header,
 * token or body can reach the provider through here.
 *
 * <p>Limits, enforced here: {@link PreconditionProbe#TIMEOUT} from the first connection attempt to the last byte (then
 * the request is reset), at most {@link PreconditionProbe#MAX_BODY_BYTES} of body (reading stops and the request is
 * reset at the first byte past it, whatever Content-Length said). Failure reasons name the provider and what went wrong, never the credential,
 * the upstream's answer or its address.
 */
final class HttpPreconditionProbe implements PreconditionProbe {
    private final Vertx vertx;
    private final HttpClient client;
    private final Map<String, String> environment;

    /** @param environment where {@code credential: {env: ...}} is read ({@code System.getenv()} in production) */
    HttpPreconditionProbe(Vertx vertx, Map<String, String> environment) {
        this.vertx = vertx;
        this.environment = Map.copyOf(environment);
        this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setMaxRedirects(0)
                        .setVerifyHost(true).setDecompressionSupported(false).setMaxHeaderSize(64 * 1024),
                new PoolOptions().setHttp1MaxSize(4));
    }

    @Override
    public CompletableFuture<Answer> get(Provider provider, PreconditionRequests.Target target) {
        CompletableFuture<Answer> out = new CompletableFuture<>();
        String credential;
        try {
            credential = provider.injection().render(provider.credential().resolve(environment));
        } catch (CredentialSource.Unavailable e) {
            out.completeExceptionally(new Failed("the credential of provider " + provider.name() + " is unavailable: "
                    + e.getMessage()));
            return out;
        }
        URI up = provider.upstream();
        boolean tls = "https".equalsIgnoreCase(up.getScheme());
        String host = up.getHost();
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port = up.getPort() >= 0 ? up.getPort() : tls ? 443 : 80;
        String base = up.getRawPath() == null ? "" : up.getRawPath();
        MultiMap headers = MultiMap.caseInsensitiveMultiMap()
                .set(HttpHeaders.ACCEPT, "application/json")
                .set(provider.injection().header(), credential);
        long millis = TIMEOUT.toMillis();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost(host).setPort(port).setSsl(tls)
                .setURI(base + target.uri()).setHeaders(headers).setFollowRedirects(false)
                .setConnectTimeout(millis).setIdleTimeout(millis);
        AtomicBoolean done = new AtomicBoolean();
        long timer = vertx.setTimer(millis, t -> fail(out, done, provider, "did not answer within "
                + TIMEOUT.toSeconds() + " s"));
        out.whenComplete((a, e) -> vertx.cancelTimer(timer));
        client.request(options)
                .compose(request -> {
                    // The deadline resets the request too, so that a provider that trickles bytes frees its connection.
                    out.whenComplete((a, e) -> {
                        if (e != null) request.reset();
                    });
                    return request.send();
                })
                .onSuccess(response -> read(response, out, done, provider))
                .onFailure(e -> fail(out, done, provider, e instanceof TimeoutException
                        ? "did not answer within " + TIMEOUT.toSeconds() + " s"
                        : "could not be reached (" + e.getClass().getSimpleName() + ")"));
        return out;
    }

    private static void read(HttpClientResponse response, CompletableFuture<Answer> out, AtomicBoolean done,
                             Provider provider) {
        Buffer body = Buffer.buffer();
        response.handler(chunk -> {
            if (done.get()) return;
            if (body.length() + chunk.length() > MAX_BODY_BYTES) {
                fail(out, done, provider, "answered more than " + MAX_BODY_BYTES + " bytes");
                return;
            }
            body.appendBuffer(chunk);
        });
        response.exceptionHandler(e -> fail(out, done, provider, "broke off its answer (" + e.getClass().getSimpleName() + ")"));
        response.endHandler(v -> {
            if (done.compareAndSet(false, true)) {
                out.complete(new Answer(response.statusCode(), response.getHeader(HttpHeaders.CONTENT_TYPE), body.getBytes()));
            }
        });
    }

    private static void fail(CompletableFuture<Answer> out, AtomicBoolean done, Provider provider, String what) {
        if (done.compareAndSet(false, true)) out.completeExceptionally(new Failed("provider " + provider.name() + " " + what));
    }

    Future<Void> close() {
        return client.close();
    }
}
