package dev.airlock.http;

import dev.airlock.app.Airlock;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.util.Map;
import java.util.Set;

/** The HTTP surface, in one table. Handlers are thin: parse, call the core, render. */
public final class Routes {
    private Routes() {}

    public static Router router(Vertx vertx, Airlock airlock) {
        Router router = Router.router(vertx);
        ClientAuthStep auth = new ClientAuthStep(airlock.authenticator);
        DiscoveryHandlers discovery = new DiscoveryHandlers(airlock.keys, airlock.policy, airlock.config.issuer());
        BodyReader form = new BodyReader(BodyLimits.FORM);
        BodyReader json = new BodyReader(BodyLimits.JSON);

        router.post("/oauth2/token").handler(form).handler(new TokenHandler(auth, airlock.clientCredentials));
        router.post("/oauth2/introspect").handler(form).handler(new IntrospectionHandler(auth, airlock.introspection));
        router.post("/oauth2/revoke").handler(form).handler(new RevocationHandler(auth, airlock.admin, airlock.verifier));
        router.post("/v1/check").handler(json).handler(new CheckHandler(airlock.check));
        router.get("/.well-known/jwks.json").handler(discovery::jwks);
        router.get("/.well-known/oauth-authorization-server").handler(discovery::metadata);
        router.get("/healthz").handler(DiscoveryHandlers::healthz);
        router.get("/readyz").handler(ctx -> Responses.json(ctx, 200, Map.of("status", "ready")));

        // Anything else, and any method a route does not take, is answered in problem form, never HTML.
        router.route().failureHandler(Responses::failure);
        for (int status : new int[] {400, 404, 405, 413, 415, 500}) {
            router.errorHandler(status, ctx -> Responses.failure(ctx, status));
        }
        router.route().handler(ctx -> {
            boolean known = KNOWN_PATHS.contains(ctx.request().path());
            ctx.fail(known ? 405 : 404);
        });
        return router;
    }

    private static final Set<String> KNOWN_PATHS = Set.of("/oauth2/token", "/oauth2/introspect",
            "/oauth2/revoke", "/v1/check", "/.well-known/jwks.json", "/.well-known/oauth-authorization-server",
            "/healthz", "/readyz");
}
