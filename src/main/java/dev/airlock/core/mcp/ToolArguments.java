package dev.airlock.core.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The arguments one tool takes: the tool's JSON Schema ({@code inputSchema}) and its strict reading are built from
 * the same field list, so what the model is shown and what is enforced cannot drift apart. Unknown fields are
 * refused ({@code additionalProperties: false}): a field we ignore is one the model believes had an effect.
 */
final class ToolArguments {
    /** One argument: a string, or an array of strings; every length bounded. */
    record Field(String name, boolean array, boolean required, int maxLength, int maxItems, String description) {
        static Field string(String name, boolean required, int maxLength, String description) {
            return new Field(name, false, required, maxLength, 0, description);
        }

        static Field strings(String name, boolean required, int maxItems, int maxLength, String description) {
            return new Field(name, true, required, maxLength, maxItems, description);
        }
    }

    /** The arguments as read: strings and lists of strings by name; absent optional fields are absent. */
    record Values(Map<String, Object> values) {
        String string(String name) {
            return (String) values.get(name);
        }

        @SuppressWarnings("unchecked")
        List<String> strings(String name) {
            Object v = values.get(name);
            return v == null ? List.of() : (List<String>) v;
        }
    }

    /** Why the arguments are refused, in words for the model that sent them. */
    static final class Invalid extends Exception {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    private final List<Field> fields;

    ToolArguments(List<Field> fields) {
        this.fields = List.copyOf(fields);
    }

    ObjectNode schema() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode schema = f.objectNode().put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        ArrayNode required = f.arrayNode();
        for (Field field : fields) {
            ObjectNode p = properties.putObject(field.name());
            if (field.array()) {
                p.put("type", "array").put("minItems", field.required() ? 1 : 0).put("maxItems", field.maxItems());
                p.putObject("items").put("type", "string").put("minLength", 1).put("maxLength", field.maxLength());
            } else {
                p.put("type", "string").put("minLength", 1).put("maxLength", field.maxLength());
            }
            p.put("description", field.description());
            if (field.required()) required.add(field.name());
        }
        if (!required.isEmpty()) schema.set("required", required);
        schema.put("additionalProperties", false);
        return schema;
    }

    /** Reads {@code arguments} (absent: an empty object) as the schema says, or says what is wrong. */
    Values read(JsonNode arguments) throws Invalid {
        if (arguments != null && !arguments.isNull() && !arguments.isObject()) {
            throw new Invalid("arguments must be a JSON object");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        if (arguments != null && arguments.isObject()) {
            for (Iterator<String> names = arguments.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (fields.stream().noneMatch(x -> x.name().equals(name))) {
                    throw new Invalid("unknown argument '" + printable(name) + "'; this tool takes " + names());
                }
            }
        }
        for (Field field : fields) {
            JsonNode v = arguments == null ? null : arguments.get(field.name());
            if (v == null || v.isNull()) {
                if (field.required()) throw new Invalid(field.name() + " is required");
                continue;
            }
            out.put(field.name(), field.array() ? strings(field, v) : string(field, v));
        }
        return new Values(out);
    }

    private static String string(Field field, JsonNode v) throws Invalid {
        if (!v.isTextual()) throw new Invalid(field.name() + " must be a string");
        String s = v.textValue();
        if (s.isEmpty() || s.length() > field.maxLength()) {
            throw new Invalid(field.name() + " must be between 1 and " + field.maxLength() + " characters");
        }
        return s;
    }

    private static List<String> strings(Field field, JsonNode v) throws Invalid {
        if (!v.isArray()) throw new Invalid(field.name() + " must be an array of strings");
        if (v.size() > field.maxItems() || (field.required() && v.isEmpty())) {
            throw new Invalid(field.name() + " must have " + (field.required() ? "between 1 and " : "at most ")
                    + field.maxItems() + " items");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : v) {
            if (!item.isTextual() || item.textValue().isEmpty() || item.textValue().length() > field.maxLength()) {
                throw new Invalid("each item of " + field.name() + " must be a string of 1 to " + field.maxLength()
                        + " characters");
            }
            out.add(item.textValue());
        }
        return List.copyOf(out);
    }

    private String names() {
        return String.join(", ", fields.stream().map(Field::name).toList());
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 64; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }
}
