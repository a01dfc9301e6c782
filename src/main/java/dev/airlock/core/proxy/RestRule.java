package dev.airlock.core.proxy;

import com.fasterxml.jackson.core.JsonPointer;
import java.util.List;
import java.util.Objects;

/**
 * One REST rule: requests with this method whose path matches the template need {@code scope} on the listed
 * resources.
 *
 * @param accountLevelReason the {@code reason} of {@code resources: none}; null unless the rule says so, in which case
 *                           {@code resources} is empty
 */
public record RestRule(String method, PathTemplate path, String scope, List<Resource> resources,
                       String accountLevelReason) implements ProviderRule {
    public RestRule {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(scope, "scope");
        resources = List.copyOf(resources);
        if (accountLevelReason != null && !resources.isEmpty()) {
            throw new IllegalArgumentException("resources: none and a list of resources");
        }
    }

    @Override
    public OperationShape shape() {
        return OperationShape.rest(method, path);
    }

    @Override
    public OperationShape.Resources resourcesDeclared() {
        if (accountLevelReason != null) return OperationShape.Resources.NONE;
        return resources.isEmpty() ? OperationShape.Resources.ABSENT : OperationShape.Resources.LISTED;
    }

    /** Where a resource id is read from. */
    public sealed interface Resource permits FromPath, FromQuery, FromBody {}

    /** A parameter of the path template: {@code {from: path, name: id}}. */
    public record FromPath(String name) implements Resource {}

    /** A query parameter, which must then appear exactly once: {@code {from: query, name: volumeId}}. */
    public record FromQuery(String name) implements Resource {}

    /** A JSON Pointer (RFC 6901) into a JSON body: {@code {from: body, pointer: /volume/id}}. */
    public record FromBody(JsonPointer pointer) implements Resource {}

    /** {@code DELETE /v1/volumes/{id}}, as actions and refusals name the rule. */
    public String describe() {
        return method + " " + path;
    }
}
