package dev.airlock.core.proxy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.core.policy.CanonicalId;
import java.util.Iterator;
import java.util.Locale;

/**
 * JSON read so that it means one thing: duplicate keys refused (a parser that keeps the first and one that keeps
 * the last would see different ids), no trailing content, nesting and string sizes bounded so a hostile body
 * cannot exhaust the stack or memory before the rules are even looked at.
 */
final class StrictJson {
    static final int MAX_DEPTH = 64;
    static final int MAX_STRING = 1 << 20;

    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_DEPTH)
                    .maxStringLength(MAX_STRING)
                    .maxNumberLength(100)
                    .build())
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private StrictJson() {}

    static JsonNode parse(String text, String what) throws Refusal {
        try {
            JsonNode node = MAPPER.readTree(text);
            if (node == null || node.isMissingNode()) throw new Refusal(MappingResult.BAD_REQUEST, what + " is empty");
            return node;
        } catch (JsonProcessingException e) {
            String message = e.getOriginalMessage();
            String reason = message != null && message.startsWith("Duplicate field")
                    ? "has a duplicate key" : "is not valid JSON";
            throw new Refusal(MappingResult.BAD_REQUEST, what + " " + reason);
        }
    }

    /**
     * The value at {@code pointer} (RFC 6901), like {@link JsonNode#at}, but refusing an object on the way that has,
     * beside the key the pointer names, another key that is the same name in another spelling (see {@link #child}).
     * Missing steps give a missing node, for the caller to refuse.
     */
    static JsonNode at(JsonNode root, JsonPointer pointer, String where) throws Refusal {
        JsonNode node = root;
        for (JsonPointer p = pointer; !p.matches(); p = p.tail()) {
            if (node instanceof ObjectNode object) {
                node = child(object, p.getMatchingProperty(), where);
            } else if (node != null && node.isArray() && p.getMatchingIndex() >= 0) {
                node = node.get(p.getMatchingIndex());
            } else {
                return MissingNode.getInstance();
            }
            if (node == null) return MissingNode.getInstance();
        }
        return node;
    }

    /**
     * The member {@code key} of {@code object}, or null. Refused as ambiguous when another member's name has the same
     * {@link CanonicalId canonical form} ({@code id} and {@code ID}, or a full-width {@code ｉｄ}): ASP.NET Core's
     * System.Text.Json binds case-insensitively by default, Jackson can be configured to, and then a body we read as
     * {@code {"id":"vol-7f3a-stg"}} is {@code "ID":"vol-7f3a"} to the upstream. A lone member spelled otherwise
     * ({@code ID} without {@code id}) is refused too: for a case-sensitive upstream it is no id, for the others it is
     * one, and we cannot tell which the upstream is.
     */
    static JsonNode child(ObjectNode object, String key, String where) throws Refusal {
        String canonical = CanonicalId.of(key);
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals(key) && CanonicalId.of(name).equals(canonical)) {
                throw new Refusal(MappingResult.BAD_REQUEST, where + ": the key '" + RequestChecks.printable(name)
                        + "' is '" + RequestChecks.printable(key) + "' in another spelling, which some servers read as"
                        + " the same key; send '" + RequestChecks.printable(key) + "' only, spelled exactly");
            }
        }
        return object.get(key);
    }

    /**
     * Refuses a body that is not {@code application/json} (or {@code application/<x>+json}) in UTF-8: a body
     * we read as JSON must be what the upstream reads as JSON, and JSON is UTF-8 (RFC 8259 §8.1).
     */
    static void requireJson(String contentType, String what) throws Refusal {
        // limit -1 keeps empty parts: "Content-Type: ;" split without it is an empty array (found by the
        // hostile-input harness: ArrayIndexOutOfBoundsException, a 500).
        String[] parts = contentType == null ? new String[] {""} : contentType.split(";", -1);
        String type = parts[0].trim().toLowerCase(Locale.ROOT);
        if (!type.equals("application/json") && !(type.startsWith("application/") && type.endsWith("+json"))) {
            throw new Refusal(MappingResult.BAD_REQUEST, what + " must be sent as application/json");
        }
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=", 2);
            if (kv[0].trim().equalsIgnoreCase("charset") && (kv.length < 2
                    || !kv[1].trim().replace("\"", "").equalsIgnoreCase("utf-8"))) {
                throw new Refusal(MappingResult.BAD_REQUEST, what + " must be UTF-8");
            }
        }
    }
}
