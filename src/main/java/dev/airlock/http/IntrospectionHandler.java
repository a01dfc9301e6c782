package dev.airlock.http;

import dev.airlock.core.check.Introspection;
import dev.airlock.core.oauth.OAuthError;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.Set;

/**
 * {@code POST /oauth2/introspect} (RFC 7662). The caller must authenticate as a registered client (§2.1) that the
 * policy names as a resource server ({@code introspect:} in agents.yaml); any other is refused with 403.
 */
final class IntrospectionHandler implements Handler<RoutingContext> {
    private final ClientAuthStep auth;
    private final Introspection introspection;

    IntrospectionHandler(ClientAuthStep auth, Introspection introspection) {
        this.auth = auth;
        this.introspection = introspection;
    }

    @Override
    public void handle(RoutingContext ctx) {
        FormBody form = FormBody.parse(Http.contentType(ctx), BodyReader.body(ctx), Set.of());
        String token = form.require("token");
        auth.authenticate(ctx, form)
                .compose(agent -> agent == null ? Future.<Map<String, Object>>succeededFuture()
                        : Http.onContext(ctx, introspection.introspect(token, agent.id(), Http.address(ctx))))
                .onSuccess(body -> {
                    if (body != null) Responses.json(ctx, 200, body);
                })
                .onFailure(t -> {
                    Throwable c = t instanceof java.util.concurrent.CompletionException && t.getCause() != null
                            ? t.getCause() : t;
                    if (c instanceof Introspection.NotAllowed no) {
                        // Authenticated but not authorized (RFC 7662 §2.3 defers to RFC 6749 §5.2 for the body).
                        Responses.oauthError(ctx, new OAuthError(403, "unauthorized_client", no.getMessage(), null, null));
                    } else {
                        ctx.fail(t);
                    }
                });
    }
}
