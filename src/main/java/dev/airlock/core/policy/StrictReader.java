package dev.airlock.core.policy;

import dev.airlock.core.policy.YamlNode.ListNode;
import dev.airlock.core.policy.YamlNode.MapNode;
import dev.airlock.core.policy.YamlNode.ScalarNode;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Typed, strict access to one file's {@link YamlNode} tree. Every accessor reports what is wrong (unknown key,
 * wrong type, missing field) with file, line and path, and returns null so the caller can keep going and
 * collect the next problem instead of stopping at the first.
 */
final class StrictReader {
    private final String file;
    private final List<PolicyProblem> problems;

    StrictReader(String file, List<PolicyProblem> problems) {
        this.file = file;
        this.problems = problems;
    }

    String file() {
        return file;
    }

    void error(int line, String path, String message) {
        problems.add(new PolicyProblem(file, line, path, message));
    }

    void error(YamlNode at, String path, String message) {
        error(at.line(), path, message);
    }

    static String child(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    static String index(String path, int i) {
        return path + "[" + i + "]";
    }

    /** Opens a map, reporting unknown keys (Vault's CheckHCLKeys habit: a typo must not silently mean "absent"). */
    Fields fields(YamlNode node, String path, List<String> required, List<String> optional) {
        if (!(node instanceof MapNode map)) {
            error(node, path, "expected a map, got " + node.describe());
            return null;
        }
        for (YamlNode.Entry e : map.entries().values()) {
            if (!required.contains(e.key()) && !optional.contains(e.key())) {
                error(e.line(), child(path, e.key()), "unknown key '" + e.key() + "' (allowed: "
                        + String.join(", ", required) + (required.isEmpty() || optional.isEmpty() ? "" : ", ")
                        + String.join(", ", optional) + ")");
            }
        }
        for (String key : required) {
            if (!map.entries().containsKey(key)) error(map, path, "missing required key '" + key + "'");
        }
        return new Fields(map, path);
    }

    List<YamlNode> list(YamlNode node, String path) {
        if (node instanceof ListNode list) return list.items();
        error(node, path, "expected a list, got " + node.describe());
        return null;
    }

    String string(YamlNode node, String path) {
        if (node instanceof ScalarNode s && s.kind() == ScalarNode.Kind.STRING) return s.text();
        String hint = node instanceof ScalarNode s && s.kind() != ScalarNode.Kind.NULL ? " (quote it if you mean text)" : "";
        error(node, path, "expected a string, got " + node.describe() + hint);
        return null;
    }

    /** A string that must match {@code format}; {@code what} names it in the message ("environment name"). */
    String name(YamlNode node, String path, Pattern format, String what) {
        String s = string(node, path);
        if (s == null) return null;
        if (!format.matcher(s).matches()) {
            error(node, path, "malformed " + what + " '" + s + "' (must match " + format.pattern() + ")");
            return null;
        }
        return s;
    }

    /**
     * A whole number written as a YAML number (unquoted, no leading zeros, no fraction) within [min, max];
     * {@code key} names it in the range message ("uses must be between 1 and 10, got 0").
     */
    Integer integer(YamlNode node, String path, String key, int min, int max) {
        if (!(node instanceof ScalarNode s && s.kind() == ScalarNode.Kind.NUMBER && WHOLE.matcher(s.text()).matches())) {
            String hint = node instanceof ScalarNode s && s.kind() == ScalarNode.Kind.STRING ? " (write it without quotes)" : "";
            error(node, path, "expected a whole number, got " + node.describe() + hint);
            return null;
        }
        int n = Integer.parseInt(((ScalarNode) node).text());
        if (n < min || n > max) {
            error(node, path, key + " must be between " + min + " and " + max + ", got " + n);
            return null;
        }
        return n;
    }

    private static final Pattern WHOLE = Pattern.compile("-?(0|[1-9][0-9]{0,8})");

    Boolean bool(YamlNode node, String path) {
        if (node instanceof ScalarNode s && s.kind() == ScalarNode.Kind.BOOLEAN) return Boolean.valueOf(s.text());
        error(node, path, "expected true or false, got " + node.describe());
        return null;
    }

    /** The entries of one map, with paths. {@link #get} returns null for an absent key. */
    final class Fields {
        private final MapNode map;
        private final String path;

        private Fields(MapNode map, String path) {
            this.map = map;
            this.path = path;
        }

        MapNode node() {
            return map;
        }

        String path(String key) {
            return child(path, key);
        }

        YamlNode get(String key) {
            YamlNode.Entry e = map.entries().get(key);
            return e == null ? null : e.value();
        }

        String string(String key) {
            YamlNode n = get(key);
            return n == null ? null : StrictReader.this.string(n, path(key));
        }

        String name(String key, Pattern format, String what) {
            YamlNode n = get(key);
            return n == null ? null : StrictReader.this.name(n, path(key), format, what);
        }
    }
}
