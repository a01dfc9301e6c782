package dev.airlock.core.proxy;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.check.CheckService;
import dev.airlock.core.check.Decision;
import dev.airlock.core.token.AccessToken;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The enforcement proxy's decision (DESIGN flow 4): who asks (the Airlock token), what the request would do (the
 * provider's mapping), and whether every action of it is allowed, decided by the same rules as {@code /v1/check}.
 * Then the provider's credential is read, a grant token's uses are spent, and the call is audited, in that order,
 * before the HTTP layer forwards anything or answers. Every call that reaches the proxy is exactly one
 * {@value #AUDIT_TYPE} audit event; bodies and credentials are never in it.
 *
 * <p>The credential is read only for a request that is allowed, and before a grant use is spent: a proxy that cannot
 * authenticate upstream must not burn a one-shot grant on a call it will not make.
 */
public final class ProxyGate {
    public static final String AUDIT_TYPE = "proxy";
    /** Request paths in the audit log are cut here; query strings are never audited (they may carry API keys). */
    static final int AUDIT_PATH_MAX = 200;
    private static final Set<String> UNAUTHENTICATED = Set.of("token_invalid", "token_expired", "token_revoked",
            "agent_disabled", "wrong_audience");

    private final CheckService check;
    private final AuditSink audit;
    private final Map<String, String> environment;

    /**
     * @param environment where {@code credential: {env: NAME}} is read from: {@code System.getenv()} in production
     */
    public ProxyGate(CheckService check, AuditSink audit, Map<String, String> environment) {
        this.check = Objects.requireNonNull(check, "check");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.environment = Map.copyOf(environment);
    }

    /** The call as the HTTP layer saw it, for the audit log: no body, no query string, no headers. */
    public record Call(String provider, String method, String rawPath, String address) {}

    /**
     * Decides one request and audits the verdict; completes once the audit event is durable.
     *
     * @param token the Airlock access token from {@code Authorization: Bearer}
     */
    public CompletableFuture<ProxyVerdict> admit(String token, Provider provider, ProxyRequest request, String address) {
        Call call = new Call(provider.name(), request.method(), request.rawPath(), address);
        return decide(call, null, token, provider, provider.map(request));
    }

    /**
     * Decides one MCP {@code tools/call} at the gateway {@code gateway} ({@code <issuer>/mcp/<provider>}), by the same
     * steps as a proxied request: map, decide every action for the token's environment, read the credential, spend a
     * grant use, audit. One {@value #AUDIT_TYPE} event per call, method {@code tools/call}.
     *
     * @param arguments the call's {@code arguments}, or null when absent
     * @param hint      the upstream announces the tool as destructive ({@code destructiveHint})
     */
    public CompletableFuture<ProxyVerdict> admitTool(String token, Provider provider, String gateway, String tool,
                                                     com.fasterxml.jackson.databind.JsonNode arguments, boolean hint,
                                                     String address) {
        if (!(provider.mapper() instanceof McpMapper mcp)) throw new IllegalArgumentException("not an MCP provider");
        Call call = new Call(provider.name(), "tools/call", "/mcp/" + provider.name(), address);
        return decide(call, Objects.requireNonNull(gateway, "gateway"), token, provider, mcp.mapCall(tool, arguments, hint));
    }

    /**
     * The audited refusal of a tool call that is refused whatever its upstream announces, decided without asking the
     * upstream anything; null when the call could be allowed, so that the upstream's annotations must be read and the
     * call decided by {@link #admitTool}. Sound because an upstream's {@code destructiveHint} can only make a call
     * stricter: a call refused without it is refused with it. So a call on another environment's resource is refused
     * at once even while the upstream (or its credential) is unavailable, and the upstream hears nothing of it.
     */
    public CompletableFuture<ProxyVerdict> refusedWhateverTheUpstreamSays(String token, Provider provider,
                                                                         String gateway, String tool,
                                                                         com.fasterxml.jackson.databind.JsonNode arguments,
                                                                         String address) {
        if (!(provider.mapper() instanceof McpMapper mcp)) throw new IllegalArgumentException("not an MCP provider");
        MappingResult mapping = mcp.mapCall(tool, arguments, false);
        if (mapping instanceof MappingResult.Mapped m) {
            List<CheckService.Item> items = new ArrayList<>();
            itemsOf(m.actions(), items, new ArrayList<>());
            if (check.decideAll(token, Objects.requireNonNull(gateway, "gateway"), items).decision().allowed()) {
                return null;
            }
        }
        Call call = new Call(provider.name(), "tools/call", "/mcp/" + provider.name(), address);
        return decide(call, gateway, token, provider, mapping);
    }

    /** @param gateway the MCP gateway's URL, whose audience tokens must carry; null for the proxy */
    private CompletableFuture<ProxyVerdict> decide(Call call, String gateway, String token, Provider provider,
                                                   MappingResult mapping) {
        String address = call.address();
        if (mapping instanceof MappingResult.Refused r) {
            // Who asks comes first: a caller without a valid token learns nothing about the mapping rules.
            Decision who = check.authenticate(token, gateway);
            ProxyVerdict v = who.allowed()
                    ? new ProxyVerdict(ProxyVerdict.Kind.FORBIDDEN, r.code(), r.reason(), null, List.of(), null,
                    who.token(), null)
                    : refusal(who, List.of(), null);
            return audited(call, v);
        }
        List<ProxyAction> actions = ((MappingResult.Mapped) mapping).actions();
        List<CheckService.Item> items = new ArrayList<>();
        List<ProxyAction> itemAction = new ArrayList<>();
        itemsOf(actions, items, itemAction);
        CheckService.Outcome outcome = check.decideAll(token, gateway, items);
        if (!outcome.decision().allowed()) {
            ProxyAction on = outcome.refused() < 0 ? null : itemAction.get(outcome.refused());
            return audited(call, refusal(outcome.decision(), actions, on));
        }
        ProxyVerdict.Credential credential;
        try {
            credential = credential(provider);
        } catch (CredentialSource.Unavailable e) {
            return audited(call, new ProxyVerdict(ProxyVerdict.Kind.CREDENTIAL_UNAVAILABLE, "credential_unavailable",
                    e.getMessage(), null, actions, null, outcome.decision().token(), null));
        }
        return check.spend(outcome.decision(), items, address).thenCompose(d -> audited(call, d.allowed()
                ? new ProxyVerdict(ProxyVerdict.Kind.FORWARD, d.code(), d.reason(), null, actions, null, d.token(),
                credential)
                : refusal(d, actions, actions.size() == 1 ? actions.get(0) : null)));
    }

    /**
     * What {@code /v1/check} decides for these actions: one item per scope and resource (one without a resource for an
     * action that names none), and beside each, in {@code itemAction}, the action it came from.
     */
    private static void itemsOf(List<ProxyAction> actions, List<CheckService.Item> items, List<ProxyAction> itemAction) {
        for (ProxyAction a : actions) {
            if (a.resources().isEmpty()) {
                items.add(new CheckService.Item(a.scope(), null));
                itemAction.add(a);
            }
            for (String resource : a.resources()) {
                items.add(new CheckService.Item(a.scope(), resource));
                itemAction.add(a);
            }
        }
    }

    /**
     * Whether a refusal {@code code} means there is no usable token at all (RFC 6750 §3.1 invalid_token: missing,
     * malformed, expired, revoked, or for another audience), as opposed to a usable token that may not do this.
     */
    public static boolean unauthenticated(String code) {
        return UNAUTHENTICATED.contains(code);
    }

    /**
     * Whether {@code token} is usable at the MCP gateway {@code gateway} at all (before anything it asks is decided):
     * the gateway answers 401 with its metadata URL when not (MCP authorization, RFC 9728 §5.1).
     */
    public Decision authenticate(String token, String gateway) {
        return check.authenticate(token, gateway);
    }

    /**
     * The provider's credential as the header to add upstream. Also for the MCP gateway's own calls to its upstream
     * ({@code initialize}, {@code tools/list}), which no agent's action causes directly.
     *
     * @throws CredentialSource.Unavailable with a reason for the operator, never the value
     */
    public ProxyVerdict.Credential credential(Provider provider) throws CredentialSource.Unavailable {
        try {
            String value = provider.credential().resolve(environment);
            return new ProxyVerdict.Credential(provider.injection().header(), provider.injection().render(value));
        } catch (CredentialSource.Unavailable e) {
            throw new CredentialSource.Unavailable("the credential for provider " + provider.name() + " is unavailable: "
                    + e.getMessage() + "; the operator of this Airlock must provide it");
        } catch (IllegalArgumentException e) {
            throw new CredentialSource.Unavailable("the credential for provider " + provider.name() + " ("
                    + provider.credential() + ") cannot go in a header");
        }
    }

    /**
     * Audits a call the HTTP layer refused before it could be decided here (no token, unknown provider, body over the
     * limit, a malformed request target), so that every call to the proxy is in the audit log.
     */
    public CompletableFuture<Void> refusedEarly(Call call, String code, String reason) {
        AuditEvent.Builder e = event(call).with("allowed", false).with("code", code).with("reason", reason);
        return audit.append(e.build());
    }

    private static ProxyVerdict refusal(Decision d, List<ProxyAction> actions, ProxyAction on) {
        ProxyVerdict.Kind kind = UNAUTHENTICATED.contains(d.code()) ? ProxyVerdict.Kind.UNAUTHENTICATED
                : ProxyVerdict.Kind.FORBIDDEN;
        return new ProxyVerdict(kind, d.code(), d.reason(), d.guidance(), actions, on, d.token(), null);
    }

    private CompletableFuture<ProxyVerdict> audited(Call call, ProxyVerdict v) {
        AuditEvent.Builder e = event(call).with("allowed", v.forward()).with("code", v.code()).with("reason", v.reason());
        if (!v.actions().isEmpty()) {
            Set<String> operations = new LinkedHashSet<>();
            Set<String> scopes = new LinkedHashSet<>();
            Set<String> resources = new LinkedHashSet<>();
            for (ProxyAction a : v.actions()) {
                operations.add(a.operation());
                scopes.add(a.scope());
                resources.addAll(a.resources());
            }
            e.with("operations", List.copyOf(operations)).with("scopes", List.copyOf(scopes))
                    .with("resources", List.copyOf(resources));
        }
        if (v.refused() != null) e.with("refused_operation", v.refused().operation());
        AccessToken t = v.token();
        if (t != null) {
            e.with("client_id", t.clientId()).with("env", t.environment()).with("jti", t.jti());
            if (t.grant() != null) e.with("grant", String.valueOf(t.grant().get("id")));
        }
        return audit.append(e.build()).thenApply(x -> v);
    }

    private static AuditEvent.Builder event(Call call) {
        return AuditEvent.of(AUDIT_TYPE).with("provider", RequestChecks.printable(call.provider(), 64))
                .with("method", RequestChecks.printable(call.method(), 16))
                .with("path", RequestChecks.printable(call.rawPath(), AUDIT_PATH_MAX))
                .with("address", call.address());
    }
}
