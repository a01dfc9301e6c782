package dev.airlock.http;

import dev.airlock.core.oauth.ClientCredentialsGrant;
import dev.airlock.core.grant.GrantRedemption;
import dev.airlock.core.oauth.GrantGuidance;
import dev.airlock.core.oauth.OAuthError;
import dev.airlock.core.oauth.TokenExchange;
import dev.airlock.core.token.TokenMinter;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** {@code POST /oauth2/token}: parse, authenticate, call the grant, render (RFC 6749 §5.1 / §5.2). */
final class TokenHandler implements Handler<RoutingContext> {
    private final ClientAuthStep auth;
    private final ClientCredentialsGrant clientCredentials;
    private final GrantRedemption redemption;
    private final TokenExchange exchange;

    TokenHandler(ClientAuthStep auth, ClientCredentialsGrant clientCredentials, GrantRedemption redemption,
                 TokenExchange exchange) {
        this.auth = auth;
        this.clientCredentials = clientCredentials;
        this.redemption = redemption;
        this.exchange = exchange;
    }

    @Override
    public void handle(RoutingContext ctx) {
        FormBody form = FormBody.parse(Http.contentType(ctx), BodyReader.body(ctx), Set.of("resource"));
        String grantType = form.require("grant_type");
        if (GrantGuidance.CIBA_GRANT_TYPE.equals(grantType)) {
            redeem(ctx, form);
            return;
        }
        if (TokenExchange.GRANT_TYPE.equals(grantType)) {
            exchange(ctx, form);
            return;
        }
        if (!"client_credentials".equals(grantType)) {
            Responses.oauthError(ctx, OAuthError.of("unsupported_grant_type",
                    "grant_type must be client_credentials, or " + GrantGuidance.CIBA_GRANT_TYPE
                            + " to collect an approved human grant, or " + TokenExchange.GRANT_TYPE
                            + " to act on behalf of a user"));
            return;
        }
        var request = new ClientCredentialsGrant.Request(form.get("environment"), form.all("resource"),
                form.get("scope"), Http.address(ctx));
        auth.authenticate(ctx, form)
                .compose(agent -> agent == null ? Future.<ClientCredentialsGrant.Outcome>succeededFuture()
                        : Http.onContext(ctx, clientCredentials.issue(agent, request)))
                .onSuccess(outcome -> {
                    if (outcome == null) return;
                    if (outcome.error() != null) Responses.oauthError(ctx, outcome.error());
                    else success(ctx, outcome.minted());
                })
                .onFailure(ctx::fail);
    }

    /** RFC 8693 §2.1: the client authenticates as for client_credentials; it is the actor. */
    private void exchange(RoutingContext ctx, FormBody form) {
        var request = new TokenExchange.Request(form.get("environment"), form.all("resource"), form.get("scope"),
                form.get("audience"), form.get("subject_token"), form.get("subject_token_type"),
                form.get("actor_token"), form.get("actor_token_type"), form.get("requested_token_type"),
                Http.address(ctx));
        auth.authenticate(ctx, form)
                .compose(agent -> agent == null ? Future.<TokenExchange.Outcome>succeededFuture()
                        : Http.onContext(ctx, exchange.exchange(agent, request)))
                .onSuccess(outcome -> {
                    if (outcome == null) return;
                    if (outcome.error() != null) Responses.oauthError(ctx, outcome.error());
                    else success(ctx, outcome.minted());
                })
                .onFailure(ctx::fail);
    }

    /** OpenID CIBA §10.1 poll: only the agent that filed the grant request may collect its token. */
    private void redeem(RoutingContext ctx, FormBody form) {
        String authReqId = form.require("auth_req_id");
        if (authReqId.length() > 128) throw new BadRequest("auth_req_id is too long");
        auth.authenticate(ctx, form)
                .compose(agent -> agent == null ? Future.<GrantRedemption.Outcome>succeededFuture()
                        : Http.onContext(ctx, redemption.poll(agent, authReqId, Http.address(ctx))))
                .onSuccess(outcome -> {
                    if (outcome == null) return;
                    if (outcome.error() != null) Responses.oauthError(ctx, outcome.error());
                    else success(ctx, outcome.minted());
                })
                .onFailure(ctx::fail);
    }

    private static void success(RoutingContext ctx, TokenMinter.Minted m) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("access_token", m.jwt());
        body.put("token_type", "Bearer");
        body.put("expires_in", Duration.between(m.token().issuedAt(), m.token().expiresAt()).toSeconds());
        body.put("scope", String.join(" ", new TreeSet<>(m.token().scopes())));
        body.put("environment", m.token().environment());
        if (m.token().grant() != null) body.put("grant", m.token().grant());
        // RFC 8693 §2.2.1: required in an exchange's response; harmless and true for the other grant types too.
        if (m.token().isDelegated()) body.put("issued_token_type", TokenExchange.ACCESS_TOKEN);
        ctx.response().putHeader("Pragma", "no-cache");
        Responses.json(ctx, 200, body);
    }
}
