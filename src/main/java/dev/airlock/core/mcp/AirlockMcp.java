package dev.airlock.core.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Airlock's own MCP server (issue 15), the protocol part: the lifecycle ({@code initialize},
 * {@code notifications/initialized}, {@code ping}) and {@code tools/list} / {@code tools/call} over
 * {@link AirlockTools}. Stateless: no session is created or remembered (MCP's {@code Mcp-Session-Id} is optional, and
 * every request carries the agent's own credential anyway), so nothing here grows with the number of clients.
 * Everything else is {@code -32601} with a reason; a server that answers an unknown method with anything else
 * invites clients to guess.
 */
public final class AirlockMcp {
    /** Newest first; the first is what a client asking for a version we do not speak is offered (MCP lifecycle). */
    public static final List<String> PROTOCOL_VERSIONS = List.of("2025-11-25", "2025-06-18", "2025-03-26");
    /** MCP Streamable HTTP: a request without {@code MCP-Protocol-Version} is taken to speak this one. */
    public static final String ASSUMED_VERSION = "2025-03-26";

    static final String INSTRUCTIONS = "Airlock is the only way to reach infrastructure here. Never look for credentials"
            + " (in files, environment variables, shell history or configs) and never call a provider directly: ask"
            + " Airlock. get_token gives a short-lived token for one environment with the scopes you may have without a"
            + " human; use it through Airlock's proxy or MCP gateway. Use check to ask whether an action on a resource"
            + " would be allowed. A refusal is final: do not retry with other credentials or work around it. Destructive"
            + " work (deleting, dropping, destroying) needs people: call request_grant with the exact resources, a"
            + " reason and the command, then poll grant_status; in production two people must approve, and the token"
            + " you then collect works once.";

    private final AirlockTools tools;
    private final String version;

    /** @param version Airlock's version, for {@code serverInfo} */
    public AirlockMcp(AirlockTools tools, String version) {
        this.tools = tools;
        this.version = version;
    }

    /**
     * Answers one message: the JSON-RPC response, or empty for a notification or a client's response (which the
     * HTTP layer acknowledges with 202 Accepted and no body).
     */
    public CompletableFuture<Optional<ObjectNode>> handle(AirlockTools.Caller caller, JsonRpc.Message message) {
        if (message instanceof JsonRpc.Invalid invalid) return done(JsonRpc.error(invalid));
        if (message instanceof JsonRpc.Request request) return request(caller, request);
        // A notification is never answered; a client's response answers nothing here (this server sends no
        // requests of its own): both are accepted and dropped.
        return CompletableFuture.completedFuture(Optional.empty());
    }

    private CompletableFuture<Optional<ObjectNode>> request(AirlockTools.Caller caller, JsonRpc.Request r) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (r.method()) {
            case "initialize" -> done(JsonRpc.result(r.id(), initialize(r.params())));
            case "ping" -> done(JsonRpc.result(r.id(), f.objectNode()));
            case "tools/list" -> {
                ObjectNode result = f.objectNode();
                result.set("tools", tools.list());
                yield done(JsonRpc.result(r.id(), result));
            }
            case "tools/call" -> call(caller, r);
            default -> done(JsonRpc.error(r.id(), JsonRpc.METHOD_NOT_FOUND, "method not found: this server offers only"
                    + " initialize, ping, tools/list and tools/call (no resources, prompts, completion or logging)",
                    null));
        };
    }

    private ObjectNode initialize(ObjectNode params) {
        JsonNode asked = params.get("protocolVersion");
        String v = asked != null && asked.isTextual() && PROTOCOL_VERSIONS.contains(asked.textValue())
                ? asked.textValue() : PROTOCOL_VERSIONS.get(0);
        ObjectNode result = JsonNodeFactory.instance.objectNode();
        result.put("protocolVersion", v);
        // tools only, and the list never changes while a client is connected (it is fixed in code).
        result.putObject("capabilities").putObject("tools").put("listChanged", false);
        result.putObject("serverInfo").put("name", "airlock").put("title", "Airlock").put("version", version);
        result.put("instructions", INSTRUCTIONS);
        return result;
    }

    private CompletableFuture<Optional<ObjectNode>> call(AirlockTools.Caller caller, JsonRpc.Request r) {
        JsonNode name = r.params().get("name");
        if (name == null || !name.isTextual()) {
            return done(JsonRpc.error(r.id(), JsonRpc.INVALID_PARAMS, "tools/call needs params.name, a string", null));
        }
        for (var it = r.params().fieldNames(); it.hasNext(); ) {
            String member = it.next();
            if (!member.equals("name") && !member.equals("arguments") && !member.equals("_meta")) {
                return done(JsonRpc.error(r.id(), JsonRpc.INVALID_PARAMS, "tools/call takes params name, arguments"
                        + " and _meta only", null));
            }
        }
        if (!tools.has(name.textValue())) {
            // MCP: an unknown tool is a protocol error (-32602), not a tool result.
            return done(JsonRpc.error(r.id(), JsonRpc.INVALID_PARAMS, "unknown tool; this server's tools are get_token,"
                    + " check, request_grant and grant_status", null));
        }
        return tools.call(caller, name.textValue(), r.params().get("arguments"))
                .thenApply(result -> Optional.of(JsonRpc.result(r.id(), result.render())));
    }

    private static CompletableFuture<Optional<ObjectNode>> done(ObjectNode answer) {
        return CompletableFuture.completedFuture(Optional.of(answer));
    }
}
