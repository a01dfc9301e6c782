package dev.airlock.http;

import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Defence in depth against cross-site requests on cookie-authenticated endpoints, on top of the SameSite=Strict
 * cookie and the JSON-only bodies (a cross-site form cannot send {@code application/json} without a CORS preflight,
 * which we never grant): a state-changing request that names an Origin must be same-origin, that is name the host
 * the request was sent to. Browsers always send Origin on POST and DELETE; the CLI sends none and uses a bearer.
 */
final class OriginCheck {
    private OriginCheck() {}

    static void require(RoutingContext ctx) {
        String origin = ctx.request().getHeader("Origin");
        if (origin == null) return;
        HostAndPort target = ctx.request().authority(); // Host (HTTP/1.1) or :authority (HTTP/2)
        if (target == null || !sameAuthority(origin, target, ctx.request().isSSL())) {
            throw new BadRequest(403, "cross_origin", "cross-origin request refused");
        }
    }

    private static boolean sameAuthority(String origin, HostAndPort target, boolean tls) {
        try {
            URI u = new URI(origin);
            if (u.getHost() == null || u.getScheme() == null) return false;
            int defaultPort = "https".equals(u.getScheme()) ? 443 : 80;
            int originPort = u.getPort() < 0 ? defaultPort : u.getPort();
            int targetPort = target.port() < 0 ? (tls ? 443 : 80) : target.port();
            return u.getHost().toLowerCase(Locale.ROOT).equals(target.host().toLowerCase(Locale.ROOT))
                    && originPort == targetPort;
        } catch (URISyntaxException e) {
            return false;
        }
    }
}
