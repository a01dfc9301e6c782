package dev.airlock.http;

import dev.airlock.core.auth.AuthOutcome;
import dev.airlock.core.auth.ClientAuthenticator;
import dev.airlock.core.oauth.OAuthError;
import dev.airlock.core.policy.Agent;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;

/** Authenticates the calling agent of an OAuth endpoint; refusals are answered here, in OAuth form. */
final class ClientAuthStep {
    private final ClientAuthenticator authenticator;

    ClientAuthStep(ClientAuthenticator authenticator) {
        this.authenticator = authenticator;
    }

    /** Completes with the agent, or with null after the refusal has been sent. */
    Future<Agent> authenticate(RoutingContext ctx, FormBody form) {
        var credentials = ClientAuthParser.parse(ctx, form);
        return Future.fromCompletionStage(authenticator.authenticate(credentials, Http.address(ctx)), ctx.vertx()
                .getOrCreateContext()).map(outcome -> {
                    if (outcome.ok()) return outcome.agent();
                    Responses.oauthError(ctx, refusal(outcome));
                    return null;
                });
    }

    private static OAuthError refusal(AuthOutcome o) {
        // A client over a limit proved who it is: "slow_down" (RFC 8628 §3.5, registered for the token endpoint)
        // with 429 and Retry-After says "valid, but not now", where invalid_client would suggest its key is wrong.
        if (o.overLimit()) return new OAuthError(429, "slow_down", o.reason(), null, seconds(o));
        if (o.retryAfter() != null) return OAuthError.throttled(seconds(o));
        return OAuthError.invalidClient(o.reason());
    }

    private static long seconds(AuthOutcome o) {
        return Math.max(1, (o.retryAfter().toMillis() + 999) / 1000);
    }
}
