package dev.airlock.core.policy;

import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A parsed YAML value that remembers where it was written (1-based line and column), so every policy error
 * can name its file and line. Deliberately tiny: mappings with string keys, sequences, and scalars.
 */
sealed interface YamlNode permits YamlNode.MapNode, YamlNode.ListNode, YamlNode.ScalarNode {
    int line();

    int column();

    /** What the caller expected, for "expected a list, got a string" messages. */
    String describe();

    /** A mapping key with its own position: an unknown key is reported where the key is, not its value. */
    record Entry(String key, int line, int column, YamlNode value) {}

    /** Entries keep file order so errors come out in the order a reader meets them. */
    record MapNode(Map<String, Entry> entries, int line, int column) implements YamlNode {
        public MapNode {
            entries = Collections.unmodifiableMap(entries);
        }

        public String describe() {
            return "a map";
        }
    }

    record ListNode(List<YamlNode> items, int line, int column) implements YamlNode {
        public ListNode {
            items = List.copyOf(items);
        }

        public String describe() {
            return "a list";
        }
    }

    /**
     * A scalar's original text and how YAML typed it. An empty value ({@code key:} with nothing after it) is
     * {@link Kind#NULL}, so "missing" and "empty" are the same mistake for the reader.
     */
    record ScalarNode(String text, Kind kind, int line, int column) implements YamlNode {
        public enum Kind { STRING, NUMBER, BOOLEAN, NULL }

        public String describe() {
            return switch (kind) {
                case STRING -> "the string '" + text + "'";
                case NUMBER -> "the number " + text;
                case BOOLEAN -> "the boolean " + text;
                case NULL -> "nothing";
            };
        }
    }
}
