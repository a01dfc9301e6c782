package dev.airlock.harness;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A provider API for the harnesses: the JDK's HTTP server on loopback, answering every request 200 with a small JSON
 * body and counting what it received. It keeps nothing (50,000 hostile requests must not fill the harness's heap);
 * the proxy tests' {@code UpstreamRecorder} is the one that records.
 */
public final class CountingUpstream implements AutoCloseable {
    private static final byte[] ANSWER = "{\"data\":{\"ok\":true}}".getBytes(StandardCharsets.UTF_8);
    private final HttpServer server;
    private final ExecutorService pool = Executors.newFixedThreadPool(8);
    public final AtomicLong received = new AtomicLong();

    private CountingUpstream(HttpServer server) {
        this.server = server;
    }

    public static CountingUpstream start() throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
        CountingUpstream u = new CountingUpstream(s);
        s.createContext("/", ex -> {
            try (ex; InputStream in = ex.getRequestBody()) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
                u.received.incrementAndGet();
                ex.getResponseHeaders().add("Content-Type", "application/json");
                if (ex.getRequestMethod().equals("HEAD")) {
                    ex.sendResponseHeaders(200, -1);
                    return;
                }
                ex.sendResponseHeaders(200, ANSWER.length);
                ex.getResponseBody().write(ANSWER);
            }
        });
        s.setExecutor(u.pool);
        s.start();
        return u;
    }

    public String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
