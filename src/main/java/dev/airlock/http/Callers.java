package dev.airlock.http;

import dev.airlock.core.auth.ClientAuthenticator;
import dev.airlock.core.auth.ClientCredentials;
import dev.airlock.core.check.TokenUsability;
import dev.airlock.core.grant.Approver;
import dev.airlock.core.ops.OpsSessions;
import dev.airlock.core.policy.Agent;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.token.OnBehalfOf;
import io.vertx.core.Future;
import io.vertx.core.http.Cookie;
import io.vertx.ext.web.RoutingContext;

/**
 * Who is calling a /v1/grants or /v1/ops endpoint. Two realms that never mix: agents (HTTP Basic with their client
 * secret, or Bearer with an Airlock access token of theirs) and ops people (a session from passphrase + TOTP sign-in,
 * as the {@code airlock_ops} cookie or as {@code Bearer ops_...}). An agent credential on an ops endpoint is a 403, not
 * a 401: it was recognised, and it can never be enough.
 */
final class Callers {
    static final String COOKIE = "airlock_ops";
    static final String OPS_PREFIX = OpsSessions.TOKEN_PREFIX;

    private final ClientAuthenticator authenticator;
    private final TokenUsability tokens;
    private final Policy policy;
    private final OpsSessions sessions;

    Callers(ClientAuthenticator authenticator, TokenUsability tokens, Policy policy, OpsSessions sessions) {
        this.authenticator = authenticator;
        this.tokens = tokens;
        this.policy = policy;
        this.sessions = sessions;
    }

    /** The calling agent; fails with a 401/403 BadRequest otherwise. */
    Future<Agent> agent(RoutingContext ctx) {
        return agentCall(ctx).map(AgentCall::agent);
    }

    /**
     * An agent's call: the agent, and the user its token acts for when it presented a delegated token (RFC 8693
     * token exchange), else null. Rights are the agent's either way.
     */
    record AgentCall(Agent agent, OnBehalfOf onBehalfOf) {}

    Future<AgentCall> agentCall(RoutingContext ctx) {
        String authz = ctx.request().getHeader("Authorization");
        if (authz != null && authz.regionMatches(true, 0, "Basic ", 0, 6)) {
            ClientCredentials c = ClientAuthParser.basicHeader(authz);
            return Http.onContext(ctx, authenticator.authenticate(c, Http.address(ctx))).compose(o -> {
                // RFC 6585 §4: say when to come back, as the token endpoint does (ClientAuthStep).
                if (!o.ok() && o.retryAfter() != null) {
                    ctx.response().putHeader("Retry-After", Long.toString(Math.max(1,
                            (o.retryAfter().toMillis() + 999) / 1000)));
                }
                return o.ok() ? Future.succeededFuture(new AgentCall(o.agent(), null))
                    : Future.<AgentCall>failedFuture(o.retryAfter() != null
                            ? new BadRequest(429, "invalid_client", "too many failed attempts; retry later")
                            : new BadRequest(401, "invalid_client", o.reason()));
            });
        }
        String bearer = bearer(authz);
        if (bearer != null && !bearer.startsWith(OPS_PREFIX)) {
            // Usable exactly as /v1/check would find it (not revoked, environment not frozen, ...), and no grant token.
            TokenUsability.Verdict v = tokens.asAgentCredential(bearer);
            if (!v.ok()) {
                return Future.failedFuture(new BadRequest(401, "invalid_token", "access token refused: "
                        + v.refusal().reason()));
            }
            return policy.agent(v.token().clientId())
                    .map(a -> Future.succeededFuture(new AgentCall(a, v.token().onBehalfOf())))
                    .orElseGet(() -> Future.failedFuture(new BadRequest(401, "invalid_token", "unknown client")));
        }
        if (bearer != null || ctx.request().getCookie(COOKIE) != null) {
            return Future.failedFuture(new BadRequest(403, "wrong_realm", "ops accounts do not request grants; agents do"));
        }
        return Future.failedFuture(new BadRequest(401, "invalid_client",
                "authenticate as the agent: HTTP Basic with its client secret, or Bearer with an Airlock access token"));
    }

    /** The calling person; fails with 401 (no or stale session) or 403 (an agent credential). */
    Approver ops(RoutingContext ctx) {
        return opsSession(ctx).who();
    }

    /**
     * The calling person and their session's key ({@link OpsSessions#key}: the SHA-256 of the token), to which passkey
     * ceremonies are bound.
     */
    record OpsCaller(Approver who, String session) {}

    OpsCaller opsSession(RoutingContext ctx) {
        String authz = ctx.request().getHeader("Authorization");
        String bearer = bearer(authz);
        if ((authz != null && bearer == null) || (bearer != null && !bearer.startsWith(OPS_PREFIX))) {
            throw new BadRequest(403, "wrong_realm", "agent credentials can never act on ops endpoints");
        }
        String token = bearer;
        if (token == null) {
            Cookie c = ctx.request().getCookie(COOKIE);
            token = c == null ? null : c.getValue();
        }
        if (token == null) throw new BadRequest(401, "signin_required", "sign in at POST /v1/ops/session");
        String key = OpsSessions.key(token);
        return sessions.lookup(token).map(s -> new OpsCaller(new Approver(s.name(), s.groups()), key))
                .orElseThrow(() -> new BadRequest(401, "signin_required", "session expired or unknown; sign in again"));
    }

    static String bearer(String authz) {
        return authz != null && authz.regionMatches(true, 0, "Bearer ", 0, 7) ? authz.substring(7).trim() : null;
    }
}
