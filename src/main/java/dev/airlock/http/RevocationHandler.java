package dev.airlock.http;

import dev.airlock.core.check.TokenAdmin;
import dev.airlock.core.check.TokenUsability;
import dev.airlock.core.oauth.OAuthError;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;

/** {@code POST /oauth2/revoke} (RFC 7009). 200 for unknown or invalid tokens (§2.2); a client revokes only its own. */
final class RevocationHandler implements Handler<RoutingContext> {
    private final ClientAuthStep auth;
    private final TokenAdmin admin;
    private final TokenUsability tokens;

    RevocationHandler(ClientAuthStep auth, TokenAdmin admin, TokenUsability tokens) {
        this.auth = auth;
        this.admin = admin;
        this.tokens = tokens;
    }

    @Override
    public void handle(RoutingContext ctx) {
        FormBody form = FormBody.parse(Http.contentType(ctx), BodyReader.body(ctx), Set.of());
        String token = form.require("token");
        String hint = form.get("token_type_hint");
        if (hint != null && !hint.equals("access_token")) {
            // §2.2.1: we issue no refresh tokens.
            Responses.oauthError(ctx, OAuthError.of("unsupported_token_type", "only access tokens are issued here"));
            return;
        }
        auth.authenticate(ctx, form)
                .compose(agent -> agent == null ? Future.<TokenAdmin.RevokeResult>succeededFuture()
                        : Http.onContext(ctx, admin.revokeByClient(tokens.revocableBy(token, agent.id()), agent.id(),
                                Http.address(ctx))))
                .onSuccess(result -> {
                    if (result == null) return;
                    if (result == TokenAdmin.RevokeResult.OTHER_CLIENTS_TOKEN) {
                        Responses.oauthError(ctx, OAuthError.of("unauthorized_client",
                                "a client may revoke only tokens issued to it"));
                    } else {
                        ctx.response().putHeader("Cache-Control", "no-store").setStatusCode(200).end();
                    }
                })
                .onFailure(ctx::fail);
    }
}
