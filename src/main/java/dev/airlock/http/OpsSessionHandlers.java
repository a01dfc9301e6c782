package dev.airlock.http;

import dev.airlock.core.grant.Approver;
import dev.airlock.core.ops.OpsAccounts;
import dev.airlock.core.ops.OpsSessions;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.WorkerExecutor;
import io.vertx.ext.web.RoutingContext;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code /v1/ops/session}: people sign in with passphrase + TOTP. The page gets the session as an HttpOnly,
 * SameSite=Strict cookie (Secure when the request came over TLS), never readable by script; the CLI asks for it as a
 * bearer ({@code "bearer": true}) and keeps it in an owner-only file.
 */
final class OpsSessionHandlers {
    private static final Set<String> FIELDS = Set.of("name", "passphrase", "code", "bearer");
    static final int MAX_PASSPHRASE = 256;

    private final OpsAccounts accounts;
    private final OpsSessions sessions;
    private final Callers callers;
    private final OriginCheck origins;

    /**
     * Argon2id costs about 0.1 s of CPU and 19 MiB per sign-in: it runs on this small shared pool, never on an event
     * loop (where a burst of sign-in attempts would stall every other request) and never on Vert.x's general worker
     * pool (20 threads would mean 380 MiB of Argon2 memory at once). Attempts beyond it wait their turn.
     */
    static final String PASSPHRASE_POOL = "airlock-passphrases";
    static final int PASSPHRASE_THREADS = 2;

    private final WorkerExecutor passphrasePool;

    OpsSessionHandlers(OpsAccounts accounts, OpsSessions sessions, Callers callers, WorkerExecutor passphrasePool,
                       OriginCheck origins) {
        this.origins = origins;
        this.passphrasePool = passphrasePool;
        this.accounts = accounts;
        this.sessions = sessions;
        this.callers = callers;
    }

    void signIn(RoutingContext ctx) {
        origins.require(ctx);
        JsonBody body = JsonBody.parse(Http.contentType(ctx), BodyReader.body(ctx), FIELDS);
        String name = body.requireString("name", 64);
        String passphrase = body.requireString("passphrase", MAX_PASSPHRASE);
        String code = body.requireString("code", 16);
        boolean bearer = body.bool("bearer");
        char[] secret = passphrase.toCharArray();
        passphrasePool.executeBlocking(() -> accounts.signIn(name, secret, code), false)
                .compose(stage -> Http.onContext(ctx, stage)).onComplete(ar -> Arrays.fill(secret, '\0'))
                .onSuccess(outcome -> {
                    if (outcome instanceof OpsAccounts.SignIn.Locked locked) {
                        ctx.response().putHeader("Retry-After", Long.toString(Math.max(1, locked.retryAfter().toSeconds())));
                        Responses.problem(ctx, 429, Responses.title(429), "too many failed attempts; this account is"
                                + " locked for " + locked.retryAfter().toSeconds() + " s", Map.of("code", "locked"));
                        return;
                    }
                    if (outcome instanceof OpsAccounts.SignIn.ClockBehind behind) {
                        // Only after the passphrase and a genuine code: telling this person why is safe, and "wrong
                        // code" would send them to re-enrol a phone that is fine (issue 13, finding 6).
                        Responses.problem(ctx, 401, Responses.title(401), behind.ahead().message(),
                                Map.of("code", "clock_behind"));
                        return;
                    }
                    if (!(outcome instanceof OpsAccounts.SignIn.Ok ok)) {
                        Responses.problem(ctx, 401, Responses.title(401), OpsAccounts.SignIn.REFUSED,
                                Map.of("code", "signin_refused"));
                        return;
                    }
                    // The token is handed out only once the session is durable (shared: every replica will know it).
                    Http.onContext(ctx, sessions.open(ok.account())).onSuccess(token -> {
                        Map<String, Object> out = describe(ok.account().name(), ok.account().groups());
                        if (bearer) {
                            out.put("token", token);
                        } else {
                            ctx.response().addCookie(cookie(ctx, token, OpsSessions.LIFETIME.toSeconds()));
                        }
                        ctx.response().putHeader("Cache-Control", "no-store");
                        Responses.json(ctx, 200, out);
                    }).onFailure(ctx::fail);
                })
                .onFailure(ctx::fail);
    }

    void current(RoutingContext ctx) {
        Approver who = callers.ops(ctx);
        ctx.response().putHeader("Cache-Control", "no-store");
        Map<String, Object> out = describe(who.name(), who.groups());
        // An approval refused for this reason answers only "code invalid" (the grant's refusal); the page asks here.
        accounts.stepAhead(who.name()).ifPresent(ahead -> out.put("totp_notice", ahead.message()));
        Responses.json(ctx, 200, out);
    }

    void signOut(RoutingContext ctx) {
        origins.require(ctx);
        callers.ops(ctx);
        String token = Callers.bearer(ctx.request().getHeader("Authorization"));
        if (token == null) token = ctx.request().getCookie(Callers.COOKIE).getValue();
        // Answered once the sign-out is durable: other replicas then drop the session at their next refresh.
        Http.onContext(ctx, sessions.close(token)).onSuccess(done -> {
            ctx.response().addCookie(cookie(ctx, "", 0));
            ctx.response().setStatusCode(204).end();
        }).onFailure(ctx::fail);
    }

    private Map<String, Object> describe(String name, Set<String> groups) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", name);
        out.put("groups", new TreeSet<>(groups));
        out.put("idle_timeout_seconds", sessions.idleTimeout().toSeconds()); // what the page tells people
        return out;
    }

    /** Secure when this hop is TLS or when the public origin is https (TLS ended by a proxy in front). */
    private Cookie cookie(RoutingContext ctx, String value, long maxAgeSeconds) {
        return Cookie.cookie(Callers.COOKIE, value).setPath("/").setHttpOnly(true).setSameSite(CookieSameSite.STRICT)
                .setSecure(ctx.request().isSSL() || origins.publicOriginIsHttps()).setMaxAge(maxAgeSeconds);
    }
}
