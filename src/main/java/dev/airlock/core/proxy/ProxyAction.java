package dev.airlock.core.proxy;

import java.util.List;
import java.util.Objects;

/**
 * One thing a proxied request would do at the provider: the scope it needs and the resources it touches. The
 * environment is not here on purpose: it comes from the agent's token, never from the request, and the decision
 * step checks that every resource belongs to it.
 *
 * @param scope     a scope from scopes.yaml ({@code volume:delete})
 * @param resources the resource ids the action touches, decoded exactly as the upstream will see them; empty
 *                  when the rule names none (a listing)
 * @param operation what matched, for audit and refusal messages: {@code DELETE /v1/volumes/{id}} or
 *                  {@code mutation volumeDelete}
 */
public record ProxyAction(String scope, List<String> resources, String operation) {
    public ProxyAction {
        Objects.requireNonNull(scope, "scope");
        resources = List.copyOf(resources);
        Objects.requireNonNull(operation, "operation");
    }
}
