package dev.airlock.core.policy;

import com.fasterxml.jackson.core.JsonPointer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code grants.yaml}'s {@code preconditions} ({@link Precondition}), strictly and with located errors. What
 * needs the providers (the provider exists, its rules map the request to a scope that is not destructive) is checked
 * when the providers are loaded against this policy ({@code core.proxy.PreconditionRequests}).
 */
final class PreconditionsSection {
    /** Each precondition costs an upstream request per resource at every view, approval and redemption. */
    static final int MAX_PRECONDITIONS = 32;
    static final int MAX_QUERY_PARAMS = 16;
    static final int MAX_TEXT = 512;
    /** A backup older than a month is not what anyone means by "recent"; a longer window is a typo. */
    static final Duration MAX_YOUNGER_THAN = Duration.ofDays(30);
    static final Pattern QUERY_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    static final Pattern PLACEHOLDER = Pattern.compile("\\{[^}]*}");
    private static final List<String> KEYS = List.of("scope", "provider", "request", "expect");

    private PreconditionsSection() {}

    /**
     * @param top    grants.yaml's top-level fields, or null when the file is absent or broken
     * @param scopes the catalog, to check that each scope is known and destructive
     */
    static List<Precondition> read(StrictReader.Fields top, StrictReader r, Map<String, Scope> scopes,
                                   Map<String, Environment> environments) {
        List<Precondition> out = new ArrayList<>();
        if (top == null || top.get("preconditions") == null) return out;
        List<YamlNode> items = r.list(top.get("preconditions"), "preconditions");
        if (items == null) return out;
        if (items.size() > MAX_PRECONDITIONS) {
            r.error(top.get("preconditions"), "preconditions", "more than " + MAX_PRECONDITIONS + " preconditions");
            return out;
        }
        for (int i = 0; i < items.size(); i++) {
            Precondition p = one(items.get(i), StrictReader.index("preconditions", i), r, scopes, environments);
            if (p != null) out.add(p);
        }
        return out;
    }

    private static Precondition one(YamlNode node, String path, StrictReader r, Map<String, Scope> scopes,
                                    Map<String, Environment> environments) {
        StrictReader.Fields f = r.fields(node, path, KEYS, List.of("environments"));
        if (f == null) return null;
        String scope = scope(f, r, scopes);
        String provider = f.get("provider") == null ? null : f.name("provider", Pattern.compile("[a-z0-9][a-z0-9-]{0,63}"),
                "provider name");
        Set<String> envs = environments(f, r, environments);
        Precondition.Request request = f.get("request") == null ? null : request(f, r);
        Precondition.Expect expect = f.get("expect") == null ? null : expect(f, r);
        if (scope == null || provider == null || envs == null || request == null || expect == null) return null;
        return new Precondition(scope, provider, envs, request, expect, node.line(), path);
    }

    private static String scope(StrictReader.Fields f, StrictReader r, Map<String, Scope> scopes) {
        String name = f.string("scope");
        if (name == null) return null;
        Scope s = scopes.get(name);
        if (s == null) {
            // An incomplete catalog reports its own problems; a name it lacks may be one of them.
            r.error(f.get("scope"), f.path("scope"), "unknown scope '" + name + "'");
            return null;
        }
        if (!s.destructive()) {
            r.error(f.get("scope"), f.path("scope"), "scope " + name + " is not destructive: preconditions hold"
                    + " destructive grants only, and one on " + name + " would never be evaluated");
            return null;
        }
        return name;
    }

    private static Set<String> environments(StrictReader.Fields f, StrictReader r, Map<String, Environment> known) {
        Set<String> out = new LinkedHashSet<>();
        if (f.get("environments") == null) return out;
        List<YamlNode> items = r.list(f.get("environments"), f.path("environments"));
        if (items == null) return null;
        if (items.isEmpty()) {
            r.error(f.get("environments"), f.path("environments"), "no environments: leave the key out to apply"
                    + " this precondition everywhere");
            return null;
        }
        boolean ok = true;
        for (int i = 0; i < items.size(); i++) {
            String p = StrictReader.index(f.path("environments"), i);
            String name = r.string(items.get(i), p);
            if (name == null) {
                ok = false;
            } else if (known != null && !known.containsKey(name)) {
                r.error(items.get(i), p, "unknown environment '" + name + "' (known: " + String.join(", ", known.keySet()) + ")");
                ok = false;
            } else if (!out.add(name)) {
                r.error(items.get(i), p, "environment '" + name + "' is listed twice");
                ok = false;
            }
        }
        return ok ? out : null;
    }

    private static Precondition.Request request(StrictReader.Fields parent, StrictReader r) {
        StrictReader.Fields f = r.fields(parent.get("request"), parent.path("request"), List.of("method", "path"),
                List.of("query"));
        if (f == null) return null;
        boolean ok = true;
        String method = f.string("method");
        if (method != null && !method.equals("GET")) {
            // A precondition reads; Airlock never changes anything at the provider on its own account.
            r.error(f.get("method"), f.path("method"), "only GET: a precondition reads, it never changes anything");
            ok = false;
        }
        ok &= method != null;
        String path = template(f, "path", r);
        if (path != null && !path.startsWith("/")) {
            r.error(f.get("path"), f.path("path"), "the path must start with '/'");
            path = null;
        }
        if (path != null && path.contains("?")) {
            r.error(f.get("path"), f.path("path"), "put query parameters under query:, not in the path");
            path = null;
        }
        if (path != null) {
            for (String segment : path.substring(1).split("/", -1)) {
                if (segment.contains(Precondition.RESOURCE) && !segment.equals(Precondition.RESOURCE)) {
                    r.error(f.get("path"), f.path("path"), Precondition.RESOURCE + " must be a whole path segment");
                    path = null;
                    break;
                }
            }
        }
        Map<String, String> query = new LinkedHashMap<>();
        if (f.get("query") != null) {
            if (!(f.get("query") instanceof YamlNode.MapNode map)) {
                r.error(f.get("query"), f.path("query"), "expected a map of parameter name to value, got "
                        + f.get("query").describe());
                ok = false;
            } else if (map.entries().size() > MAX_QUERY_PARAMS) {
                r.error(map, f.path("query"), "more than " + MAX_QUERY_PARAMS + " query parameters");
                ok = false;
            } else {
                for (YamlNode.Entry e : map.entries().values()) {
                    String p = StrictReader.child(f.path("query"), e.key());
                    if (!QUERY_NAME.matcher(e.key()).matches()) {
                        r.error(e.line(), p, "malformed query parameter name (must match " + QUERY_NAME.pattern() + ")");
                        ok = false;
                        continue;
                    }
                    String value = r.string(e.value(), p);
                    if (value == null || !placeholders(value, e.value(), p, r)) {
                        ok = false;
                        continue;
                    }
                    query.put(e.key(), value);
                }
            }
        }
        return ok && path != null ? new Precondition.Request(path, query) : null;
    }

    private static Precondition.Expect expect(StrictReader.Fields parent, StrictReader r) {
        StrictReader.Fields f = r.fields(parent.get("expect"), parent.path("expect"),
                List.of("list", "match", "younger_than", "created_at"), List.of("id", "outside"));
        if (f == null) return null;
        String list = pointer(f, "list", r);
        String id = f.get("id") == null ? "/id" : pointer(f, "id", r);
        String createdAt = pointer(f, "created_at", r);
        Duration youngerThan = youngerThan(f, r);
        String[] match = f.get("match") == null ? null : comparison(f, "match", "equals", r);
        String[] outside = f.get("outside") == null ? new String[2] : comparison(f, "outside", "not_equals", r);
        if (list == null || id == null || createdAt == null || youngerThan == null || match == null || outside == null) {
            return null;
        }
        return new Precondition.Expect(list, id, match[0], match[1], outside[0], outside[1], youngerThan, createdAt);
    }

    /** {@code {field: /pointer, <key>: "template"}} as {pointer, template}, or null (reported). */
    private static String[] comparison(StrictReader.Fields parent, String name, String key, StrictReader r) {
        StrictReader.Fields f = r.fields(parent.get(name), parent.path(name), List.of("field", key), List.of());
        if (f == null) return null;
        String field = pointer(f, "field", r);
        String value = template(f, key, r);
        return field == null || value == null ? null : new String[] {field, value};
    }

    private static Duration youngerThan(StrictReader.Fields f, StrictReader r) {
        String s = f.string("younger_than");
        if (s == null) return null;
        try {
            Duration d = s.startsWith("-") ? Duration.ZERO : EnvironmentsSection.parseDuration(s);
            if (d.isZero()) {
                r.error(f.get("younger_than"), f.path("younger_than"), "younger_than must be greater than zero");
            } else if (d.compareTo(MAX_YOUNGER_THAN) > 0) {
                r.error(f.get("younger_than"), f.path("younger_than"), "younger_than " + s + " is above the maximum of 720h");
            } else {
                return d;
            }
        } catch (IllegalArgumentException e) {
            r.error(f.get("younger_than"), f.path("younger_than"), e.getMessage());
        }
        return null;
    }

    /** A JSON pointer (RFC 6901), non-empty: the whole answer is never "the" value. */
    private static String pointer(StrictReader.Fields f, String key, StrictReader r) {
        String s = f.string(key);
        if (s == null) return null;
        try {
            if (s.isEmpty() || s.length() > MAX_TEXT) throw new IllegalArgumentException("empty or too long");
            JsonPointer.compile(s);
            return s;
        } catch (IllegalArgumentException e) {
            r.error(f.get(key), f.path(key), "'" + s + "' is not a JSON pointer (RFC 6901), such as /snapshots or /createdAt");
            return null;
        }
    }

    private static String template(StrictReader.Fields f, String key, StrictReader r) {
        String s = f.string(key);
        if (s == null) return null;
        return placeholders(s, f.get(key), f.path(key), r) ? s : null;
    }

    /** True if {@code s} is short, printable and holds no placeholder but {@value Precondition#RESOURCE}. */
    private static boolean placeholders(String s, YamlNode node, String path, StrictReader r) {
        if (s.isEmpty() || s.length() > MAX_TEXT) {
            r.error(node, path, "expected 1 to " + MAX_TEXT + " characters");
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < 0x20 || s.charAt(i) == 0x7F) {
                r.error(node, path, "holds a control character");
                return false;
            }
        }
        Matcher m = PLACEHOLDER.matcher(s);
        while (m.find()) {
            if (!m.group().equals(Precondition.RESOURCE)) {
                r.error(node, path, "unknown placeholder " + m.group() + " (only " + Precondition.RESOURCE
                        + ", the grant's resource id, is filled in)");
                return false;
            }
        }
        return true;
    }
}
