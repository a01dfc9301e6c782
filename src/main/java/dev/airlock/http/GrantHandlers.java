package dev.airlock.http;

import dev.airlock.core.audit.RecentRefusals;
import dev.airlock.core.grant.ApprovalProof;
import dev.airlock.core.grant.Approver;
import dev.airlock.core.grant.PasskeyFactor;
import dev.airlock.core.grant.Grant;
import dev.airlock.core.grant.GrantOutcome;
import dev.airlock.core.grant.GrantPage;
import dev.airlock.core.grant.GrantRequests;
import dev.airlock.core.grant.GrantStatus;
import dev.airlock.core.grant.Grants;
import dev.airlock.core.grant.PreconditionGate;
import dev.airlock.core.grant.PreconditionReport;
import io.vertx.ext.web.RoutingContext;
import dev.airlock.core.oauth.GrantGuidance;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** /v1/grants: agents ask and cancel; people list, approve and deny. Parse, call the core, render. */
final class GrantHandlers {
    private static final Pattern ID = Pattern.compile("gr_[A-Za-z0-9_-]{1,64}");
    /** Longer than any field's own rule allows, so the core's precise message is what the client sees. */
    private static final int MAX_TEXT = 8000;
    private static final Set<String> REQUEST_FIELDS = Set.of("environment", "scopes", "resources", "reason", "command");

    private final Grants grants;
    private final Callers callers;
    private final OriginCheck origins;
    private final RecentRefusals refusals;
    private final Clock clock;

    GrantHandlers(Grants grants, Callers callers, RecentRefusals refusals, Clock clock, OriginCheck origins) {
        this.origins = origins;
        this.clock = clock;
        this.grants = grants;
        this.callers = callers;
        this.refusals = refusals;
    }

    // --- agents ---

    void request(RoutingContext ctx) {
        JsonBody body = JsonBody.parse(Http.contentType(ctx), BodyReader.body(ctx), REQUEST_FIELDS);
        var req = new GrantRequests.Request(body.string("environment", BodyLimits.ENVIRONMENT),
                body.strings("scopes", GrantRequests.MAX_SCOPES, BodyLimits.ACTION),
                body.strings("resources", GrantRequests.MAX_RESOURCES, BodyLimits.RESOURCE),
                body.string("reason", MAX_TEXT), body.string("command", MAX_TEXT), Http.address(ctx));
        callers.agentCall(ctx).compose(call -> Http.onContext(ctx,
                        grants.requests.request(call.agent(), req, call.onBehalfOf())))
                .onSuccess(o -> {
                    if (!o.ok()) {
                        refusal(ctx, o);
                        return;
                    }
                    Grant g = o.grant();
                    Map<String, Object> out = new LinkedHashMap<>();
                    // OpenID CIBA §7.3: the authentication request acknowledgement.
                    out.put("auth_req_id", g.id());
                    out.put("expires_in", Duration.between(g.createdAt(), g.expiresAt()).toSeconds());
                    out.put("interval", grants.redemption.interval(g.id()).toSeconds());
                    out.put("approvals_required", g.requiredApprovals());
                    out.put("status", g.status().label());
                    out.put("poll", "POST /oauth2/token with grant_type=urn:openid:params:grant-type:ciba&auth_req_id=" + g.id());
                    out.put("grant", render(g, clock.instant(), null));
                    ctx.response().putHeader("Location", GrantGuidance.GRANTS_PATH + "/" + g.id());
                    Responses.json(ctx, 201, out);
                })
                .onFailure(ctx::fail);
    }

    void cancel(RoutingContext ctx) {
        String id = id(ctx);
        callers.agent(ctx).compose(agent -> Http.onContext(ctx, grants.requests.cancel(agent, id)))
                .onSuccess(o -> answer(ctx, o, null)).onFailure(ctx::fail);
    }

    /** GET /v1/grants/{id}: the requesting agent, or a person. */
    void view(RoutingContext ctx) {
        String id = id(ctx);
        if (isAgentCredential(ctx)) {
            callers.agent(ctx).compose(agent -> Http.onContext(ctx, grants.requests.view(agent, id)))
                    .onSuccess(o -> answer(ctx, o, null)).onFailure(ctx::fail);
            return;
        }
        Approver who = callers.ops(ctx);
        // A person looking at a guarded grant sees its preconditions as they stand now (issue 16), evaluated and
        // audited like the check before an approval.
        Http.onContext(ctx, grants.decisions.view(id).thenCompose(o -> !o.ok() || !grants.preconditions.guards(o.grant())
                        ? java.util.concurrent.CompletableFuture.completedFuture(new Viewed(o, null))
                        : grants.preconditions.evaluate(o.grant(), PreconditionGate.Occasion.VIEW, who.name())
                        .thenApply(r -> new Viewed(o, r))))
                .onSuccess(v -> {
                    answer(ctx, v.outcome(), who, v.preconditions());
                }).onFailure(ctx::fail);
    }

    private record Viewed(GrantOutcome outcome, PreconditionReport preconditions) {}

    // --- people ---

    /**
     * GET /v1/grants: a person sees every agent's grants, an agent only its own. Paged (issue 13): {@code limit}
     * (default {@value GrantPage#DEFAULT_LIMIT}, at most {@value GrantPage#MAX_LIMIT}) and the opaque {@code cursor}
     * from the previous page's {@code next_cursor}, which is null on the last page.
     */
    void list(RoutingContext ctx) {
        GrantStatus status;
        GrantPage.Request page;
        try {
            status = status(param(ctx, "status"));
            page = page(param(ctx, "limit"), param(ctx, "cursor"));
        } catch (GrantPage.Invalid e) {
            throw new BadRequest(e.getMessage());
        }
        if (isAgentCredential(ctx)) {
            callers.agent(ctx).compose(agent -> Http.onContext(ctx, grants.requests.list(agent, status, page)))
                    .onSuccess(p -> answerPage(ctx, p, null)).onFailure(ctx::fail);
            return;
        }
        Approver who = callers.ops(ctx);
        Http.onContext(ctx, grants.decisions.list(status, page)).onSuccess(p -> answerPage(ctx, p, who)).onFailure(ctx::fail);
    }

    private void answerPage(RoutingContext ctx, GrantPage page, Approver viewer) {
        Instant now = clock.instant();
        List<Object> items = new ArrayList<>();
        for (Grant g : page.grants()) items.add(render(g, now, viewer));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("grants", items);
        out.put("next_cursor", page.nextCursor());
        Responses.json(ctx, 200, out);
    }

    private static String param(RoutingContext ctx, String name) {
        try {
            return ctx.request().getParam(name);
        } catch (IllegalArgumentException e) {
            // Netty decodes the whole query string on first access and throws on bad percent-encoding
            // ("?sta%us=pending"): the caller's fault, not ours (found by the hostile-input harness; it answered 500).
            throw new BadRequest("the query string is not valid percent-encoding");
        }
    }

    private static GrantStatus status(String s) {
        if (s == null || s.isEmpty()) return null;
        try {
            return GrantStatus.valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new BadRequest("status must be one of pending, approved, redeemed, denied, expired, cancelled");
        }
    }

    private static GrantPage.Request page(String limit, String cursor) {
        int n = GrantPage.DEFAULT_LIMIT;
        if (limit != null && !limit.isEmpty()) {
            if (!limit.matches("[0-9]{1,4}")) throw new GrantPage.Invalid("limit must be between 1 and " + GrantPage.MAX_LIMIT);
            n = Integer.parseInt(limit);
        }
        return new GrantPage.Request(cursor == null || cursor.isEmpty() ? null : cursor, n);
    }

    /**
     * With {@code code} (TOTP), or with a passkey's assertion ({@code credential_id}, {@code client_data_json},
     * {@code authenticator_data}, {@code signature}, {@code user_handle}: what {@code navigator.credentials.get}
     * returned, base64url) over the challenge from {@code POST /v1/ops/passkeys/approval-options}.
     */
    void approve(RoutingContext ctx) {
        origins.require(ctx);
        Callers.OpsCaller me = callers.opsSession(ctx);
        Approver who = me.who();
        String id = id(ctx);
        JsonBody body = JsonBody.parse(Http.contentType(ctx), BodyReader.body(ctx), APPROVE_FIELDS);
        String code = body.string("code", 16);
        String credential = body.string("credential_id", PasskeyHandlers.MAX_B64);
        if (code != null && credential != null) throw new BadRequest("give either code or a passkey assertion, not both");
        ApprovalProof proof = credential == null ? new ApprovalProof.Code(code)
                : new ApprovalProof.Passkey(me.session(), new PasskeyFactor.Assertion(credential,
                        body.requireString("client_data_json", PasskeyHandlers.MAX_B64),
                        body.requireString("authenticator_data", PasskeyHandlers.MAX_B64),
                        body.requireString("signature", PasskeyHandlers.MAX_B64),
                        body.string("user_handle", PasskeyHandlers.MAX_B64)));
        Http.onContext(ctx, grants.decisions.approve(who, id, proof, Http.address(ctx)))
                .onSuccess(o -> answer(ctx, o, who)).onFailure(ctx::fail);
    }

    private static final Set<String> APPROVE_FIELDS = Set.of("code", "credential_id", "client_data_json",
            "authenticator_data", "signature", "user_handle");

    void deny(RoutingContext ctx) {
        origins.require(ctx);
        Approver who = callers.ops(ctx);
        String id = id(ctx);
        JsonBody body = JsonBody.parse(Http.contentType(ctx), BodyReader.body(ctx), Set.of("reason"));
        Http.onContext(ctx, grants.decisions.deny(who, id, body.string("reason", MAX_TEXT), Http.address(ctx)))
                .onSuccess(o -> answer(ctx, o, who)).onFailure(ctx::fail);
    }

    // --- rendering ---

    /** @param viewer the person asking, or null for the requesting agent (who is not shown its own refusals) */
    private void answer(RoutingContext ctx, GrantOutcome o, Approver viewer) {
        answer(ctx, o, viewer, null);
    }

    /** @param preconditions evaluated just now for a person's view, or null when not evaluated */
    private void answer(RoutingContext ctx, GrantOutcome o, Approver viewer, PreconditionReport preconditions) {
        if (!o.ok()) {
            refusal(ctx, o);
            return;
        }
        Map<String, Object> out = render(o.grant(), clock.instant(), viewer);
        if (preconditions != null) out.put("preconditions", GrantJson.preconditions(preconditions));
        if (viewer != null) out.put("recent_refusals", refusals.of(o.grant().agentId()));
        Responses.json(ctx, 200, out);
    }

    private static void refusal(RoutingContext ctx, GrantOutcome o) {
        Map<String, Object> extra = new LinkedHashMap<>(o.extra());
        extra.put("code", o.code());
        // RFC 6585 §4: a 429 may say when to come back (the destructive budget's reset).
        Object retry = o.extra().get("retry_after");
        if (o.status() == 429 && retry != null) ctx.response().putHeader("Retry-After", String.valueOf(retry));
        Responses.problem(ctx, o.status(), Responses.title(o.status()), o.message(), extra);
    }

    /** @param viewer the person looking, or null for the requesting agent */
    private Map<String, Object> render(Grant g, Instant now, Approver viewer) {
        return GrantJson.render(g, now, grants.decisions.terms(g),
                viewer == null ? null : grants.decisions.standing(viewer, g));
    }

    private static String id(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        if (id == null || !ID.matcher(id).matches()) throw new BadRequest(404, "invalid_request", "no such grant");
        return id;
    }

    private static boolean isAgentCredential(RoutingContext ctx) {
        String authz = ctx.request().getHeader("Authorization");
        if (authz == null) return false;
        String bearer = Callers.bearer(authz);
        return bearer == null || !bearer.startsWith(Callers.OPS_PREFIX);
    }
}
