package dev.airlock.testing;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A real HTTP server on loopback standing in for a provider's API (the JDK's own server, so nothing of Airlock's stack
 * is on this side). It records every request exactly as it arrived: method, raw path and query as on the request
 * line, every header, the body bytes. Tests assert on what it received, and that it received nothing.
 */
public final class UpstreamRecorder implements AutoCloseable {
    /** One request as the upstream saw it. Header names are lower case. */
    public record Received(String method, String rawPath, String rawQuery, Map<String, List<String>> headers,
                           byte[] body) {
        public List<String> header(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** The request line's target: raw path, then {@code ?} and the raw query if there was one. */
        public String target() {
            return rawQuery == null ? rawPath : rawPath + "?" + rawQuery;
        }
    }

    /** What the upstream answers. {@code chunked}: no Content-Length, so the answer is streamed in chunks. */
    public record Answer(int status, Map<String, String> headers, byte[] body, boolean chunked) {
        public static Answer json(int status, String json) {
            return new Answer(status, Map.of("Content-Type", "application/json"), json.getBytes(StandardCharsets.UTF_8),
                    false);
        }
    }

    private final HttpServer server;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile Answer answer = Answer.json(200, "{\"data\":{\"ok\":true}}");
    private volatile boolean hang;
    private volatile long trickleMillis;

    private UpstreamRecorder(HttpServer server) {
        this.server = server;
    }

    public static UpstreamRecorder start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        UpstreamRecorder r = new UpstreamRecorder(server);
        server.createContext("/", r::handle);
        server.setExecutor(r.pool);
        server.start();
        return r;
    }

    public String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    public Received only() {
        List<Received> all = received();
        if (all.size() != 1) throw new AssertionError("expected exactly one upstream request, got " + all.size());
        return all.get(0);
    }

    public void clear() {
        received.clear();
    }

    public void answer(Answer a) {
        this.answer = a;
    }

    /**
     * From now on, wait this long before each chunk of a chunked answer (4 KiB each): an upstream that is never silent
     * for long, yet never finishes in time.
     */
    public void trickle(long millisBetweenChunks) {
        this.trickleMillis = millisBetweenChunks;
    }

    /** From now on, record each request and then never answer it (until {@link #close}). */
    public void hang() {
        this.hang = true;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = ex.getRequestBody().readAllBytes();
            Map<String, List<String>> headers = new LinkedHashMap<>();
            Headers h = ex.getRequestHeaders();
            for (Map.Entry<String, List<String>> e : h.entrySet()) {
                headers.computeIfAbsent(e.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).addAll(e.getValue());
            }
            received.add(new Received(ex.getRequestMethod(), ex.getRequestURI().getRawPath(),
                    ex.getRequestURI().getRawQuery(), headers, body));
            if (hang) {
                try {
                    released.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
            Answer a = answer;
            a.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
            boolean noBody = ex.getRequestMethod().equals("HEAD") || a.status() == 204 || a.status() == 304;
            if (noBody) {
                ex.sendResponseHeaders(a.status(), -1);
                return;
            }
            ex.sendResponseHeaders(a.status(), a.chunked() ? 0 : a.body().length);
            try (OutputStream out = ex.getResponseBody()) {
                int step = a.chunked() ? 4096 : Math.max(1, a.body().length);
                for (int i = 0; i < a.body().length; i += step) {
                    if (a.chunked() && trickleMillis > 0) {
                        try {
                            Thread.sleep(trickleMillis);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                    out.write(a.body(), i, Math.min(step, a.body().length - i));
                    out.flush();
                }
            }
        }
    }

    @Override
    public void close() {
        released.countDown();
        server.stop(0);
        pool.shutdownNow();
    }
}
