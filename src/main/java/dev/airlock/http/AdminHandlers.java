package dev.airlock.http;

import dev.airlock.app.Airlock;
import dev.airlock.app.Domain;
import dev.airlock.core.check.TokenAdmin;
import dev.airlock.core.grant.Approver;
import dev.airlock.core.ops.OpsAccounts;
import dev.airlock.core.ops.StepAhead;
import dev.airlock.core.policy.Policy;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * /v1/admin: the CLI's state-changing commands ({@code revoke}, {@code env freeze}/{@code unfreeze}, {@code agent add},
 * {@code agent disable}/{@code enable}/{@code revoke-tokens} and {@code agent list},
 * {@code ops add}/{@code reset}/{@code disable}/{@code reset-totp-step}) for an operator without the data directory:
 * they take effect in the running server when the answer comes, with no shared disk.
 *
 * <p>Who may: a signed-in ops person (the same session as the ops page and {@code airlock grants login}) in one of
 * the policy's {@code admin_groups} ({@code grants.yaml}; none by default, so nobody), and every call carries a fresh
 * one-time code, checked and spent like an approval's: a session alone changes nothing, so a stolen session file or
 * cookie cannot issue an agent secret or unfreeze production. Each change is audited by the core service it calls,
 * with {@code by: ops:<name>}.
 */
final class AdminHandlers {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final Pattern JTI = Pattern.compile("[A-Za-z0-9._~-]{1,128}");

    private final Airlock airlock;
    /** The policy-dependent services of the routes this handler belongs to: one policy per request. */
    private final Domain domain;
    private final Callers callers;
    private final OriginCheck origins;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    AdminHandlers(Airlock airlock, Domain domain, Callers callers, OriginCheck origins) {
        this.airlock = airlock;
        this.domain = domain;
        this.callers = callers;
        this.origins = origins;
        this.clock = airlock.config.clock();
    }

    /**
     * POST /v1/admin/revoke {jti, code}: kept until the longest a token can live from now; an id Airlock never issued
     * is a 404 and nothing is revoked ({@link TokenAdmin#revokeIssued}).
     */
    void revoke(RoutingContext ctx) {
        Call body = call(ctx, "jti", "code");
        String jti = body.string("jti", 128);
        if (jti == null || !JTI.matcher(jti).matches()) throw new BadRequest("jti must match " + JTI.pattern());
        Instant exp = clock.instant().plus(Policy.MAX_TOKEN_LIFETIME);
        admin(ctx, body, by -> domain.admin.revokeIssued(jti, exp, by)
                .thenApply(v -> Map.of("revoked", jti)));
    }

    /** POST /v1/admin/environments/{env}/freeze and /unfreeze {code}. */
    void freeze(RoutingContext ctx, boolean frozen) {
        String env = ctx.pathParam("env");
        Call body = call(ctx, "code");
        if (domain.policy.environment(env).isEmpty()) {
            throw new BadRequest(404, "unknown_environment", "unknown environment (known: " + String.join(", ",
                    domain.policy.environments().stream().map(e -> e.name()).toList()) + ")");
        }
        admin(ctx, body, by -> domain.admin.setFrozen(env, frozen, by)
                .thenApply(v -> Map.of("environment", env, "frozen", frozen)));
    }

    /**
     * POST /v1/admin/agents/{id}/secret {code, revoke_tokens}: the new secret, once, in the answer (no-store), and what
     * became of the agent's live tokens ({@link AgentJson#secret}).
     */
    void agentSecret(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        Call body = call(ctx, "code", "revoke_tokens");
        boolean revokeTokens = body.body().bool("revoke_tokens");
        admin(ctx, body, by -> domain.admin.issueSecret(id, by, random, revokeTokens ? clock : null)
                .thenApply(issued -> AgentJson.secret(id, issued)));
    }

    /** POST /v1/admin/agents/{id}/disable, /enable, /revoke-tokens {code}: {@code airlock agent ... --remote}. */
    void agentChange(RoutingContext ctx, String change) {
        String id = ctx.pathParam("id");
        Call body = call(ctx, "code");
        if (!NAME.matcher(id).matches() || domain.policy.agent(id).isEmpty()) {
            throw new BadRequest(404, "not_found", "no agent by that name in agents.yaml");
        }
        admin(ctx, body, by -> switch (change) {
            case "disable", "enable" -> domain.admin.setAgentDisabled(id, change.equals("disable"), by)
                    .thenApply(v -> AgentJson.state(domain.admin, id));
            case "revoke-tokens" -> domain.admin.revokeAgentTokens(id, clock.instant(), by)
                    .thenApply(at -> AgentJson.state(domain.admin, id));
            default -> throw new IllegalArgumentException(change);
        });
    }

    /**
     * GET /v1/admin/agents: every agent of the policy with its run-time state ({@code airlock agent list --remote}).
     * Reading changes nothing, so no one-time code; still only for admin_groups, as the state is theirs to act on.
     */
    void agents(RoutingContext ctx) {
        caller(ctx);
        ctx.response().putHeader("Cache-Control", "no-store");
        Responses.json(ctx, 200, Map.of("agents", domain.admin.agents().stream().map(TokenAdmin.AgentState::asMap).toList()));
    }

    /**
     * POST /v1/admin/policy/reload {code}: this server reads its policy folder again ({@link Airlock#reloadPolicy});
     * a policy that does not load is a 422 listing its problems, and the running one stays.
     */
    void reloadPolicy(RoutingContext ctx) {
        Call body = call(ctx, "code");
        admin(ctx, body, by -> CompletableFuture.supplyAsync(airlock::reloadPolicy).thenApply(r -> {
            if (!r.reloaded()) throw new ReloadRefused(r);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("reloaded", true);
            out.put("policy_hash_before", r.before());
            out.put("policy_hash", r.after());
            return out;
        }));
    }

    /** A reload refused for its policy's problems: the caller's to fix, so a 4xx with the problems. */
    private static final class ReloadRefused extends RuntimeException {
        final dev.airlock.app.PolicyReload reload;

        ReloadRefused(dev.airlock.app.PolicyReload reload) {
            super("policy reload refused; still serving " + reload.before(), null, false, false);
            this.reload = reload;
        }
    }

    /** POST /v1/admin/ops-accounts {name, groups, code}: the enrolment, once. */
    void opsCreate(RoutingContext ctx) {
        Call body = call(ctx, "name", "groups", "code");
        String name = body.string("name", 64);
        Set<String> groups = new LinkedHashSet<>(body.body().strings("groups", 32, 64));
        admin(ctx, body, by -> airlock.ops.create(name, groups).thenApply(AdminHandlers::enrolment));
    }

    /** POST /v1/admin/ops-accounts/{name}/reset, /disable, /reset-totp-step {code}. */
    void opsChange(RoutingContext ctx, String change) {
        String name = ctx.pathParam("name");
        Call body = call(ctx, "code");
        if (!NAME.matcher(name).matches()) throw new BadRequest(404, "not_found", "no ops account by that name");
        admin(ctx, body, by -> switch (change) {
            case "reset" -> airlock.ops.reset(name).thenApply(AdminHandlers::enrolment);
            case "disable" -> airlock.ops.disable(name).thenApply(v -> Map.<String, Object>of("name", name,
                    "disabled", true));
            case "reset-totp-step" -> airlock.ops.resetTotpStep(name).thenApply((Optional<StepAhead> a) -> {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("name", name);
                out.put("lowered", a.isPresent());
                a.ifPresent(s -> out.put("minutes_ahead", s.minutesAhead()));
                return out;
            });
            default -> throw new IllegalArgumentException(change);
        });
    }

    /** A caller who may administer, and the body they sent. */
    private record Call(Approver who, JsonBody body) {
        String string(String field, int max) {
            return body.string(field, max);
        }
    }

    /**
     * Who is calling and whether they may administer, before anything else is read: a person outside
     * {@code admin_groups} is refused before the body or code is looked at, so no code is spent on a refusal and
     * nothing about the request's validity is told to someone who may not make it.
     */
    private Call call(RoutingContext ctx, String... fields) {
        origins.require(ctx);
        Approver who = caller(ctx);
        return new Call(who, JsonBody.parse(Http.contentType(ctx), BodyReader.body(ctx), Set.of(fields)));
    }

    /** A signed-in ops person in one of {@code admin_groups}; 401/403 otherwise. */
    private Approver caller(RoutingContext ctx) {
        Approver who = callers.ops(ctx);
        Set<String> admins = domain.policy.adminGroups();
        if (who.groups().stream().noneMatch(admins::contains)) {
            throw new BadRequest(403, "not_admin", admins.isEmpty()
                    ? "nobody may administer Airlock over HTTP: name the ops groups that may under admin_groups in"
                    + " grants.yaml, or run the command on the server's machine with its data directory"
                    : "administering Airlock needs membership of one of the ops groups " + new TreeSet<>(admins)
                    + " (grants.yaml admin_groups); " + who.name() + " is in " + new TreeSet<>(who.groups()));
        }
        return who;
    }

    /** The caller's fresh code, checked and spent, then the change, audited as {@code ops:<name>}. */
    private void admin(RoutingContext ctx, Call call,
                       Function<String, CompletableFuture<? extends Map<String, ?>>> change) {
        Approver who = call.who();
        String code = call.string("code", 16);
        if (code == null || code.isBlank()) {
            throw new BadRequest(400, "code_required", "every administrative change needs a fresh one-time code"
                    + " (\"code\"), as an approval does");
        }
        Http.onContext(ctx, airlock.ops.verify(who.name(), code.replace(" ", "").strip()))
                .compose(fresh -> {
                    if (!fresh) {
                        return Future.failedFuture(new BadRequest(403, "code_invalid", "one-time code refused (wrong,"
                                + " already used or not fresh); wait for the next code"));
                    }
                    return Http.onContext(ctx, change.apply("ops:" + who.name()));
                })
                .onSuccess(result -> {
                    ctx.response().putHeader("Cache-Control", "no-store");
                    Responses.json(ctx, 200, result);
                })
                .onFailure(t -> {
                    Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
                    if (c instanceof ReloadRefused r) {
                        Responses.problem(ctx, 422, "Unprocessable Content", r.getMessage(), Map.of("code",
                                "policy_invalid", "problems", r.reload.problems(), "policy_hash", r.reload.before()));
                        return;
                    }
                    ctx.fail(refusal(t));
                });
    }

    /** The domain's refusals as 4xx; anything else (storage faults included) goes to the one failure handler. */
    private static Throwable refusal(Throwable t) {
        // The domain's own refusal may sit under a CompletionException or an AuditedChange.NotDone (a change refused
        // after its event was written keeps the reason as its cause): the first one found in the chain answers. A
        // storage fault anywhere in it is a 503, whatever else the chain holds.
        if (dev.airlock.core.journal.StorageUnavailable.in(t).isPresent()) return t;
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof TokenAdmin.NoSecret || c instanceof TokenAdmin.NoSuchAgent
                    || c instanceof OpsAccounts.NoSuchAccount) {
                return new BadRequest(404, "not_found", c.getMessage());
            }
            if (c instanceof TokenAdmin.NothingToDo n) {
                // Unknown jti: nothing by that id (404); not frozen: the state is not what the change undoes (409).
                return new BadRequest("unknown_jti".equals(n.code) ? 404 : 409, n.code, n.getMessage());
            }
            if (c instanceof OpsAccounts.AccountExists) return new BadRequest(409, "account_exists", c.getMessage());
            if (c instanceof IllegalArgumentException) return new BadRequest(400, "invalid_request", c.getMessage());
        }
        return t;
    }

    private static Map<String, Object> enrolment(OpsAccounts.Enrolment e) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", e.name());
        out.put("passphrase", new String(e.passphrase()));
        Arrays.fill(e.passphrase(), '\0');
        out.put("totp_secret", e.totpSecretBase32());
        out.put("otpauth_uri", e.otpauthUri());
        return out;
    }
}
