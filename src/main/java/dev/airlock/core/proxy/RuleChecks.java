package dev.airlock.core.proxy;

import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.Scope;
import dev.airlock.core.policy.StrictYaml;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The checks every provider rule gets whatever its kind, located in the file: how it declares its resources
 * ({@code resources: [...]}, {@code resources: none} + {@code reason}, or nothing) and what its shape allows
 * ({@link OperationShape}). Both rule sections call these, so REST and GraphQL can never disagree.
 */
final class RuleChecks {
    /** The keyword that says a rule names no resource on purpose. */
    static final String NONE = "none";
    /** A reason is read by people in lint output and the docs: one line of printable ASCII. */
    static final Pattern REASON = Pattern.compile("[\\x20-\\x7E]{1,200}");

    private RuleChecks() {}

    /** What {@code resources} (with {@code reason}) declares; null when it is wrong (reported). */
    record Declared(OperationShape.Resources kind, String reason) {}

    /** True if {@code resources} is there and is not {@code none}: the section reads (and reports) its list. */
    static boolean listed(StrictYaml.Fields f) {
        return f.get("resources") != null && !NONE.equals(f.get("resources").text());
    }

    static Declared declared(StrictYaml.Fields f) {
        StrictYaml.Node resources = f.get("resources");
        StrictYaml.Node reason = f.get("reason");
        if (resources == null || !NONE.equals(resources.text())) {
            if (reason != null) {
                reason.error("reason is only for resources: none (it says why a rule names no resource)");
                return null;
            }
            if (resources == null) return new Declared(OperationShape.Resources.ABSENT, null);
            if (resources.isList() && resources.list().isEmpty()) {
                resources.error("an empty list names no resource: list where the resources come from, or write"
                        + " resources: none with a reason");
                return null;
            }
            return new Declared(OperationShape.Resources.LISTED, null);
        }
        if (reason == null) {
            resources.error("resources: none needs a reason: \"...\" beside it, saying why this operation acts on no"
                    + " particular resource (lint lists it as an account-level action)");
            return null;
        }
        String text = reason.string();
        if (text == null) return null;
        if (text.isBlank() || !REASON.matcher(text).matches()) {
            reason.error("a reason is 1 to 200 printable ASCII characters on one line, and not blank");
            return null;
        }
        return new Declared(OperationShape.Resources.NONE, text.strip());
    }

    /**
     * Reports what the operation's shape forbids for this scope and these resources; false if anything is wrong.
     *
     * @param shape    null when the method, path or field is broken (reported already: there is no shape to judge)
     * @param scope    null when unknown (reported already)
     * @param declared null when broken (reported already)
     */
    static boolean shape(StrictYaml.Fields f, OperationShape shape, String scope, Declared declared, Policy policy) {
        if (shape == null || scope == null) return true;
        Scope s = policy.scope(scope).orElseThrow();
        boolean ok = true;
        Optional<String> scopeProblem = shape.scopeProblem(s);
        if (scopeProblem.isPresent()) {
            f.get("scope").error(scopeProblem.get());
            ok = false;
        }
        if (declared != null) {
            Optional<String> resourcesProblem = shape.resourcesProblem(s, declared.kind());
            if (resourcesProblem.isPresent()) {
                StrictYaml.Node at = f.get("resources") != null ? f.get("resources") : f.node();
                at.error(resourcesProblem.get());
                ok = false;
            }
        }
        return ok;
    }
}
