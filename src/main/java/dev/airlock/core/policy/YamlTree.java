package dev.airlock.core.policy;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.airlock.core.policy.YamlNode.ScalarNode.Kind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Streams one YAML document through Jackson's parser into {@link YamlNode}s. Going through the token stream
 * rather than databind is what gives every node a line number.
 */
final class YamlTree {
    /** Policy files are a few levels deep (the deepest is agents → jwks → keys → key); anything deeper is a mistake. */
    static final int MAX_DEPTH = 32;

    private static final YAMLFactory FACTORY = YAMLFactory.builder()
            // YAML 1.2 semantics: yes/no/on/off are strings, so an environment called "no" is not silently false.
            .enable(YAMLParser.Feature.PARSE_BOOLEAN_LIKE_WORDS_AS_STRINGS)
            .build();

    /** The file is not YAML we can read: a syntax error, duplicate key, alias, or several documents. */
    static final class SyntaxError extends Exception {
        private final int line;

        SyntaxError(int line, String message) {
            super(message);
            this.line = line;
        }

        int line() {
            return line;
        }
    }

    private YamlTree() {}

    /** Returns the document's root, or null for a file with no document at all. */
    static YamlNode parse(String text) throws SyntaxError {
        try (JsonParser p = FACTORY.createParser(text)) {
            // Duplicate keys are almost always a merge accident; YAML itself says keys are unique.
            p.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            JsonToken first = p.nextToken();
            if (first == null) return null;
            YamlNode root = read(p, first, 0);
            if (p.nextToken() != null) {
                throw new SyntaxError(p.currentTokenLocation().getLineNr(), "only one YAML document per file");
            }
            return root;
        } catch (JsonProcessingException e) {
            if (e.getCause() instanceof MarkedYAMLException m && m.getProblemMark() != null) {
                // SnakeYAML's own message spans several lines with a caret drawing; keep the two useful parts.
                String context = m.getContext() == null ? "" : m.getContext() + ": ";
                throw new SyntaxError(m.getProblemMark().getLine() + 1, "YAML syntax error: " + context + m.getProblem());
            }
            String message = e.getOriginalMessage();
            if (message.startsWith("Duplicate field ")) {
                message = "duplicate key " + message.substring("Duplicate field ".length()) + ": YAML keys must be unique";
            }
            throw new SyntaxError(line(e.getLocation()), "YAML error: " + message);
        } catch (IOException e) {
            throw new SyntaxError(0, "cannot read: " + e.getMessage());
        }
    }

    private static YamlNode read(JsonParser p, JsonToken token, int depth) throws IOException, SyntaxError {
        JsonLocation at = p.currentTokenLocation();
        int line = at.getLineNr();
        int column = at.getColumnNr();
        if (token == null) throw new SyntaxError(line, "unexpected end of file");
        if (depth > MAX_DEPTH) throw new SyntaxError(line, "nested deeper than " + MAX_DEPTH + " levels");
        if (((YAMLParser) p).isCurrentAlias()) {
            // Jackson hands aliases over as their anchor's name, not the anchored value; refusing them beats
            // silently reading "*shared" as a scope called "shared".
            throw new SyntaxError(line, "YAML aliases (*" + p.getText() + ") are not supported: spell the value out");
        }
        switch (token) {
            case START_OBJECT: {
                Map<String, YamlNode.Entry> entries = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    JsonLocation keyAt = p.currentTokenLocation();
                    String key = p.currentName();
                    YamlNode value = read(p, p.nextToken(), depth + 1);
                    YamlNode.Entry previous = entries.put(key, new YamlNode.Entry(key, keyAt.getLineNr(), keyAt.getColumnNr(), value));
                    // Jackson's duplicate detection should have thrown already; this keeps the rule if it ever does not.
                    if (previous != null) throw new SyntaxError(keyAt.getLineNr(), "YAML error: duplicate key '" + key + "'");
                }
                return new YamlNode.MapNode(entries, line, column);
            }
            case START_ARRAY: {
                List<YamlNode> items = new ArrayList<>();
                JsonToken t;
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) items.add(read(p, t, depth + 1));
                return new YamlNode.ListNode(items, line, column);
            }
            case VALUE_STRING: {
                String text = p.getText();
                return new YamlNode.ScalarNode(text, text.isEmpty() ? Kind.NULL : Kind.STRING, line, column);
            }
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return new YamlNode.ScalarNode(p.getText(), Kind.NUMBER, line, column);
            case VALUE_TRUE:
            case VALUE_FALSE:
                return new YamlNode.ScalarNode(p.getText(), Kind.BOOLEAN, line, column);
            case VALUE_NULL:
                return new YamlNode.ScalarNode("", Kind.NULL, line, column);
            default:
                throw new SyntaxError(line, "unsupported YAML value (" + token + ")");
        }
    }

    private static int line(JsonLocation location) {
        return location == null ? 0 : Math.max(location.getLineNr(), 0);
    }
}
