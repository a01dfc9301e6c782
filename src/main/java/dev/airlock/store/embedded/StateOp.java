package dev.airlock.store.embedded;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One line of {@code state.journal} or {@code state.snapshot}. Every op sets one key to a value ("last writer
 * wins"), so applying a line twice, or a snapshot and then the journal it was taken from, gives the same state.
 */
sealed interface StateOp {

    ObjectMapper JSON = new ObjectMapper();

    record Revoke(String jti, long exp) implements StateOp {}

    record Freeze(String env, boolean frozen) implements StateOp {}

    record Secret(String agent, String sha256) implements StateOp {}

    record Assertion(String client, String jti, long exp) implements StateOp {}

    /** First line of a journal generation (unique id) or of a snapshot; carries no state. */
    record Header(String kind, String id) implements StateOp {}

    default String toJson() {
        ObjectNode o = JSON.createObjectNode();
        if (this instanceof Revoke r) {
            o.put("op", "revoke").put("jti", r.jti).put("exp", r.exp);
        } else if (this instanceof Freeze f) {
            o.put("op", "freeze").put("env", f.env).put("frozen", f.frozen);
        } else if (this instanceof Secret s) {
            o.put("op", "secret").put("agent", s.agent).put("sha256", s.sha256);
        } else if (this instanceof Assertion a) {
            o.put("op", "assertion").put("client", a.client).put("jti", a.jti).put("exp", a.exp);
        } else if (this instanceof Header h) {
            o.put("op", h.kind).put("id", h.id);
        }
        return o.toString();
    }

    /**
     * Strict: an unknown op or missing field throws. Skipping it instead could silently forget a revocation
     * written by a newer version; refusing to start is the fail-closed choice.
     */
    static StateOp parse(String line) {
        JsonNode o;
        try {
            o = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON");
        }
        if (o == null || !o.isObject()) throw new IllegalArgumentException("not a JSON object");
        String op = text(o, "op");
        return switch (op) {
            case "revoke" -> new Revoke(text(o, "jti"), number(o, "exp"));
            case "freeze" -> new Freeze(text(o, "env"), bool(o, "frozen"));
            case "secret" -> new Secret(text(o, "agent"), text(o, "sha256"));
            case "assertion" -> new Assertion(text(o, "client"), text(o, "jti"), number(o, "exp"));
            case "journal", "snapshot" -> new Header(op, o.path("id").asText(""));
            default -> throw new IllegalArgumentException("unknown op '" + op + "'");
        };
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.isTextual()) throw new IllegalArgumentException("\"" + field + "\" missing or not a string");
        return v.textValue();
    }

    private static long number(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.canConvertToLong() || !v.isIntegralNumber()) {
            throw new IllegalArgumentException("\"" + field + "\" missing or not an integer");
        }
        return v.longValue();
    }

    private static boolean bool(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.isBoolean()) throw new IllegalArgumentException("\"" + field + "\" missing or not a boolean");
        return v.booleanValue();
    }
}
