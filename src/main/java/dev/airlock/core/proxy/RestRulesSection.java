package dev.airlock.core.proxy;

import com.fasterxml.jackson.core.JsonPointer;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.StrictYaml;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads the {@code rules} of a {@code kind: rest} provider file. */
final class RestRulesSection {
    static final Pattern QUERY_NAME = Pattern.compile("[A-Za-z0-9_.\\-\\[\\]]{1,64}");
    private static final List<String> METHODS = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

    private RestRulesSection() {}

    /** The rules, or null if any is wrong (all reported). */
    static List<RestRule> read(StrictYaml.Node node, Policy policy) {
        List<StrictYaml.Node> items = ProviderLoader.ruleItems(node);
        if (items == null) return null;
        List<RestRule> rules = new ArrayList<>();
        List<StrictYaml.Node> at = new ArrayList<>();
        boolean ok = true;
        for (StrictYaml.Node item : items) {
            RestRule rule = rule(item, policy);
            if (rule == null) {
                ok = false;
                continue;
            }
            for (int i = 0; i < rules.size(); i++) {
                RestRule earlier = rules.get(i);
                if (earlier.method().equals(rule.method()) && earlier.path().overlaps(rule.path())) {
                    item.error("overlaps " + at.get(i).path() + " (" + earlier.describe() + "): some " + rule.method()
                            + " request would match both, and which one applies would be a guess");
                    ok = false;
                }
            }
            rules.add(rule);
            at.add(item);
        }
        return ok ? rules : null;
    }

    private static RestRule rule(StrictYaml.Node item, Policy policy) {
        StrictYaml.Fields f = item.fields(List.of("method", "path", "scope"), List.of("resources", "reason", "description"));
        if (f == null) return null;
        String method = null;
        if (f.get("method") != null) {
            method = f.get("method").string();
            if (method != null && !METHODS.contains(method)) {
                f.get("method").error("method must be one of " + String.join(", ", METHODS) + " (upper case), not '"
                        + method + "'");
                method = null;
            }
        }
        PathTemplate path = null;
        if (f.get("path") != null) {
            String text = f.get("path").string();
            if (text != null) {
                try {
                    path = PathTemplate.parse(text);
                } catch (IllegalArgumentException e) {
                    f.get("path").error("malformed path template '" + text + "': " + e.getMessage());
                }
            }
        }
        String scope = f.get("scope") == null ? null : ProviderLoader.knownScope(f.get("scope"), policy);
        RuleChecks.Declared declared = RuleChecks.declared(f);
        OperationShape shape = method == null || path == null ? null : OperationShape.rest(method, path);
        // Every DELETE is destructive by its shape, so the shape check also keeps it from a read scope.
        boolean shapeOk = RuleChecks.shape(f, shape, scope, declared, policy);
        List<RestRule.Resource> resources = RuleChecks.listed(f)
                ? resources(f.get("resources"), method, path == null ? null : path.params()) : List.of();
        if (method == null || path == null || scope == null || declared == null || !shapeOk || resources == null) {
            return null;
        }
        return new RestRule(method, path, scope, resources, declared.reason());
    }

    /** The resource sources, or null if any is wrong; {@code params} null when the path itself is broken. */
    private static List<RestRule.Resource> resources(StrictYaml.Node node, String method, Set<String> params) {
        List<StrictYaml.Node> items = node.list();
        if (items == null) return null;
        List<RestRule.Resource> out = new ArrayList<>();
        boolean ok = true;
        for (StrictYaml.Node item : items) {
            RestRule.Resource r = resource(item, method, params);
            if (r == null) ok = false;
            else out.add(r);
        }
        return ok ? out : null;
    }

    private static RestRule.Resource resource(StrictYaml.Node item, String method, Set<String> params) {
        StrictYaml.Fields f = item.fields(List.of("from"), List.of("name", "pointer"));
        if (f == null || f.get("from") == null) return null;
        String from = f.get("from").string();
        if (from == null) return null;
        switch (from) {
            case "path", "query" -> {
                if (f.get("pointer") != null) f.get("pointer").error("pointer is only for from: body");
                if (f.get("name") == null) {
                    item.error("missing required key 'name'");
                    return null;
                }
                if (from.equals("path")) {
                    String name = f.get("name").string();
                    if (name == null) return null;
                    if (params != null && !params.contains(name)) {
                        f.get("name").error("the path has no parameter {" + name + "}"
                                + (params.isEmpty() ? "" : " (it has {" + String.join("}, {", params) + "})"));
                        return null;
                    }
                    return f.get("pointer") == null ? new RestRule.FromPath(name) : null;
                }
                String name = f.get("name").name(QUERY_NAME, "query parameter name");
                return name == null || f.get("pointer") != null ? null : new RestRule.FromQuery(name);
            }
            case "body" -> {
                if (f.get("name") != null) f.get("name").error("name is only for from: path and from: query");
                if (f.get("pointer") == null) {
                    item.error("missing required key 'pointer' (a JSON Pointer such as /volume/id)");
                    return null;
                }
                String text = f.get("pointer").string();
                if (text == null) return null;
                if ("GET".equals(method) || "HEAD".equals(method)) {
                    f.get("pointer").error(method + " requests have no body to read a resource from");
                    return null;
                }
                JsonPointer pointer;
                try {
                    pointer = JsonPointer.compile(text);
                } catch (IllegalArgumentException e) {
                    pointer = null;
                }
                if (pointer == null || text.isEmpty()) {
                    f.get("pointer").error("malformed JSON Pointer '" + text + "' (RFC 6901, such as /volume/id)");
                    return null;
                }
                return f.get("name") == null ? new RestRule.FromBody(pointer) : null;
            }
            default -> {
                f.get("from").error("from must be path, query or body, not '" + from + "'");
                return null;
            }
        }
    }
}
