package dev.airlock.app;

import dev.airlock.core.identity.IssuerKeys;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

/**
 * Fetches identity providers' key sets for {@link IssuerKeys}: the JDK's asynchronous client, whose work runs on its
 * own threads, never on a Vert.x event loop; no redirects (a key URL that sends us elsewhere is not the configured
 * one); a connect and a whole-call timeout; a body cut off at {@link IssuerKeys#MAX_BYTES}.
 */
final class JwksFetcher implements IssuerKeys.Fetcher {
    private final HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(IssuerKeys.FETCH_TIMEOUT).build();

    @Override
    public CompletableFuture<String> fetch(URI uri) {
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(IssuerKeys.FETCH_TIMEOUT)
                .header("Accept", "application/jwk-set+json, application/json").GET().build();
        return client.sendAsync(req, info -> info.statusCode() == 200 ? new Limited(IssuerKeys.MAX_BYTES)
                        : HttpResponse.BodySubscribers.replacing(null))
                .thenApply(r -> {
                    if (r.statusCode() != 200) throw new IllegalStateException("HTTP " + r.statusCode());
                    return r.body();
                })
                // The request timeout ends at the headers; this bounds a body that trickles.
                .orTimeout(2 * IssuerKeys.FETCH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Collects at most {@code max} bytes, and fails (cancelling the download) beyond. */
    private static final class Limited implements HttpResponse.BodySubscriber<String> {
        private final int max;
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        private final CompletableFuture<String> result = new CompletableFuture<>();
        private Flow.Subscription subscription;

        Limited(int max) {
            this.max = max;
        }

        @Override
        public CompletionStage<String> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) return;
            for (ByteBuffer b : items) {
                if (buf.size() + b.remaining() > max) {
                    subscription.cancel();
                    result.completeExceptionally(new IOException("key set larger than " + max + " bytes"));
                    return;
                }
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                buf.writeBytes(bytes);
            }
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(buf.toString(StandardCharsets.UTF_8));
        }
    }
}
