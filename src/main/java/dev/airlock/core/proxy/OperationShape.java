package dev.airlock.core.proxy;

import dev.airlock.core.policy.DestructiveWords;
import dev.airlock.core.policy.Scope;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What a provider operation is by its shape, whatever scope a provider file maps it to (DESIGN "What is destructive
 * (derived, not declared)"): an HTTP {@code DELETE}, a literal path segment or a GraphQL root field whose name has a
 * built-in destructive word ({@link DestructiveWords}) is destructive; any REST method but GET, HEAD and OPTIONS and
 * any GraphQL mutation can change state. The rules that follow from a shape live here, once, for the loader (which
 * locates them in the file) and for {@code airlock lint} (which re-derives them from the loaded rules).
 *
 * @param operation          {@code DELETE /v1/volumes/{id}}, {@code mutation volumeDelete}: how messages name it
 * @param changesState       not a safe method (RFC 9110 §9.2.1) or a GraphQL mutation
 * @param destructiveBecause what about the shape makes it destructive, in words; empty if nothing does
 */
public record OperationShape(String operation, boolean changesState, Optional<String> destructiveBecause) {
    /** RFC 9110 §9.2.1: the methods defined as safe (read-only). TRACE is never proxied. */
    static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");

    /** How a rule says where its resources come from. */
    public enum Resources {
        /** No {@code resources} key: the action is checked against the scope alone. */
        ABSENT,
        /** A list of sources. */
        LISTED,
        /** {@code resources: none} with a {@code reason}: an account-level action, listed by lint. */
        NONE
    }

    public OperationShape {
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(destructiveBecause, "destructiveBecause");
    }

    public static OperationShape rest(String method, PathTemplate path) {
        String operation = method + " " + path;
        boolean changes = !SAFE_METHODS.contains(method);
        if (method.equals("DELETE")) return new OperationShape(operation, changes, Optional.of("method DELETE"));
        for (String segment : path.literals()) {
            Optional<String> word = DestructiveWords.destructivePart(segment);
            if (word.isPresent()) {
                return new OperationShape(operation, changes, Optional.of("path segment '" + segment
                        + "' contains the destructive word '" + word.get() + "'"));
            }
        }
        return new OperationShape(operation, changes, Optional.empty());
    }

    public static OperationShape graphql(GraphQlRule.Operation kind, String field) {
        String operation = kind.keyword() + " " + field;
        boolean changes = switch (kind) {
            case MUTATION -> true;
            case QUERY -> false;
        };
        return new OperationShape(operation, changes, DestructiveWords.destructivePart(field)
                .map(w -> "field name '" + field + "' contains the destructive word '" + w + "'"));
    }

    /**
     * An MCP tool: opaque to us, so it is taken to change state whatever its name (every rule must then say where its
     * resources come from, or declare {@code resources: none}); destructive when a part of its name is a destructive
     * word ({@code delete_volume}, {@code volumeDelete}, {@code purge-cache}). The upstream's {@code destructiveHint}
     * is the third reading, known only at run time ({@link McpMapper}).
     */
    public static OperationShape mcp(String tool) {
        return new OperationShape(McpRule.describe(tool), true, DestructiveWords.destructivePart(tool)
                .map(w -> "tool name '" + tool + "' contains the destructive word '" + w + "'"));
    }

    public boolean destructive() {
        return destructiveBecause.isPresent();
    }

    /**
     * Why {@code scope} cannot serve this operation, or empty. A destructive shape needs a destructive scope: otherwise
     * an automatic token does what only people may approve (issue 12: {@code DELETE /v1/databases/{id}} mapped to
     * {@code db:write} let a staging token delete a production database).
     */
    public Optional<String> scopeProblem(Scope scope) {
        if (destructive() && !scope.destructive()) {
            return Optional.of(operation + " is destructive by its shape (" + destructiveBecause.get() + ") and may map"
                    + " only to a destructive scope, not the " + scope.risk().label() + " scope '" + scope.name() + "'");
        }
        return Optional.empty();
    }

    /**
     * Why the way a rule gives its resources is wrong for this operation mapped to {@code scope}, or empty. An action
     * without resources is checked against its scope alone, so a state-changing rule that forgets its resources lets a
     * staging token act on production: it must list them, or say in {@code resources: none} + {@code reason} that the
     * action really is account-wide. A destructive one never may: check refuses a destructive action that names no
     * resource ({@code resource_required}), so such a rule could only ever refuse.
     */
    public Optional<String> resourcesProblem(Scope scope, Resources resources) {
        boolean destructive = destructive() || scope.destructive();
        String what = destructive() ? "is destructive by its shape (" + destructiveBecause.get() + ")"
                : scope.destructive() ? "maps to the destructive scope '" + scope.name() + "'"
                : "can change state";
        return switch (resources) {
            case LISTED -> Optional.empty();
            case NONE -> destructive
                    ? Optional.of(operation + " " + what + " and cannot be resources: none: a destructive action is"
                    + " refused without a resource (resource_required), so name where its resources come from")
                    : Optional.empty();
            case ABSENT -> destructive || changesState
                    ? Optional.of(operation + " " + what + ", so it must say where its resources come from"
                    + (destructive ? "" : ", or declare resources: none with a reason if it is an account-level action")
                    + "; without resources it is checked against the scope alone, in every environment")
                    : Optional.empty();
        };
    }
}
