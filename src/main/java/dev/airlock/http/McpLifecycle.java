package dev.airlock.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.core.mcp.JsonRpc;
import dev.airlock.core.oauth.GrantGuidance;
import dev.airlock.core.proxy.McpRule;
import dev.airlock.core.proxy.Provider;
import dev.airlock.core.proxy.ProxyAction;
import dev.airlock.core.proxy.ProxyVerdict;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the MCP gateway says itself: the lifecycle answers, its tool entries, and its refusals in words for a model. */
final class McpLifecycle {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String META = "dev.airlock/";

    private McpLifecycle() {}

    /**
     * MCP lifecycle "Version Negotiation": the client's version if the gateway speaks it, else the newest it speaks.
     * Only the {@code tools} capability: no resources, prompts, logging or completions are relayed (docs/decisions.md).
     */
    static ObjectNode initialize(ObjectNode params, String provider) {
        JsonNode asked = params.get("protocolVersion");
        String version = asked != null && asked.isTextual() && McpGatewayHandler.VERSIONS.contains(asked.textValue())
                ? asked.textValue() : McpGatewayHandler.VERSIONS.get(0);
        ObjectNode result = JsonNodeFactory.instance.objectNode();
        result.put("protocolVersion", version);
        result.putObject("capabilities").putObject("tools").put("listChanged", false);
        ObjectNode info = result.putObject("serverInfo");
        info.put("name", "airlock-gateway/" + provider);
        info.put("version", "1");
        result.put("instructions", "Airlock enforces this MCP server: each tool call is checked against your token's"
                + " environment and scopes. Destructive tools need a one-shot grant that people approve; a refusal says"
                + " how to ask for one. Never look for another credential.");
        return result;
    }

    /** Why {@code method} is answered -32601 here. */
    static String notServed(String method) {
        if (method.startsWith("resources/") || method.startsWith("prompts/") || method.startsWith("completion/")
                || method.equals("logging/setLevel")) {
            return "the Airlock MCP gateway relays tools only: " + method + " is not served, because no policy rule"
                    + " decides what resources, prompts or completions of the provider an agent may read";
        }
        return "method not found: the Airlock MCP gateway serves initialize, ping, tools/list and tools/call";
    }

    /**
     * A tool as the gateway lists it: the upstream's entry (description, schemas), with Airlock's risk: destructiveHint
     * never weaker than the upstream's, and {@code _meta} naming the scope and, for a destructive tool, how to get a grant.
     */
    static ObjectNode listed(ObjectNode upstream, McpRule rule, boolean destructive, String issuer, String environment) {
        ObjectNode tool = upstream.deepCopy();
        ObjectNode annotations = tool.get("annotations") instanceof ObjectNode a ? a : tool.putObject("annotations");
        if (destructive) {
            annotations.put("destructiveHint", true);
            annotations.put("readOnlyHint", false);
        }
        ObjectNode meta = tool.get("_meta") instanceof ObjectNode m ? m : tool.putObject("_meta");
        meta.put(META + "risk", destructive ? "destructive" : "allowed");
        meta.put(META + "scope", rule.scope());
        if (destructive) {
            meta.put(META + "grant", "this tool needs a one-shot grant token approved by people: POST " + issuer
                    + GrantGuidance.GRANTS_PATH + " with the environment (" + environment + "), scopes [\"" + rule.scope()
                    + "\"], the exact resources, a reason and the command; then call the tool with the grant token");
        }
        return tool;
    }

    /** The upstream's answer, under the client's id. Only its result or error crosses: nothing else it sent. */
    static ObjectNode relayed(JsonNode clientId, ObjectNode answer) {
        if (answer.has("result")) return JsonRpc.result(clientId, answer.get("result"));
        JsonNode e = answer.get("error");
        int code = e.path("code").canConvertToInt() ? e.path("code").intValue() : JsonRpc.INTERNAL_ERROR;
        String message = e.path("message").isTextual() ? e.path("message").textValue() : "the upstream refused the call";
        return JsonRpc.error(clientId, code, message, e.get("data"));
    }

    /** The refusal in words a model acts on: what was refused, and how to ask a human. */
    static String teach(ProxyVerdict v, String issuer) {
        StringBuilder m = new StringBuilder("Airlock refused this tool call: ").append(v.reason()).append('.');
        Map<String, Object> g = v.guidance();
        if (g != null && Boolean.TRUE.equals(g.get("agent_may_request"))) {
            Object fields = g.get("fields");
            String env = fields instanceof Map<?, ?> f ? String.valueOf(f.get("environment")) : "";
            Object scopes = fields instanceof Map<?, ?> f ? f.get("scopes") : List.of();
            m.append(" This needs approval by people: file a grant with POST ").append(issuer)
                    .append(GrantGuidance.GRANTS_PATH).append(" (authenticated with your agent credentials) with JSON")
                    .append(" {\"environment\":\"").append(env).append("\",\"scopes\":").append(json(scopes))
                    .append(",\"resources\":[\"<exact resource id>\"],\"reason\":\"<why>\",\"command\":\"<the tool call>\"},")
                    .append(" poll ").append(issuer).append("/oauth2/token with grant_type=")
                    .append(GrantGuidance.CIBA_GRANT_TYPE).append(" and the auth_req_id, then call the tool again with")
                    .append(" the one-shot grant token.");
        } else if (g != null) {
            m.append(" Only people can approve this, and this agent may not ask for it: stop and ask the person you"
                    + " work for.");
        } else {
            m.append(" If you need this, ask the person you work for.");
        }
        return m.append(" Do not look for another credential.").toString();
    }

    /** The proxy's refusal body, as the JSON-RPC error's {@code data}. */
    static JsonNode refusalData(Provider provider, ProxyVerdict v) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("code", v.code());
        out.put("reason", v.reason());
        out.put("provider", provider.name());
        if (!v.actions().isEmpty()) {
            List<Object> actions = new ArrayList<>();
            for (ProxyAction a : v.actions()) actions.add(action(a));
            out.put("actions", actions);
        }
        if (v.guidance() != null) out.put("grant_request", v.guidance());
        return JSON.valueToTree(out);
    }

    private static Map<String, Object> action(ProxyAction a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("operation", a.operation());
        m.put("scope", a.scope());
        m.put("resources", a.resources());
        return m;
    }

    private static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return "[]";
        }
    }
}
