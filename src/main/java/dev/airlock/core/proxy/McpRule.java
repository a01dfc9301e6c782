package dev.airlock.core.proxy;

import com.fasterxml.jackson.core.JsonPointer;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One MCP tool rule: calling the tool {@code tool} of a {@code kind: mcp} provider needs {@code scope} on the resources
 * found at the listed JSON pointers (RFC 6901) into the call's {@code arguments}, exactly as a GraphQL rule reads
 * arguments of a root field.
 *
 * @param accountLevelReason the {@code reason} of {@code resources: none}; null unless the rule says so
 */
public record McpRule(String tool, String scope, List<JsonPointer> resources, String accountLevelReason)
        implements ProviderRule {
    /**
     * Tool names as MCP 2025-11-25 §Tools "Tool names" recommends them: 1 to 128 characters of ASCII letters, digits,
     * '_', '-' and '.'. Anything else (spaces, Unicode look-alikes) is refused rather than compared loosely.
     */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,128}");

    public McpRule {
        Objects.requireNonNull(tool, "tool");
        Objects.requireNonNull(scope, "scope");
        resources = List.copyOf(resources);
        if (accountLevelReason != null && !resources.isEmpty()) {
            throw new IllegalArgumentException("resources: none and a list of resources");
        }
    }

    @Override
    public OperationShape shape() {
        return OperationShape.mcp(tool);
    }

    @Override
    public OperationShape.Resources resourcesDeclared() {
        if (accountLevelReason != null) return OperationShape.Resources.NONE;
        return resources.isEmpty() ? OperationShape.Resources.ABSENT : OperationShape.Resources.LISTED;
    }

    /** {@code tools/call delete_volume}, as actions, refusals and the audit log name it. */
    public String describe() {
        return describe(tool);
    }

    public static String describe(String tool) {
        return "tools/call " + tool;
    }
}
