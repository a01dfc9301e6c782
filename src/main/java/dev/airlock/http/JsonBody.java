package dev.airlock.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.Iterator;
import java.util.Set;

/**
 * A strict JSON object body: {@code application/json}, an object at the top, no duplicate keys (two parsers reading
 * one body differently is how checks get smuggled), no unknown fields, string fields of bounded length, bounded depth.
 */
public final class JsonBody {
    public static final int MAX_DEPTH = 16;
    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH)
                    .maxStringLength(BodyLimits.JSON).build())
            .build());

    private final ObjectNode node;

    private JsonBody(ObjectNode node) {
        this.node = node;
    }

    public static JsonBody parse(String contentType, Buffer body, Set<String> allowedFields) {
        if (contentType == null || !contentType.split(";", -1)[0].trim().equalsIgnoreCase("application/json")) {
            throw new BadRequest(415, "invalid_request", "Content-Type must be application/json");
        }
        JsonNode n;
        try (JsonParser p = MAPPER.createParser(body.getBytes())) {
            n = MAPPER.readTree(p);
            if (p.nextToken() != null) throw new BadRequest("body has data after the JSON value");
        } catch (BadRequest e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new BadRequest("body is not valid JSON");
        }
        if (!(n instanceof ObjectNode obj)) throw new BadRequest("body must be a JSON object");
        for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowedFields.contains(f)) throw new BadRequest("unknown field " + FormBody.safeName(f));
        }
        return new JsonBody(obj);
    }

    /** A string field, or null when absent or JSON null. */
    public String string(String field, int maxLength) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw new BadRequest("field '" + field + "' must be a string");
        String s = v.textValue();
        if (s.length() > maxLength) throw new BadRequest("field '" + field + "' longer than " + maxLength + " characters");
        return s;
    }

    /** A list of strings (absent: empty), each non-empty and at most {@code maxLength}, at most {@code maxItems}. */
    public java.util.List<String> strings(String field, int maxItems, int maxLength) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) return java.util.List.of();
        if (!v.isArray()) throw new BadRequest("field '" + field + "' must be an array of strings");
        if (v.size() > maxItems) throw new BadRequest("field '" + field + "' has more than " + maxItems + " items");
        java.util.List<String> out = new java.util.ArrayList<>();
        for (JsonNode item : v) {
            if (!item.isTextual() || item.textValue().isEmpty() || item.textValue().length() > maxLength) {
                throw new BadRequest("field '" + field + "' must hold non-empty strings of at most " + maxLength
                        + " characters");
            }
            out.add(item.textValue());
        }
        return out;
    }

    /** A boolean field; absent or null is false. */
    public boolean bool(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) return false;
        if (!v.isBoolean()) throw new BadRequest("field '" + field + "' must be true or false");
        return v.booleanValue();
    }

    public String requireString(String field, int maxLength) {
        String s = string(field, maxLength);
        if (s == null || s.isEmpty()) throw new BadRequest("field '" + field + "' is required");
        return s;
    }
}
