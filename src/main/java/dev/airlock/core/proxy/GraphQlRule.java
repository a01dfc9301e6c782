package dev.airlock.core.proxy;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One GraphQL rule: the root field {@code field} of a {@code query} or {@code mutation} needs {@code scope} on
 * the resources named by the listed arguments.
 *
 * @param accountLevelReason the {@code reason} of {@code resources: none}; null unless the rule says so, in which case
 *                           {@code resources} is empty
 */
public record GraphQlRule(Operation operation, String field, String scope, List<ArgPath> resources,
                          String accountLevelReason) implements ProviderRule {
    /** GraphQL names (spec §2.1.9); names starting with "__" are reserved for introspection. */
    static final Pattern NAME = Pattern.compile("[_A-Za-z][_0-9A-Za-z]{0,127}");

    public enum Operation {
        QUERY, MUTATION;

        public String keyword() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public GraphQlRule {
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(scope, "scope");
        resources = List.copyOf(resources);
        if (accountLevelReason != null && !resources.isEmpty()) {
            throw new IllegalArgumentException("resources: none and a list of resources");
        }
    }

    @Override
    public OperationShape shape() {
        return OperationShape.graphql(operation, field);
    }

    @Override
    public OperationShape.Resources resourcesDeclared() {
        if (accountLevelReason != null) return OperationShape.Resources.NONE;
        return resources.isEmpty() ? OperationShape.Resources.ABSENT : OperationShape.Resources.LISTED;
    }

    /**
     * An argument, or a field inside an input-object argument: {@code volumeId}, {@code input.id}. Values come
     * from the document or, through {@code $variables}, from the request's variables.
     */
    public record ArgPath(List<String> steps) {
        public ArgPath {
            steps = List.copyOf(steps);
            if (steps.isEmpty()) throw new IllegalArgumentException("an argument path has at least one step");
        }

        /** @throws IllegalArgumentException for a malformed path */
        public static ArgPath parse(String text) {
            List<String> steps = List.of(text.split("\\.", -1));
            if (steps.size() > 8) throw new IllegalArgumentException("more than 8 steps");
            for (String s : steps) {
                if (!NAME.matcher(s).matches()) {
                    throw new IllegalArgumentException("'" + text + "' is not an argument path like volumeId or input.id");
                }
            }
            return new ArgPath(steps);
        }

        @Override
        public String toString() {
            return String.join(".", steps);
        }
    }

    /** {@code mutation volumeDelete}, as actions and refusals name the rule. */
    public String describe() {
        return operation.keyword() + " " + field;
    }
}
