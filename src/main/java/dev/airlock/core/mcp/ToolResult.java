package dev.airlock.core.mcp;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * What a {@code tools/call} answers (MCP "Tool Result"): a summary for the model as text content, the same facts as
 * {@code structuredContent}, and {@code isError} for a refusal. A refusal is a tool result, not a JSON-RPC error: MCP
 * shows tool errors to the model so that it can act on them, while JSON-RPC errors are for protocol faults.
 */
public record ToolResult(boolean isError, String text, ObjectNode structured) {
    public ToolResult {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(structured, "structured");
    }

    static ToolResult ok(String text, ObjectNode structured) {
        return new ToolResult(false, text, structured);
    }

    static ToolResult refused(String text, ObjectNode structured) {
        return new ToolResult(true, text, structured);
    }

    /** {@code {content: [{type: text, text}], structuredContent, isError}}. */
    public ObjectNode render() {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.putArray("content").addObject().put("type", "text").put("text", text);
        out.set("structuredContent", structured);
        out.put("isError", isError);
        return out;
    }
}
