package dev.airlock.core.proxy;

import com.fasterxml.jackson.core.JsonPointer;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.StrictYaml;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the {@code tools} of a {@code kind: mcp} provider file: {@code {tool: delete_volume, scope: volume:delete,
 * resources: [{argument: /volumeId}]}} or {@code resources: none} with a {@code reason}. The checks every rule gets are
 * {@link RuleChecks}', so MCP tools, REST paths and GraphQL fields can never disagree on what a shape allows.
 */
final class McpToolsSection {
    /** Pointers into {@code arguments}: a few steps, each a short name or index. */
    static final int MAX_POINTER = 256;

    private McpToolsSection() {}

    /** The rules, or null if any is wrong (all reported). */
    static List<McpRule> read(StrictYaml.Node node, Policy policy) {
        List<StrictYaml.Node> items = ProviderLoader.ruleItems(node);
        if (items == null) return null;
        List<McpRule> rules = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        boolean ok = true;
        for (StrictYaml.Node item : items) {
            McpRule rule = rule(item, policy);
            if (rule == null) {
                ok = false;
                continue;
            }
            // Case-folded: an upstream that matches tool names loosely must not find two rules for one tool.
            String first = seen.putIfAbsent(rule.tool().toLowerCase(java.util.Locale.ROOT), item.path());
            if (first != null) {
                item.error("tool " + rule.tool() + " is already mapped by " + first);
                ok = false;
                continue;
            }
            rules.add(rule);
        }
        return ok ? rules : null;
    }

    private static McpRule rule(StrictYaml.Node item, Policy policy) {
        StrictYaml.Fields f = item.fields(List.of("tool", "scope"), List.of("resources", "reason", "description"));
        if (f == null) return null;
        String tool = f.get("tool").name(McpRule.NAME, "MCP tool name (1 to 128 of A-Z a-z 0-9 _ . -)");
        String scope = ProviderLoader.knownScope(f.get("scope"), policy);
        RuleChecks.Declared declared = RuleChecks.declared(f);
        OperationShape shape = tool == null ? null : OperationShape.mcp(tool);
        boolean shapeOk = RuleChecks.shape(f, shape, scope, declared, policy);
        List<JsonPointer> resources = RuleChecks.listed(f) ? resources(f.get("resources")) : List.of();
        if (tool == null || scope == null || declared == null || !shapeOk || resources == null) return null;
        return new McpRule(tool, scope, resources, declared.reason());
    }

    private static List<JsonPointer> resources(StrictYaml.Node node) {
        List<StrictYaml.Node> items = node.list();
        if (items == null) return null;
        List<JsonPointer> out = new ArrayList<>();
        boolean ok = true;
        for (StrictYaml.Node item : items) {
            StrictYaml.Fields f = item.fields(List.of("argument"), List.of());
            String text = f == null ? null : f.get("argument").string();
            if (text == null) {
                ok = false;
                continue;
            }
            if (text.length() > MAX_POINTER || !text.startsWith("/") || text.equals("/")) {
                f.get("argument").error("an argument is a JSON pointer (RFC 6901) into the call's arguments, such as"
                        + " /volumeId or /target/id, of at most " + MAX_POINTER + " characters");
                ok = false;
                continue;
            }
            try {
                out.add(JsonPointer.compile(text));
            } catch (IllegalArgumentException e) {
                f.get("argument").error("malformed JSON pointer: " + e.getMessage());
                ok = false;
            }
        }
        return ok ? out : null;
    }
}
