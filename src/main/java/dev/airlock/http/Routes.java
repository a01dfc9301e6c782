package dev.airlock.http;

import dev.airlock.app.Airlock;
import dev.airlock.app.Domain;
import dev.airlock.core.mcp.AirlockMcp;
import dev.airlock.core.mcp.AirlockTools;
import dev.airlock.core.proxy.ProxyGate;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.util.Set;

/** The HTTP surface, in one table. Handlers are thin: parse, call the core, render. */
public final class Routes {
    private Routes() {}

    public static Router router(Vertx vertx, Airlock airlock) {
        return router(vertx, airlock, ProxyForwarder.Options.DEFAULTS, () -> true);
    }

    /** @param serving false once the server's own probe finds it no longer accepts connections ({@link ServingWatch}) */
    static Router router(Vertx vertx, Airlock airlock, java.util.function.BooleanSupplier serving) {
        return router(vertx, airlock, ProxyForwarder.Options.DEFAULTS, serving);
    }

    /** With the proxy's upstream timeouts given, so tests can reach the timeout path quickly. */
    static Router router(Vertx vertx, Airlock airlock, ProxyForwarder.Options upstream) {
        return router(vertx, airlock, upstream, () -> true);
    }

    private static Router router(Vertx vertx, Airlock airlock, ProxyForwarder.Options upstream,
                                 java.util.function.BooleanSupplier serving) {
        return router(vertx, airlock, airlock.domain(), new ProxyForwarder(vertx, upstream),
                McpClients.create(vertx, McpClients.Options.DEFAULTS, airlock.config.clock()), serving);
    }

    /** With the MCP gateway's upstream limits given (tests, benchmarks). */
    static Router router(Vertx vertx, Airlock airlock, McpClients.Options mcp) {
        return router(vertx, airlock, airlock.domain(), new ProxyForwarder(vertx, ProxyForwarder.Options.DEFAULTS),
                McpClients.create(vertx, mcp, airlock.config.clock()), () -> true);
    }

    /**
     * The routes of one {@link Domain}: every handler holds that domain's services, so a request routed here sees
     * one policy throughout. {@link AirlockServer} builds a new router when a reload swaps the domain; the forwarder
     * (its connection pools hold no policy) is kept across them.
     */
    static Router router(Vertx vertx, Airlock airlock, Domain d, ProxyForwarder forwarder, McpClients mcp,
                         java.util.function.BooleanSupplier serving) {
        Router router = Router.router(vertx);
        StorageGuard storage = new StorageGuard(airlock.storage, () -> d.policyHash,
                airlock::policyHashAnnouncedElsewhere);
        router.route().handler(storage);
        // First, and on the raw path: see ProxyHandler. Credentials named {env: ...} come from Airlock's environment.
        ProxyGate gate = new ProxyGate(d.check, airlock.refusals, System.getenv());
        router.route().handler(new ProxyHandler(d.providers, gate, forwarder));
        // The MCP gateways, on the raw path too, before any body handler: the gateway reads its own body, bounded.
        McpGatewayHandler gateways = new McpGatewayHandler(d.providers, gate, mcp.upstream(), mcp.catalog(),
                airlock.config.issuer());
        router.routeWithRegex("/mcp/[^/]+").handler(gateways);
        ClientAuthStep auth = new ClientAuthStep(d.authenticator);
        DiscoveryHandlers discovery = new DiscoveryHandlers(airlock.keys, d.policy, d.providers,
                airlock.config.issuer());
        BodyReader form = new BodyReader(BodyLimits.FORM);
        BodyReader json = new BodyReader(BodyLimits.JSON);

        router.post("/oauth2/token").handler(form)
                .handler(new TokenHandler(auth, d.clientCredentials, d.grants.redemption, d.exchange));
        router.post("/oauth2/introspect").handler(form).handler(new IntrospectionHandler(auth, d.introspection));
        router.post("/oauth2/revoke").handler(form).handler(new RevocationHandler(auth, d.admin, d.tokens));
        router.post("/v1/check").handler(json).handler(new CheckHandler(d.check));
        Callers callers = new Callers(d.authenticator, d.tokens, d.policy, airlock.sessions);
        OriginCheck origins = new OriginCheck(airlock.config.issuer());
        GrantHandlers grants = new GrantHandlers(d.grants, callers, airlock.refusals, airlock.config.clock(),
                origins);
        OpsSessionHandlers sessions = new OpsSessionHandlers(airlock.ops, airlock.sessions, callers,
                vertx.createSharedWorkerExecutor(OpsSessionHandlers.PASSPHRASE_POOL, OpsSessionHandlers.PASSPHRASE_THREADS),
                origins);
        OpsPage page = new OpsPage();
        // Airlock's own MCP server (issue 15). Exact path: /mcp/<server> is the gateway's.
        McpHandler own = new McpHandler(new AirlockMcp(new AirlockTools(d.clientCredentials, d.check, d.grants,
                airlock.config.clock(), airlock.config.issuer()), Airlock.VERSION), callers, origins);
        router.post("/mcp").handler(new BodyReader(BodyLimits.MCP)).handler(own).failureHandler(McpHandler::failure);
        router.route("/mcp").handler(McpHandler::notAllowed);
        router.post("/v1/grants").handler(json).handler(grants::request);
        router.get("/v1/grants").handler(grants::list);
        router.get("/v1/grants/:id").handler(grants::view);
        router.post("/v1/grants/:id/cancel").handler(json).handler(grants::cancel);
        router.post("/v1/grants/:id/approve").handler(json).handler(grants::approve);
        router.post("/v1/grants/:id/deny").handler(json).handler(grants::deny);
        AdminHandlers admin = new AdminHandlers(airlock, d, callers, origins);
        router.post("/v1/admin/revoke").handler(json).handler(admin::revoke);
        router.post("/v1/admin/environments/:env/freeze").handler(json).handler(ctx -> admin.freeze(ctx, true));
        router.post("/v1/admin/environments/:env/unfreeze").handler(json).handler(ctx -> admin.freeze(ctx, false));
        router.post("/v1/admin/agents/:id/secret").handler(json).handler(admin::agentSecret);
        for (String change : java.util.List.of("disable", "enable", "revoke-tokens")) {
            router.post("/v1/admin/agents/:id/" + change).handler(json).handler(ctx -> admin.agentChange(ctx, change));
        }
        router.get("/v1/admin/agents").handler(admin::agents);
        router.post("/v1/admin/ops-accounts").handler(json).handler(admin::opsCreate);
        router.post("/v1/admin/policy/reload").handler(json).handler(admin::reloadPolicy);
        for (String change : java.util.List.of("reset", "disable", "reset-totp-step")) {
            router.post("/v1/admin/ops-accounts/:name/" + change).handler(json).handler(ctx -> admin.opsChange(ctx, change));
        }
        PasskeyHandlers passkeys = new PasskeyHandlers(airlock.passkeys, d.grants, callers, origins);
        router.get("/v1/ops/passkeys").handler(passkeys::list);
        router.post("/v1/ops/passkeys/enrol-options").handler(json).handler(passkeys::enrolOptions);
        router.post("/v1/ops/passkeys").handler(json).handler(passkeys::enrol);
        router.delete("/v1/ops/passkeys/:id").handler(passkeys::remove);
        router.post("/v1/ops/passkeys/approval-options").handler(json).handler(passkeys::approvalOptions);
        router.post("/v1/ops/session").handler(json).handler(sessions::signIn);
        router.get("/v1/ops/session").handler(sessions::current);
        router.delete("/v1/ops/session").handler(sessions::signOut);
        // One route for the page's whole subtree: Vert.x matches "/ops" to "/ops/" as well (trailing slash ignored),
        // so a separate redirect route for "/ops" also caught "/ops/" and sent it to itself for ever.
        router.getWithRegex("/ops(/.*)?").handler(page::serve);
        router.get("/.well-known/jwks.json").handler(discovery::jwks);
        router.get("/.well-known/oauth-authorization-server").handler(discovery::metadata);
        router.getWithRegex("/\\.well-known/oauth-protected-resource/mcp/[^/]+").handler(discovery::protectedResource);
        router.get("/healthz").handler(ctx -> DiscoveryHandlers.healthz(ctx, serving.getAsBoolean()));
        router.get("/readyz").handler(storage::readyz);
        if (airlock.metrics.enabled()) router.get("/metrics").handler(new MetricsHandler(airlock.metrics));

        // Anything else, and any method a route does not take, is answered in problem form, never HTML.
        router.route().failureHandler(Responses::failure);
        for (int status : new int[] {400, 404, 405, 413, 415, 500}) {
            router.errorHandler(status, ctx -> Responses.failure(ctx, status));
        }
        router.route().handler(ctx -> {
            String path = ctx.request().path();
            boolean known = KNOWN_PATHS.contains(path) || GRANT_PATHS.matcher(path).matches()
                    || (path.equals("/metrics") && airlock.metrics.enabled());
            ctx.fail(known ? 405 : 404);
        });
        return router;
    }

    private static final Set<String> KNOWN_PATHS = Set.of("/oauth2/token", "/oauth2/introspect",
            "/oauth2/revoke", "/v1/check", "/.well-known/jwks.json", "/.well-known/oauth-authorization-server",
            "/healthz", "/readyz", "/v1/grants", "/v1/ops/session", "/ops", "/v1/ops/passkeys",
            "/v1/ops/passkeys/enrol-options", "/v1/ops/passkeys/approval-options");
    private static final java.util.regex.Pattern GRANT_PATHS =
            java.util.regex.Pattern.compile("/v1/grants/[^/]+(/cancel|/approve|/deny)?");
}
