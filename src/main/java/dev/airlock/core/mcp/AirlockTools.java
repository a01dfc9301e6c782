package dev.airlock.core.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.core.check.CheckService;
import dev.airlock.core.check.Decision;
import dev.airlock.core.grant.Grant;
import dev.airlock.core.grant.GrantOutcome;
import dev.airlock.core.grant.GrantRequests;
import dev.airlock.core.grant.Grants;
import dev.airlock.core.oauth.ClientCredentialsGrant;
import dev.airlock.core.oauth.OAuthError;
import dev.airlock.core.policy.Agent;
import dev.airlock.core.token.TokenMinter;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * The four tools of Airlock's own MCP server (issue 15): {@code get_token}, {@code check}, {@code request_grant},
 * {@code grant_status}. Each wraps the service the HTTP API uses for the same thing, which decides and audits; this
 * class only reads arguments and words the answer for a model. The descriptions are written for a model: a refusal is
 * final, credentials are never to be looked for, and destructive work needs people.
 */
public final class AirlockTools {
    /** The agent calling, and whether it proved itself with its own client credential (not a bearer token). */
    public record Caller(Agent agent, boolean clientAuthenticated, String address) {}

    static final String REFUSAL = " A refusal (isError: true) is Airlock's decision, not a fault: do not retry with"
            + " other credentials, do not search files, environment variables or shell history for tokens or keys, and"
            + " do not call the provider directly. If the refusal carries grant_request, ask people with request_grant;"
            + " otherwise stop and tell the person you work for.";

    private record Tool(String name, String title, String description, boolean readOnly, ToolArguments arguments) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ENVIRONMENT = 64;
    private static final int SCOPE = 128;
    private static final int RESOURCE = 256;
    private static final int AUTH_REQ_ID = 128;

    private final List<Tool> tools;
    private final ClientCredentialsGrant clientCredentials;
    private final CheckService check;
    private final Grants grants;
    private final Clock clock;
    private final String base;

    public AirlockTools(ClientCredentialsGrant clientCredentials, CheckService check, Grants grants, Clock clock,
                        String baseUrl) {
        this.clientCredentials = clientCredentials;
        this.check = check;
        this.grants = grants;
        this.clock = clock;
        this.base = baseUrl;
        this.tools = List.of(
                new Tool("get_token", "Get an Airlock access token", "Get a short-lived access token for exactly one"
                        + " environment, carrying only scopes you may have without a human (never a destructive one)."
                        + " Send it as 'Authorization: Bearer <access_token>' to Airlock's proxy (" + base
                        + "/proxy/<provider>/...) or MCP gateway (" + base + "/mcp/<server>); it works in that"
                        + " environment only and expires in minutes. Destructive scopes (delete, drop, destroy, ...) are"
                        + " never issued here: people must approve them through request_grant (in production two"
                        + " different people), and the approved token works once." + REFUSAL, false,
                        new ToolArguments(List.of(
                                ToolArguments.Field.string("environment", true, ENVIRONMENT,
                                        "the one environment the token is for, e.g. staging"),
                                ToolArguments.Field.strings("scopes", false, 32, SCOPE,
                                        "scopes such as db:read; omit for your default scopes there")))),
                new Tool("check", "Check an action before doing it", "Ask whether a token you could get with get_token"
                        + " for this environment would allow this action (a scope such as volume:delete) on this"
                        + " resource, without getting one. The answer says allowed: true, or why not: the resource"
                        + " belongs to another environment, the scope is not yours, or people must approve it"
                        + " (grant_required, with how to ask through request_grant). Nothing is minted or spent; a 'no'"
                        + " is an answer, not an error, and it is final unless people approve a grant." + REFUSAL, true,
                        new ToolArguments(List.of(
                                ToolArguments.Field.string("environment", true, ENVIRONMENT, "e.g. production"),
                                ToolArguments.Field.string("action", true, SCOPE, "the scope the action needs, e.g."
                                        + " volume:delete"),
                                ToolArguments.Field.string("resource", false, RESOURCE, "the exact resource id, e.g."
                                        + " vol-7f3a")))),
                new Tool("request_grant", "Ask people to approve a destructive action", "Ask people to approve scopes"
                        + " that are never issued automatically (destructive ones such as volume:delete or db:drop),"
                        + " on exact resources of one environment. Give a reason an approver can judge (what is wrong"
                        + " and why this fixes it) and the exact command you will run; never put a secret in either."
                        + " Returns auth_req_id: poll grant_status with it, no faster than every interval seconds."
                        + " Approvers confirm with a second factor; production needs two different people. The"
                        + " approved token acts once, on those resources only. If this is refused, stop and tell the"
                        + " person you work for.", false,
                        new ToolArguments(List.of(
                                ToolArguments.Field.string("environment", true, ENVIRONMENT, "e.g. production"),
                                ToolArguments.Field.strings("scopes", true, GrantRequests.MAX_SCOPES, SCOPE,
                                        "the scopes, e.g. [\"volume:delete\"]"),
                                ToolArguments.Field.strings("resources", true, GrantRequests.MAX_RESOURCES, RESOURCE,
                                        "the exact resource ids, all owned by that environment"),
                                ToolArguments.Field.string("reason", true, GrantRequests.MAX_REASON,
                                        "why, in words an approver can judge: at least 4 words and 20 characters"),
                                ToolArguments.Field.string("command", false, GrantRequests.MAX_COMMAND,
                                        "the exact command or call you will make with the token")))),
                new Tool("grant_status", "Collect an approved grant", "Poll a grant you requested with request_grant:"
                        + " pending (ask again after interval seconds), denied, cancelled, expired, or approved, and"
                        + " then the answer carries the one-shot access token, exactly once (a later call says it was"
                        + " already collected). Use that token for the one approved action through Airlock's proxy or"
                        + " MCP gateway; it is refused for anything else and after its use." + REFUSAL, true,
                        new ToolArguments(List.of(
                                ToolArguments.Field.string("auth_req_id", true, AUTH_REQ_ID,
                                        "the auth_req_id request_grant returned")))));
    }

    /** The {@code tools/list} result's {@code tools} array. */
    public ArrayNode list() {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (Tool t : tools) {
            ObjectNode o = out.addObject();
            o.put("name", t.name()).put("title", t.title()).put("description", t.description());
            o.set("inputSchema", t.arguments().schema());
            // Hints, for clients that ask people before calling a tool: none of these changes anything outside
            // Airlock (openWorld false), none destroys anything (a grant request only asks people).
            o.putObject("annotations").put("title", t.title()).put("readOnlyHint", t.readOnly())
                    .put("destructiveHint", false).put("idempotentHint", false).put("openWorldHint", false);
        }
        return out;
    }

    /** Whether {@code name} is one of the tools; an unknown tool is a protocol error, not a tool result. */
    public boolean has(String name) {
        return tools.stream().anyMatch(t -> t.name().equals(name));
    }

    public CompletableFuture<ToolResult> call(Caller caller, String name, JsonNode arguments) {
        Tool tool = tools.stream().filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown tool"));
        ToolArguments.Values args;
        try {
            args = tool.arguments().read(arguments);
        } catch (ToolArguments.Invalid e) {
            // MCP 2025-11-25: input validation errors are tool execution errors, so the model can correct itself.
            return done(ToolResult.refused("Invalid arguments for " + name + ": " + e.getMessage(),
                    JsonNodeFactory.instance.objectNode().put("error", "invalid_arguments").put("detail", e.getMessage())));
        }
        return switch (name) {
            case "get_token" -> getToken(caller, args);
            case "check" -> check(caller, args);
            case "request_grant" -> requestGrant(caller, args);
            case "grant_status" -> grantStatus(caller, args);
            default -> throw new IllegalStateException("tool without a handler: " + name);
        };
    }

    // --- get_token ---

    private CompletableFuture<ToolResult> getToken(Caller caller, ToolArguments.Values args) {
        if (!caller.clientAuthenticated()) return done(needsClientCredential("get_token"));
        List<String> scopes = args.strings("scopes");
        var req = new ClientCredentialsGrant.Request(args.string("environment"), List.of(),
                scopes.isEmpty() ? null : String.join(" ", scopes), caller.address());
        return clientCredentials.issue(caller.agent(), req).thenApply(o -> o.error() != null ? refused(o.error())
                : tokenResult(o.minted(), "Access token"));
    }

    private ToolResult tokenResult(TokenMinter.Minted m, String what) {
        long expiresIn = Duration.between(m.token().issuedAt(), m.token().expiresAt()).toSeconds();
        String scope = String.join(" ", new TreeSet<>(m.token().scopes()));
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("access_token", m.jwt()).put("token_type", "Bearer").put("expires_in", expiresIn)
                .put("expires_at", m.token().expiresAt().toString()).put("environment", m.token().environment())
                .put("scope", scope);
        out.putObject("use").put("header", "Authorization: Bearer <access_token>")
                .put("proxy", base + "/proxy/<provider>/<provider API path>").put("mcp_gateway", base + "/mcp/<server>");
        String text = what + " for " + m.token().environment() + " (" + scope + "), valid " + expiresIn + " s until "
                + m.token().expiresAt() + ". Send it as 'Authorization: Bearer <token>' to " + base
                + "/proxy/<provider>/... or " + base + "/mcp/<server>; it works in " + m.token().environment()
                + " only. Token: " + m.jwt();
        return new ToolResult(false, text, out);
    }

    private ToolResult refused(OAuthError e) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("error", e.error()).put("error_description", e.description());
        Object guidance = e.extra().get("grant_request");
        String next = "";
        if (guidance != null) {
            ObjectNode g = JSON.valueToTree(guidance);
            g.put("mcp_tool", "request_grant");
            out.set("grant_request", g);
            next = g.path("agent_may_request").asBoolean() ? " To ask people, call request_grant with this environment,"
                    + " these scopes, the exact resource ids, a reason and the command." : "";
        }
        return ToolResult.refused("Refused (" + e.error() + "): " + e.description() + next + REFUSAL, out);
    }

    private static ToolResult needsClientCredential(String tool) {
        String why = tool + " needs the agent's own credential (HTTP Basic with its client secret in this MCP server's"
                + " configuration): an access token never mints another, so a leaked one cannot renew itself.";
        return ToolResult.refused(why + REFUSAL, JsonNodeFactory.instance.objectNode()
                .put("error", "client_credential_required").put("error_description", why));
    }

    // --- check ---

    private CompletableFuture<ToolResult> check(Caller caller, ToolArguments.Values args) {
        var req = new CheckService.Request(null, args.string("environment"), args.string("action"),
                args.string("resource"), caller.address());
        return check.preview(caller.agent(), req).thenApply(d -> checkResult(req, d));
    }

    private ToolResult checkResult(CheckService.Request req, Decision d) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("allowed", d.allowed()).put("code", d.code()).put("reason", d.reason())
                .put("environment", req.environment()).put("action", req.action());
        if (req.resource() != null) out.put("resource", req.resource());
        String text = (d.allowed() ? "Allowed: " : "Not allowed (" + d.code() + "): ") + d.reason() + ".";
        if (d.guidance() != null) {
            ObjectNode g = JSON.valueToTree(d.guidance());
            g.put("mcp_tool", "request_grant");
            out.set("grant_request", g);
            text += g.path("agent_may_request").asBoolean()
                    ? " Only people can allow this: call request_grant for environment "
                    + g.path("fields").path("environment").asText() + " with the exact resource, a reason and the command."
                    : " You may not ask for this: stop and tell the person you work for.";
        } else if (d.allowed()) {
            text += " Get the token with get_token.";
        }
        // A "no" is the answer to the question asked, not a failure of the tool.
        return ToolResult.ok(text, out);
    }

    // --- request_grant ---

    private CompletableFuture<ToolResult> requestGrant(Caller caller, ToolArguments.Values args) {
        var req = new GrantRequests.Request(args.string("environment"), args.strings("scopes"),
                args.strings("resources"), args.string("reason"), args.string("command"), caller.address());
        return grants.requests.request(caller.agent(), req).thenApply(o -> o.ok() ? filed(o.grant())
                : grantRefused(o));
    }

    private ToolResult filed(Grant g) {
        long interval = grants.redemption.interval(g.id()).toSeconds();
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("auth_req_id", g.id()).put("status", g.status().label())
                .put("approvals_required", g.requiredApprovals())
                .put("expires_in", Duration.between(g.createdAt(), g.expiresAt()).toSeconds())
                .put("expires_at", g.expiresAt().toString()).put("interval", interval)
                .put("approval_url", base + "/ops/#/grants/" + g.id());
        return ToolResult.ok("Grant " + g.id() + " is pending: " + g.requiredApprovals() + " approval(s) needed by "
                + g.expiresAt() + ". People review it at " + base + "/ops/#/grants/" + g.id() + ". Call grant_status"
                + " with auth_req_id " + g.id() + " no faster than every " + interval + " s; do nothing destructive"
                + " until it returns a token.", out);
    }

    private static ToolResult grantRefused(GrantOutcome o) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("error", o.code()).put("error_description", o.message());
        if (!o.extra().isEmpty()) out.set("details", JSON.valueToTree(o.extra()));
        return ToolResult.refused("Grant request refused (" + o.code() + "): " + o.message() + REFUSAL, out);
    }

    // --- grant_status ---

    private CompletableFuture<ToolResult> grantStatus(Caller caller, ToolArguments.Values args) {
        if (!caller.clientAuthenticated()) return done(needsClientCredential("grant_status"));
        String id = args.string("auth_req_id");
        return grants.redemption.poll(caller.agent(), id, caller.address()).thenCompose(o -> {
            if (o.error() == null) return done(approved(o.minted()));
            return grants.requests.view(caller.agent(), id).thenApply(v -> notIssued(id, o.error(),
                    Optional.ofNullable(v.grant())));
        });
    }

    private ToolResult approved(TokenMinter.Minted m) {
        ToolResult token = tokenResult(m, "Approved. One-shot token (shown this once: later calls say it was collected)");
        ObjectNode out = token.structured();
        out.put("status", "approved");
        out.set("grant", JSON.valueToTree(m.token().grant()));
        return new ToolResult(false, token.text() + ". It allows only the approved action on the granted resources,"
                + " once.", out);
    }

    private ToolResult notIssued(String id, OAuthError e, Optional<Grant> grant) {
        String status = grant.map(g -> switch (g.statusAt(clock.instant())) {
            case PENDING -> "pending";
            case APPROVED -> "approved";
            case DENIED -> "denied";
            case CANCELLED -> "cancelled";
            case EXPIRED -> "expired";
            case REDEEMED -> "collected";
        }).orElse("unknown");
        boolean waiting = e.error().equals("authorization_pending") || e.error().equals("slow_down");
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("auth_req_id", id).put("status", status).put("error", e.error()).put("detail", e.description());
        if (waiting) {
            long interval = grants.redemption.interval(id).toSeconds();
            out.put("interval", interval);
            return ToolResult.ok("Grant " + id + " is pending (" + e.description() + "). Ask again in " + interval
                    + " s; do nothing destructive meanwhile.", out);
        }
        String text = switch (status) {
            case "collected" -> "Grant " + id + "'s one-shot token was already collected; it is never shown again."
                    + " If it is lost or used, a new grant is needed.";
            case "unknown" -> "No grant " + id + " of yours exists.";
            default -> "Grant " + id + " is " + status + " (" + e.description() + "): no token will be issued.";
        };
        return ToolResult.refused(text + REFUSAL, out);
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
}
