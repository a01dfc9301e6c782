package dev.airlock.http;

import dev.airlock.core.grant.Grant;
import dev.airlock.core.grant.GrantDecisions;
import dev.airlock.core.grant.Grants;
import dev.airlock.core.ops.Passkey;
import dev.airlock.core.ops.Passkeys;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code /v1/ops/passkeys}: a signed-in person lists, enrols and removes their own passkeys, and asks for the challenge
 * that approving one grant with a passkey signs (issue 16). Same rules as every ops endpoint: the session (cookie or
 * bearer), the origin check on every state-changing request, JSON bodies only. The WebAuthn work is the core's
 * ({@link Passkeys}); this parses, calls and renders.
 */
final class PasskeyHandlers {
    /** Base64url of a WebAuthn response part: clientDataJSON and attestationObject are a few KiB at most. */
    static final int MAX_B64 = 16 * 1024;
    private static final Pattern CREDENTIAL_ID = Pattern.compile("[A-Za-z0-9_-]{16,1366}");
    private static final Pattern GRANT_ID = Pattern.compile("gr_[A-Za-z0-9_-]{1,64}");

    private final Passkeys passkeys;
    private final Grants grants;
    private final Callers callers;
    private final OriginCheck origins;

    PasskeyHandlers(Passkeys passkeys, Grants grants, Callers callers, OriginCheck origins) {
        this.passkeys = passkeys;
        this.grants = grants;
        this.callers = callers;
        this.origins = origins;
    }

    void list(RoutingContext ctx) {
        Callers.OpsCaller me = callers.opsSession(ctx);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("rp_id", passkeys.rpId());
        out.put("passkeys", render(passkeys.list(me.who().name())));
        ctx.response().putHeader("Cache-Control", "no-store");
        Responses.json(ctx, 200, out);
    }

    void enrolOptions(RoutingContext ctx) {
        origins.require(ctx);
        Callers.OpsCaller me = callers.opsSession(ctx);
        JsonBody.parse(Http.contentType(ctx), BodyReader.body(ctx), Set.of());
        Http.onContext(ctx, passkeys.beginEnrolment(me.who().name(), me.session())).onSuccess(o -> answer(ctx, o, c -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("challenge", c.challenge());
            m.put("rp_id", c.rpId());
            m.put("user_id", c.userId());
            m.put("user_name", c.userName());
            m.put("algorithms", c.algorithms());
            m.put("exclude", descriptors(c.exclude()));
            m.put("timeout_ms", c.timeoutMillis());
            return m;
        })).onFailure(ctx::fail);
    }

    void enrol(RoutingContext ctx) {
        origins.require(ctx);
        Callers.OpsCaller me = callers.opsSession(ctx);
        JsonBody body = JsonBody.parse(Http.contentType(ctx), BodyReader.body(ctx),
                Set.of("client_data_json", "attestation_object", "transports", "label"));
        var att = new Passkeys.Attestation(body.requireString("client_data_json", MAX_B64),
                body.requireString("attestation_object", MAX_B64), body.strings("transports", 8, 16),
                body.string("label", 256));
        Http.onContext(ctx, passkeys.finishEnrolment(me.who().name(), me.session(), att))
                .onSuccess(o -> answer(ctx, o, p -> render(List.of(p)).get(0))).onFailure(ctx::fail);
    }

    void remove(RoutingContext ctx) {
        origins.require(ctx);
        Callers.OpsCaller me = callers.opsSession(ctx);
        String id = ctx.pathParam("id");
        if (id == null || !CREDENTIAL_ID.matcher(id).matches()) {
            throw new BadRequest(404, "passkey_unknown", "no such passkey on your account");
        }
        Http.onContext(ctx, passkeys.remove(me.who().name(), id)).onSuccess(o -> {
            if (o instanceof Passkeys.Outcome.Refused<Void> r) {
                refusal(ctx, r);
            } else {
                ctx.response().setStatusCode(204).end();
            }
        }).onFailure(ctx::fail);
    }

    /**
     * The challenge for approving one grant with a passkey. Issued only to someone who may approve it now, by a passkey
     * (the very rules approving applies), so that a nonce is never handed out for an approval that could not count.
     */
    void approvalOptions(RoutingContext ctx) {
        origins.require(ctx);
        Callers.OpsCaller me = callers.opsSession(ctx);
        JsonBody body = JsonBody.parse(Http.contentType(ctx), BodyReader.body(ctx), Set.of("grant_id"));
        String id = body.requireString("grant_id", 80);
        if (!GRANT_ID.matcher(id).matches()) throw new BadRequest(404, "invalid_request", "no such grant");
        Http.onContext(ctx, grants.decisions.view(id)).compose(view -> {
            if (!view.ok()) {
                Map<String, Object> extra = new LinkedHashMap<>(view.extra());
                extra.put("code", view.code());
                Responses.problem(ctx, view.status(), Responses.title(view.status()), view.message(), extra);
                return io.vertx.core.Future.succeededFuture();
            }
            Grant g = view.grant();
            GrantDecisions.Standing you = grants.decisions.standing(me.who(), g);
            if (!you.mayApprove()) {
                Responses.problem(ctx, 409, Responses.title(409), you.why(), Map.of("code", you.code()));
                return io.vertx.core.Future.succeededFuture();
            }
            if (!grants.decisions.terms(g).factor().allowsPasskey()) {
                Responses.problem(ctx, 403, Responses.title(403), "approving this grant needs a one-time code"
                        + " (grants.yaml approval_factor: totp)", Map.of("code", "totp_required"));
                return io.vertx.core.Future.succeededFuture();
            }
            return Http.onContext(ctx, passkeys.beginApproval(me.who().name(), me.session(), g)).map(o -> {
                answer(ctx, o, r -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("grant_id", g.id());
                    m.put("challenge", r.challenge());
                    m.put("rp_id", r.rpId());
                    m.put("allow", descriptors(r.allow()));
                    m.put("timeout_ms", r.timeoutMillis());
                    return m;
                });
                return null;
            });
        }).onFailure(ctx::fail);
    }

    private static <T> void answer(RoutingContext ctx, Passkeys.Outcome<T> o,
                                   java.util.function.Function<T, Object> render) {
        if (o instanceof Passkeys.Outcome.Refused<T> r) {
            refusal(ctx, r);
            return;
        }
        ctx.response().putHeader("Cache-Control", "no-store");
        Responses.json(ctx, 200, render.apply(((Passkeys.Outcome.Ok<T>) o).value()));
    }

    private static void refusal(RoutingContext ctx, Passkeys.Outcome.Refused<?> r) {
        Responses.problem(ctx, r.status(), Responses.title(r.status()), r.message(), Map.of("code", r.code()));
    }

    /** {@code PublicKeyCredentialDescriptor}s: id and transports, nothing else about the key. */
    private static List<Map<String, Object>> descriptors(List<Passkey> keys) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Passkey p : keys) out.add(Map.of("id", p.id(), "transports", p.transports()));
        return out;
    }

    private static List<Map<String, Object>> render(List<Passkey> keys) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Passkey p : keys) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", p.id());
            m.put("label", p.label());
            m.put("created_at", p.createdAt().toString());
            m.put("last_used_at", p.lastUsedAt() == null ? null : p.lastUsedAt().toString());
            m.put("transports", p.transports());
            m.put("user_verified", p.uvInitialized());
            out.add(m);
        }
        return out;
    }
}
