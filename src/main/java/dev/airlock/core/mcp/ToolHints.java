package dev.airlock.core.mcp;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What an upstream MCP server's {@code tools/list} says about a tool's risk (MCP 2025-06-18 §Tools, ToolAnnotations).
 *
 * <p>The specification's defaults would call every tool without annotations destructive ({@code destructiveHint}
 * defaults to true when {@code readOnlyHint} is false) and tells clients to treat annotations from untrusted servers
 * as untrusted. Airlock therefore never lets a hint lower a risk, and raises it only on an explicit
 * {@code destructiveHint: true} on a tool that does not also claim {@code readOnlyHint: true} (the spec says
 * destructiveHint is meaningful only when readOnlyHint is false). A tool without annotations is judged by its rule's
 * scope and its name alone, which every tool has: otherwise every unannotated write tool would be unusable without a
 * grant, and operators would learn to map everything to destructive scopes, which helps no one.
 */
public final class ToolHints {
    private ToolHints() {}

    /** True when the upstream announces {@code tool} (an element of {@code tools/list}'s {@code tools}) destructive. */
    public static boolean announcedDestructive(JsonNode tool) {
        JsonNode a = tool == null ? null : tool.get("annotations");
        if (a == null || !a.isObject()) return false;
        boolean destructive = a.path("destructiveHint").isBoolean() && a.get("destructiveHint").booleanValue();
        boolean readOnly = a.path("readOnlyHint").isBoolean() && a.get("readOnlyHint").booleanValue();
        return destructive && !readOnly;
    }
}
