package dev.airlock.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The ops page: four files loaded from the classpath once at start and served with a strict Content-Security-Policy
 * (no inline script or style, nothing from another origin; the page shows text written by agents, so it must not be
 * able to run any). No static-file handler: nothing else on disk or classpath can be reached through /ops/.
 */
final class OpsPage {
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            + "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    private static final Map<String, String> FILES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "ops.js", "text/javascript; charset=utf-8",
            "passkeys.js", "text/javascript; charset=utf-8",
            "ops.css", "text/css; charset=utf-8");

    private final Map<String, Buffer> content = new LinkedHashMap<>();

    OpsPage() {
        for (String name : FILES.keySet()) {
            try (InputStream in = OpsPage.class.getResourceAsStream("/ops/" + name)) {
                if (in == null) throw new IllegalStateException("ops page file missing from the jar: ops/" + name);
                content.put(name, Buffer.buffer(in.readAllBytes()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * Decides on the raw path, never the router's normalised one: only the exact {@code /ops} is redirected (once, to
     * {@code /ops/}, which is then served as is: the README's URL and every webhook's link), so no address can redirect
     * to itself.
     */
    void serve(RoutingContext ctx) {
        String path = ctx.request().path();
        if (path.equals("/ops")) {
            ctx.response().setStatusCode(308).putHeader("Location", "/ops/").end();
            return;
        }
        if (!path.startsWith("/ops/")) {
            ctx.fail(404);
            return;
        }
        String name = path.equals("/ops/") ? "index.html" : path.substring("/ops/".length());
        Buffer body = content.get(name);
        if (body == null) {
            ctx.fail(404);
            return;
        }
        ctx.response().putHeader("Content-Type", FILES.get(name))
                .putHeader("Content-Security-Policy", CSP)
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Referrer-Policy", "no-referrer")
                .putHeader("X-Frame-Options", "DENY")
                .putHeader("Cache-Control", "no-store")
                .end(body);
    }
}
