package dev.airlock.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;

/**
 * The provider behind the proxy in the load run: answers every request with a small fixed JSON body on one event
 * loop, and 401 unless the request carries {@code Authorization: Bearer <token>} with the token given at start (so a
 * proxy that failed to inject the provider's credential shows up as errors, not as speed).
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
}
