package dev.airlock.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.core.mcp.JsonRpc;
import io.vertx.core.MultiMap;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * MCP 2026-07-28 routing headers ({@code Mcp-Method}, {@code Mcp-Name}, {@code Mcp-Param-<name>}) must say what the
 * body says: the revision requires servers to check, and a disagreement is exactly how a header-routing upstream or
 * load balancer would run a tool other than the one decided on. The gateway never forwards them (it writes its own
 * upstream request), and refuses a request whose headers and body disagree with HTTP 400.
 */
final class McpRouting {
    static final String PARAM_PREFIX = "mcp-param-";

    private McpRouting() {}

    /** Why the routing headers disagree with {@code r}, or null when they agree or are absent. */
    static String disagreement(MultiMap headers, JsonRpc.Request r) {
        List<String> method = headers.getAll("Mcp-Method");
        if (method.size() > 1) return "send Mcp-Method once";
        if (method.size() == 1 && !method.get(0).trim().equals(r.method())) {
            return "the Mcp-Method header says " + printable(method.get(0)) + " and the body says " + r.method();
        }
        List<String> name = headers.getAll("Mcp-Name");
        if (name.size() > 1) return "send Mcp-Name once";
        if (name.size() == 1) {
            JsonNode inBody = r.params().get(r.method().equals("resources/read") ? "uri" : "name");
            String decoded = decode(name.get(0));
            if (inBody == null || !inBody.isTextual() || decoded == null || !decoded.equals(inBody.textValue())) {
                return "the Mcp-Name header does not name what the body's params name";
            }
        }
        JsonNode arguments = r.params().get("arguments");
        List<String> seen = new ArrayList<>();
        for (Map.Entry<String, String> h : headers) {
            String key = h.getKey().toLowerCase(Locale.ROOT);
            if (!key.startsWith(PARAM_PREFIX)) continue;
            String param = key.substring(PARAM_PREFIX.length());
            if (seen.contains(param)) return "send each Mcp-Param header once";
            seen.add(param);
            JsonNode value = argument(arguments, param);
            String decoded = decode(h.getValue());
            if (value == null || decoded == null || !decoded.equals(value.isTextual() ? value.textValue() : value.toString())) {
                return "the Mcp-Param-" + printable(param) + " header does not match the argument in the body";
            }
        }
        return null;
    }

    /** The argument named {@code param} (header names are case-insensitive); null if none or ambiguous. */
    private static JsonNode argument(JsonNode arguments, String param) {
        if (arguments == null || !arguments.isObject()) return null;
        JsonNode found = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = arguments.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().equalsIgnoreCase(param)) continue;
            if (found != null) return null;
            found = e.getValue();
        }
        return found;
    }

    /** A header value, plain or as {@code =?base64?...?=} (how the SDK sends values a header cannot carry). */
    private static String decode(String value) {
        String v = value.trim();
        if (v.startsWith("=?base64?") && v.endsWith("?=")) {
            try {
                return new String(Base64.getDecoder().decode(v.substring(9, v.length() - 2)), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return v;
    }

    private static String printable(String s) {
        return LogSafe.path(s.length() > 64 ? s.substring(0, 64) : s);
    }
}
