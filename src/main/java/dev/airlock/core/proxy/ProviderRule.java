package dev.airlock.core.proxy;

/** What every provider rule says, whatever its kind: an operation, the scope it needs, and where its resources are. */
public sealed interface ProviderRule permits RestRule, GraphQlRule, McpRule {
    String scope();

    /** The operation by its shape, which the rule's scope and resources must agree with. */
    OperationShape shape();

    /** The {@code reason} of {@code resources: none}, or null when the rule lists its resources or has none. */
    String accountLevelReason();

    OperationShape.Resources resourcesDeclared();
}
