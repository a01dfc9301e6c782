package dev.airlock.http;

import dev.airlock.core.check.CheckService;
import dev.airlock.core.check.Decision;
import dev.airlock.core.token.AccessToken;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code POST /v1/check {token, environment, action, resource?}}: a refusal is still a 200 answer ({@code allowed:
 * false} with a reason); 4xx is kept for requests that are not well-formed.
 */
final class CheckHandler implements Handler<RoutingContext> {
    private static final Set<String> FIELDS = Set.of("token", "environment", "action", "resource");
    private final CheckService check;

    CheckHandler(CheckService check) {
        this.check = check;
    }

    @Override
    public void handle(RoutingContext ctx) {
        JsonBody body = JsonBody.parse(Http.contentType(ctx), BodyReader.body(ctx), FIELDS);
        var req = new CheckService.Request(body.requireString("token", BodyLimits.TOKEN),
                body.requireString("environment", BodyLimits.ENVIRONMENT), body.requireString("action", BodyLimits.ACTION),
                body.string("resource", BodyLimits.RESOURCE), Http.address(ctx));
        Http.onContext(ctx, check.check(req)).onSuccess(d -> Responses.json(ctx, 200, render(req, d))).onFailure(ctx::fail);
    }

    static Map<String, Object> render(CheckService.Request req, Decision d) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("allowed", d.allowed());
        out.put("code", d.code());
        out.put("reason", d.reason());
        out.put("environment", req.environment());
        out.put("action", req.action());
        if (req.resource() != null) out.put("resource", req.resource());
        AccessToken t = d.token();
        if (t != null) {
            Map<String, Object> tok = new LinkedHashMap<>();
            tok.put("jti", t.jti());
            tok.put("client_id", t.clientId());
            tok.put("env", t.environment());
            tok.put("scope", String.join(" ", new TreeSet<>(t.scopes())));
            tok.put("exp", t.expiresAt().getEpochSecond());
            out.put("token", tok);
        }
        if (d.guidance() != null) out.put("grant_request", d.guidance());
        return out;
    }
}
