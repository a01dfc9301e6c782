package dev.airlock.core.proxy;

import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.Risk;
import dev.airlock.core.policy.StrictYaml;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads the {@code rules} of a {@code kind: graphql} provider file. */
final class GraphQlRulesSection {
    private GraphQlRulesSection() {}

    /** The rules, or null if any is wrong (all reported). */
    static List<GraphQlRule> read(StrictYaml.Node node, Policy policy) {
        List<StrictYaml.Node> items = ProviderLoader.ruleItems(node);
        if (items == null) return null;
        List<GraphQlRule> rules = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        boolean ok = true;
        for (StrictYaml.Node item : items) {
            GraphQlRule rule = rule(item, policy);
            if (rule == null) {
                ok = false;
                continue;
            }
            String first = seen.putIfAbsent(rule.describe(), item.path());
            if (first != null) {
                item.error(rule.describe() + " is already mapped by " + first);
                ok = false;
                continue;
            }
            rules.add(rule);
        }
        return ok ? rules : null;
    }

    private static GraphQlRule rule(StrictYaml.Node item, Policy policy) {
        StrictYaml.Fields f = item.fields(List.of("scope"),
                List.of("mutation", "query", "resources", "reason", "description"));
        if (f == null) return null;
        StrictYaml.Node mutation = f.get("mutation");
        StrictYaml.Node query = f.get("query");
        if ((mutation == null) == (query == null)) {
            item.error("give exactly one of mutation and query (the root field this rule maps)");
            return null;
        }
        GraphQlRule.Operation operation = mutation != null ? GraphQlRule.Operation.MUTATION : GraphQlRule.Operation.QUERY;
        StrictYaml.Node fieldNode = mutation != null ? mutation : query;
        String field = fieldNode.name(GraphQlRule.NAME, "GraphQL field name");
        if (field != null && field.startsWith("__")) {
            fieldNode.error("introspection fields are not mapped by rules: set introspection_scope instead");
            field = null;
        }
        String scope = f.get("scope") == null ? null : ProviderLoader.knownScope(f.get("scope"), policy);
        RuleChecks.Declared declared = RuleChecks.declared(f);
        OperationShape shape = field == null ? null : OperationShape.graphql(operation, field);
        boolean shapeOk = RuleChecks.shape(f, shape, scope, declared, policy);
        if (shapeOk && scope != null && operation == GraphQlRule.Operation.MUTATION
                && policy.scope(scope).orElseThrow().risk() == Risk.READ) {
            // A read token must never be able to change anything through a mislabelled mutation.
            f.get("scope").error("a mutation cannot need only the read scope '" + scope + "'; map it to a write or"
                    + " destructive scope");
            scope = null;
        }
        List<GraphQlRule.ArgPath> resources = RuleChecks.listed(f) ? resources(f.get("resources")) : List.of();
        if (field == null || scope == null || declared == null || !shapeOk || resources == null) return null;
        return new GraphQlRule(operation, field, scope, resources, declared.reason());
    }

    private static List<GraphQlRule.ArgPath> resources(StrictYaml.Node node) {
        List<StrictYaml.Node> items = node.list();
        if (items == null) return null;
        List<GraphQlRule.ArgPath> out = new ArrayList<>();
        boolean ok = true;
        for (StrictYaml.Node item : items) {
            StrictYaml.Fields f = item.fields(List.of("arg"), List.of());
            String text = f == null || f.get("arg") == null ? null : f.get("arg").string();
            if (text == null) {
                ok = false;
                continue;
            }
            try {
                out.add(GraphQlRule.ArgPath.parse(text));
            } catch (IllegalArgumentException e) {
                f.get("arg").error("malformed argument path: " + e.getMessage());
                ok = false;
            }
        }
        return ok ? out : null;
    }
}
