package dev.airlock.core.policy;

import dev.airlock.core.policy.YamlNode.ListNode;
import dev.airlock.core.policy.YamlNode.MapNode;
import dev.airlock.core.policy.YamlNode.ScalarNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The policy loader's strict, located YAML reading, opened to files that live beside the policy but are read by
 * other parts of the core (the proxy's {@code providers/} folder). Same rules as the policy files: at most
 * {@link PolicyLoader#MAX_FILE_BYTES}, strict UTF-8, one document, no aliases, no duplicate keys, YAML 1.2
 * booleans; every problem is a {@link PolicyProblem} with file, line and field path.
 *
 * <p>A facade rather than making {@link StrictReader} and {@link YamlNode} public: their callers inside this
 * package keep their package-private shape, and what other packages may rely on is only what is here.
 */
public final class StrictYaml {
    private final StrictReader reader;
    private final YamlNode root;

    private StrictYaml(StrictReader reader, YamlNode root) {
        this.reader = reader;
        this.root = root;
    }

    /**
     * Reads and parses one file.
     *
     * @param path       the file on disk
     * @param file       how problems name it ({@code providers/railway.yaml})
     * @param unreadable where a problem that stops reading goes (not UTF-8, too large, not YAML)
     * @param invalid    where the problems found later by {@link Node} accessors go
     * @return the document, or null when it could not be read (the problem is in {@code unreadable})
     */
    public static StrictYaml read(Path path, String file, List<PolicyProblem> unreadable, List<PolicyProblem> invalid) {
        String text;
        try {
            if (Files.size(path) > PolicyLoader.MAX_FILE_BYTES) {
                unreadable.add(new PolicyProblem(file, 0, "", "larger than " + PolicyLoader.MAX_FILE_BYTES + " bytes"));
                return null;
            }
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(path))).toString();
        } catch (CharacterCodingException e) {
            unreadable.add(new PolicyProblem(file, 0, "", "not valid UTF-8"));
            return null;
        } catch (IOException e) {
            unreadable.add(new PolicyProblem(file, 0, "", "cannot read: " + e.getMessage()));
            return null;
        }
        try {
            YamlNode root = YamlTree.parse(text);
            if (root == null) root = new ScalarNode("", ScalarNode.Kind.NULL, 1, 1);
            return new StrictYaml(new StrictReader(file, invalid), root);
        } catch (YamlTree.SyntaxError e) {
            unreadable.add(new PolicyProblem(file, e.line(), "", e.getMessage()));
            return null;
        }
    }

    public String file() {
        return reader.file();
    }

    public Node root() {
        return new Node(root, "");
    }

    /** One value with its field path; accessors report what is wrong and return null, like the policy sections. */
    public final class Node {
        private final YamlNode node;
        private final String path;

        private Node(YamlNode node, String path) {
            this.node = node;
            this.path = path;
        }

        public int line() {
            return node.line();
        }

        public String path() {
            return path;
        }

        public boolean isMap() {
            return node instanceof MapNode;
        }

        public boolean isList() {
            return node instanceof ListNode;
        }

        /** A string scalar's text, or null for anything else. Reports nothing: for values that must not be echoed. */
        public String text() {
            return node instanceof ScalarNode s && s.kind() == ScalarNode.Kind.STRING ? s.text() : null;
        }

        /** What the value is without its text: "a map", "a list", "a string", "a number", "nothing". */
        public String kind() {
            if (node instanceof ScalarNode s) {
                return switch (s.kind()) {
                    case STRING -> "a string";
                    case NUMBER -> "a number";
                    case BOOLEAN -> "a boolean";
                    case NULL -> "nothing";
                };
            }
            return node.describe();
        }

        /** The keys of a map with their lines, in file order; empty for anything else. */
        public List<Key> keys() {
            List<Key> out = new ArrayList<>();
            if (node instanceof MapNode map) {
                for (YamlNode.Entry e : map.entries().values()) {
                    out.add(new Key(e.key(), e.line(), new Node(e.value(), StrictReader.child(path, e.key()))));
                }
            }
            return out;
        }

        /** Opens a map, reporting unknown and missing keys; null (reported) if this is not a map. */
        public Fields fields(List<String> required, List<String> optional) {
            StrictReader.Fields f = reader.fields(node, path, required, optional);
            return f == null ? null : new Fields(f, path);
        }

        public List<Node> list() {
            List<YamlNode> items = reader.list(node, path);
            if (items == null) return null;
            List<Node> out = new ArrayList<>(items.size());
            for (int i = 0; i < items.size(); i++) out.add(new Node(items.get(i), StrictReader.index(path, i)));
            return out;
        }

        public String string() {
            return reader.string(node, path);
        }

        public String name(Pattern format, String what) {
            return reader.name(node, path, format, what);
        }

        public Boolean bool() {
            return reader.bool(node, path);
        }

        public void error(String message) {
            reader.error(node, path, message);
        }

        public void error(int line, String subPath, String message) {
            reader.error(line, subPath, message);
        }
    }

    /** A map key, where it was written, and its value. */
    public record Key(String name, int line, Node value) {}

    /** The entries of one opened map. */
    public final class Fields {
        private final StrictReader.Fields fields;
        private final String path;

        private Fields(StrictReader.Fields fields, String path) {
            this.fields = fields;
            this.path = path;
        }

        /** The value under {@code key}, or null if absent. */
        public Node get(String key) {
            YamlNode n = fields.get(key);
            return n == null ? null : new Node(n, fields.path(key));
        }

        public Node node() {
            return new Node(fields.node(), path);
        }

        public String path(String key) {
            return fields.path(key);
        }
    }
}
