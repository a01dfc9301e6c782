package dev.airlock.core.proxy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
