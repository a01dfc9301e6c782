package dev.airlock.http;

import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Defence in depth against cross-site requests on cookie-authenticated endpoints, on top of the SameSite=Strict
 * cookie and the JSON-only bodies (a cross-site form cannot send {@code application/json} without a CORS preflight,
 * which we never grant): a state-changing request that names an Origin must come from Airlock's own origin. That is
 * either the host the request was sent to (a browser talking to Airlock directly), or the origin of the issuer URL
 * (`serve --issuer`, the URL people and clients use): behind a TLS-terminating proxy the browser's Origin is
 * {@code https://airlock.example.com} while the request reaches Airlock as plain HTTP, so the first test alone would
 * refuse every sign-in and approval. Browsers always send Origin on POST and DELETE; the CLI sends none and uses a
 * bearer.
 */
final class OriginCheck {
    private final Origin issuer;

    /** @param issuer the issuer URL; its scheme, host and port are Airlock's public origin */
    OriginCheck(String issuer) {
        this.issuer = Origin.parse(issuer);
        if (this.issuer == null) throw new IllegalArgumentException("issuer is not an absolute http(s) URL: " + issuer);
    }

    /** Whether Airlock's public origin is https, so cookies must be {@code Secure} even on a plain-HTTP hop. */
    boolean publicOriginIsHttps() {
        return issuer.scheme.equals("https");
    }

    void require(RoutingContext ctx) {
        String header = ctx.request().getHeader("Origin");
        if (header == null) return;
        Origin origin = Origin.parse(header);
        if (origin == null || !(origin.equals(issuer) || sameAsTarget(origin, ctx))) {
            throw new BadRequest(403, "cross_origin", "cross-origin request refused");
        }
    }

    private static boolean sameAsTarget(Origin origin, RoutingContext ctx) {
        HostAndPort target = ctx.request().authority(); // Host (HTTP/1.1) or :authority (HTTP/2)
        if (target == null) return false;
        int targetPort = target.port() < 0 ? (ctx.request().isSSL() ? 443 : 80) : target.port();
        return origin.host.equals(target.host().toLowerCase(Locale.ROOT)) && origin.port == targetPort;
    }

    /** An RFC 6454 origin: scheme, host (lower case) and port (the scheme's default when absent). */
    private record Origin(String scheme, String host, int port) {
        static Origin parse(String s) {
            try {
                URI u = new URI(s);
                String scheme = u.getScheme() == null ? null : u.getScheme().toLowerCase(Locale.ROOT);
                if (u.getHost() == null || !("http".equals(scheme) || "https".equals(scheme))) return null;
                int port = u.getPort() < 0 ? ("https".equals(scheme) ? 443 : 80) : u.getPort();
                return new Origin(scheme, u.getHost().toLowerCase(Locale.ROOT), port);
            } catch (URISyntaxException e) {
                return null;
            }
        }
    }
}
