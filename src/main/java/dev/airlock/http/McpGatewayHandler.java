package dev.airlock.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.core.check.Decision;
import dev.airlock.core.mcp.JsonRpc;
import dev.airlock.core.mcp.ToolHints;
import dev.airlock.core.proxy.CredentialSource;
import dev.airlock.core.proxy.McpMapper;
import dev.airlock.core.proxy.McpRule;
import dev.airlock.core.proxy.Provider;
import dev.airlock.core.proxy.Providers;
import dev.airlock.core.proxy.ProxyGate;
import dev.airlock.core.proxy.ProxyVerdict;
import dev.airlock.core.token.AccessToken;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code /mcp/<server>}: the enforcing MCP gateway in front of a {@code kind: mcp} provider (DESIGN "Agents in their
 * protocols"). It terminates MCP: it answers the lifecycle itself ({@code initialize}, {@code ping}), lists only the
 * tools the caller's token could call, and decides every {@code tools/call} through {@link ProxyGate} exactly as the
 * proxy decides a request. An allowed call is written again by Airlock from what was decided (tool name, arguments)
 * and sent by {@link McpUpstream} with Airlock's own id and the provider's credential; the upstream never sees the
 * agent's token, headers or any member of its message that was not decided on. What each method gets, and why, is in
 * docs/providers.md ("kind: mcp") and docs/decisions.md.
 */
final class McpGatewayHandler implements Handler<RoutingContext> {
    static final String PREFIX = "/mcp/";
    /** Revisions the gateway answers {@code initialize} in, newest first (it offers the newest when asked another). */
    static final List<String> VERSIONS = List.of("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05");
    private static final Logger LOG = Logger.getLogger(McpGatewayHandler.class.getName());

    private final Providers providers;
    private final ProxyGate gate;
    private final McpUpstream upstream;
    private final McpToolCatalog catalog;
    private final String issuer;

    McpGatewayHandler(Providers providers, ProxyGate gate, McpUpstream upstream, McpToolCatalog catalog, String issuer) {
        this.providers = providers;
        this.gate = gate;
        this.upstream = upstream;
        this.catalog = catalog;
        this.issuer = issuer;
    }

    /** The gateway's URL for {@code provider}: the RFC 8707 resource its tokens are bound to. */
    static String url(String issuer, String provider) {
        return issuer + PREFIX + provider;
    }

    /** Its RFC 9728 metadata URL (§3.1: the well-known suffix inserted before the resource's path). */
    static String metadataUrl(String issuer, String provider) {
        return issuer + "/.well-known/oauth-protected-resource" + PREFIX + provider;
    }

    @Override
    public void handle(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        String name = req.path().substring(PREFIX.length());
        Provider provider = Provider.NAME.matcher(name).matches() ? providers.get(name).orElse(null) : null;
        if (provider == null || provider.kind() != Provider.Kind.MCP) {
            ctx.next(); // not a gateway: 404 from the router
            return;
        }
        String gateway = url(issuer, provider.name());
        ProxyGate.Call call = new ProxyGate.Call(provider.name(), req.method().name(), PREFIX + provider.name(),
                Http.address(ctx));
        if (req.method() != HttpMethod.POST) {
            // No server-initiated messages are relayed (no GET stream) and the gateway keeps no client session to
            // DELETE: Streamable HTTP lets a server answer both with 405.
            ctx.response().putHeader("Allow", "POST");
            McpReplies.send(ctx, 405, JsonRpc.error(null, JsonRpc.INVALID_REQUEST, "the MCP gateway takes POST only:"
                    + " it opens no server-to-client stream and keeps no session", null));
            return;
        }
        List<String> authorization = req.headers().getAll("Authorization");
        String token = authorization.size() == 1 ? Callers.bearer(authorization.get(0)) : null;
        if (token == null || token.isEmpty()) {
            // MCP authorization, "Authorization Server Location": the 401 names the metadata (RFC 9728 §5.1).
            ctx.response().putHeader("WWW-Authenticate", "Bearer resource_metadata=\""
                    + metadataUrl(issuer, provider.name()) + "\"");
            Http.onContext(ctx, gate.refusedEarly(call, "token_missing", "no Bearer token"))
                    .onSuccess(x -> McpReplies.send(ctx, 401, JsonRpc.error(null, JsonRpc.FORBIDDEN, "send an Airlock"
                            + " access token for " + gateway + " as Authorization: Bearer <token>; get one at "
                            + issuer + "/oauth2/token with resource=" + gateway, null)))
                    .onFailure(ctx::fail);
            return;
        }
        McpBodies.read(ctx, ProxyHandler.MAX_BODY, body -> admit(ctx, provider, gateway, token, call, body));
    }

    private void admit(RoutingContext ctx, Provider provider, String gateway, String token, ProxyGate.Call call,
                       Buffer body) {
        Decision who = gate.authenticate(token, gateway);
        if (!who.allowed() && ProxyGate.unauthenticated(who.code())) {
            unauthenticated(ctx, provider, call, who.code(), who.reason());
            return;
        }
        // A token that is ours but not usable now (frozen environment, spent grant) still speaks MCP: its tools/call is
        // refused by the gate with a reason the model reads, rather than by a 401 an MCP client would take as "log in".
        String type = ctx.request().getHeader("Content-Type");
        if (type == null || !type.split(";", 2)[0].trim().equalsIgnoreCase("application/json")) {
            McpReplies.send(ctx, 415, JsonRpc.error(null, JsonRpc.INVALID_REQUEST, "send one JSON-RPC message as"
                    + " Content-Type: application/json", null));
            return;
        }
        JsonRpc.Message message = JsonRpc.parse(body.getBytes());
        if (message instanceof JsonRpc.Invalid invalid) {
            McpReplies.send(ctx, 400, JsonRpc.error(invalid));
        } else if (message instanceof JsonRpc.Request r) {
            String disagreement = McpRouting.disagreement(ctx.request().headers(), r);
            if (disagreement != null) {
                McpReplies.send(ctx, 400, JsonRpc.error(r.id(), JsonRpc.INVALID_REQUEST, disagreement, null));
                return;
            }
            request(ctx, provider, gateway, token, who, call, r);
        } else {
            // Notifications and responses: nothing the client notifies or answers is relayed, since the upstream
            // session is the gateway's own and the gateway sends the client no requests (Streamable HTTP: 202).
            McpReplies.accepted(ctx);
        }
    }

    private void request(RoutingContext ctx, Provider provider, String gateway, String token, Decision who,
                         ProxyGate.Call call, JsonRpc.Request r) {
        switch (r.method()) {
            case "initialize" -> McpReplies.ok(ctx, r.id(), McpLifecycle.initialize(r.params(), provider.name()));
            case "ping" -> McpReplies.ok(ctx, r.id(), JsonNodeFactory.instance.objectNode());
            case "tools/list" -> list(ctx, provider, who, r);
            case "tools/call" -> call(ctx, provider, gateway, token, call, r);
            default -> McpReplies.ok(ctx, JsonRpc.error(r.id(), JsonRpc.METHOD_NOT_FOUND, McpLifecycle.notServed(r.method()),
                    null));
        }
    }

    private void list(RoutingContext ctx, Provider provider, Decision decision, JsonRpc.Request r) {
        if (!decision.allowed()) {
            McpReplies.ok(ctx, JsonRpc.error(r.id(), JsonRpc.FORBIDDEN, "Airlock lists no tools for this token: "
                    + decision.reason() + ". Ask the person you work for; do not look for another credential.", null));
            return;
        }
        AccessToken who = decision.token();
        McpMapper mapper = (McpMapper) provider.mapper();
        tools(provider).onSuccess(upstreamTools -> {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            for (McpRule rule : mapper.rules()) {
                // Only what this token could call: its scopes (a grant token's are its grant's).
                if (!who.hasScope(rule.scope())) continue;
                ObjectNode announced = upstreamTools.get(rule.tool());
                if (announced == null) continue; // the upstream does not offer it now
                boolean destructive = mapper.destructive(rule, ToolHints.announcedDestructive(announced));
                out.add(McpLifecycle.listed(announced, rule, destructive, issuer, who.environment()));
            }
            ObjectNode result = JsonNodeFactory.instance.objectNode();
            result.set("tools", out);
            McpReplies.ok(ctx, r.id(), result);
        }).onFailure(e -> unavailable(ctx, provider, r.id(), e));
    }

    private void call(RoutingContext ctx, Provider provider, String gateway, String token, ProxyGate.Call call,
                      JsonRpc.Request r) {
        JsonNode name = r.params().get("name");
        JsonNode arguments = r.params().get("arguments");
        if (name == null || !name.isTextual() || (arguments != null && !arguments.isObject())) {
            McpReplies.ok(ctx, JsonRpc.error(r.id(), JsonRpc.INVALID_PARAMS, "tools/call needs params.name (a string)"
                    + " and, optionally, params.arguments (an object)", null));
            return;
        }
        String tool = name.textValue();
        // What is refused whatever the upstream announces is refused now, without asking the upstream anything.
        CompletableFuture<ProxyVerdict> refused;
        try {
            refused = gate.refusedWhateverTheUpstreamSays(token, provider, gateway, tool, arguments, call.address());
        } catch (RuntimeException e) {
            ctx.fail(e);
            return;
        }
        if (refused != null) {
            Http.onContext(ctx, refused).onSuccess(v -> decided(ctx, provider, r, tool, arguments, v))
                    .onFailure(ctx::fail);
            return;
        }
        // Then the upstream's annotations: a tool it calls destructive is decided as destructive (fail closed).
        tools(provider).onSuccess(announced -> {
            boolean hint = ToolHints.announcedDestructive(announced.get(tool));
            Http.onContext(ctx, gate.admitTool(token, provider, gateway, tool, arguments, hint, call.address()))
                    .onSuccess(v -> decided(ctx, provider, r, tool, arguments, v))
                    .onFailure(ctx::fail);
        }).onFailure(e -> unavailable(ctx, provider, r.id(), e));
    }

    private void decided(RoutingContext ctx, Provider provider, JsonRpc.Request r, String tool, JsonNode arguments,
                         ProxyVerdict v) {
        switch (v.kind()) {
            case FORWARD -> {
                ObjectNode params = JsonNodeFactory.instance.objectNode();
                params.put("name", tool);
                params.set("arguments", arguments == null ? JsonNodeFactory.instance.objectNode() : arguments.deepCopy());
                upstream.call(provider, v.credential(), "tools/call", params)
                        .onSuccess(answer -> McpReplies.ok(ctx, McpLifecycle.relayed(r.id(), answer)))
                        .onFailure(e -> {
                            log(provider, e);
                            McpReplies.send(ctx, 502, JsonRpc.error(r.id(), JsonRpc.UNAVAILABLE, "the MCP server"
                                    + " behind provider " + provider.name() + " did not answer: " + e.getMessage(), null));
                        });
            }
            case UNAUTHENTICATED -> unauthenticatedAudited(ctx, provider, v.reason());
            // HTTP 200: the refusal is the tool call's answer, which MCP clients hand to the model; a 403 would be
            // read as an authorization failure of the connection (MCP authorization, insufficient_scope step-up).
            case FORBIDDEN -> McpReplies.ok(ctx, JsonRpc.error(r.id(), JsonRpc.FORBIDDEN,
                    McpLifecycle.teach(v, issuer), McpLifecycle.refusalData(provider, v)));
            case CREDENTIAL_UNAVAILABLE -> {
                ctx.response().putHeader("Retry-After", "30");
                McpReplies.send(ctx, 503, JsonRpc.error(r.id(), JsonRpc.UNAVAILABLE, v.reason(), null));
            }
        }
    }

    private Future<Map<String, ObjectNode>> tools(Provider provider) {
        ProxyVerdict.Credential credential;
        try {
            credential = gate.credential(provider);
        } catch (CredentialSource.Unavailable e) {
            return Future.failedFuture(new McpUpstream.Failed(e.getMessage()));
        }
        return catalog.tools(provider, credential);
    }

    private void unavailable(RoutingContext ctx, Provider provider, JsonNode id, Throwable e) {
        log(provider, e);
        String why = e instanceof McpUpstream.Failed ? e.getMessage() : "internal error";
        ctx.response().putHeader("Retry-After", "30");
        McpReplies.send(ctx, 503, JsonRpc.error(id, JsonRpc.UNAVAILABLE, "Airlock cannot read the tools of the MCP"
                + " server behind provider " + provider.name() + " (" + why + "), so it cannot tell how risky a call"
                + " is and refuses it; try again later", null));
    }

    private void unauthenticated(RoutingContext ctx, Provider provider, ProxyGate.Call call, String code, String reason) {
        Http.onContext(ctx, gate.refusedEarly(call, code, reason))
                .onSuccess(x -> unauthenticatedAudited(ctx, provider, reason)).onFailure(ctx::fail);
    }

    /** RFC 6750 §3.1 invalid_token, with where to learn how to get a good one (RFC 9728 §5.1). */
    private void unauthenticatedAudited(RoutingContext ctx, Provider provider, String reason) {
        ctx.response().putHeader("WWW-Authenticate", "Bearer error=\"invalid_token\", resource_metadata=\""
                + metadataUrl(issuer, provider.name()) + "\"");
        McpReplies.send(ctx, 401, JsonRpc.error(null, JsonRpc.FORBIDDEN, reason, null));
    }

    private static void log(Provider provider, Throwable e) {
        LOG.log(Level.WARNING, "MCP upstream of provider " + provider.name() + " failed: "
                + e.getClass().getSimpleName() + ": " + LogSafe.path(String.valueOf(e.getMessage())));
    }
}
