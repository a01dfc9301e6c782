package dev.airlock.core.mcp;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Iterator;
import java.util.Objects;
import java.util.Set;

/**
 * JSON-RPC 2.0 messages as MCP carries them over Streamable HTTP: one message per HTTP request, read so that it means
 * one thing to us and to any server behind us.
 *
 * <ul>
 *   <li>Duplicate keys are refused: {@code {"name":"list_volumes","name":"delete_volume"}} is one tool to a parser
 *       that keeps the first key and another to one that keeps the last.</li>
 *   <li>Batches (a JSON array) are refused: MCP 2025-06-18 removed JSON-RPC batching and no revision since brings it
 *       back, so an array is either an old client or an attempt to hide a second call behind a first.</li>
 *   <li>Members JSON-RPC 2.0 does not define are refused, for the same reason: a server might read them.</li>
 *   <li>An {@code id} is a string or an integer (MCP forbids {@code null}); {@code params}, when present, is an object
 *       (MCP never uses by-position parameters).</li>
 * </ul>
 *
 * <p>Sizes are bounded here ({@link #MAX_DEPTH}, {@link #MAX_STRING}, {@link #MAX_ID}, {@link #MAX_METHOD}); the HTTP
 * layer bounds the body before it gets here.
 */
public final class JsonRpc {
    /** JSON-RPC 2.0 §5.1 error codes. */
    public static final int PARSE_ERROR = -32700;
    public static final int INVALID_REQUEST = -32600;
    public static final int METHOD_NOT_FOUND = -32601;
    public static final int INVALID_PARAMS = -32602;
    public static final int INTERNAL_ERROR = -32603;
    /**
     * Airlock's refusals, in the range JSON-RPC 2.0 reserves for implementation-defined server errors
     * (-32000 to -32099). The {@code data} member says why and how to ask a human.
     */
    public static final int FORBIDDEN = -32003;
    /** Airlock cannot decide or forward now (store, upstream or credential unavailable); try again later. */
    public static final int UNAVAILABLE = -32004;

    static final int MAX_DEPTH = 64;
    static final int MAX_STRING = 1 << 20;
    static final int MAX_ID = 256;
    static final int MAX_METHOD = 128;
    private static final Set<String> MEMBERS = Set.of("jsonrpc", "id", "method", "params", "result", "error");

    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_DEPTH)
                    .maxStringLength(MAX_STRING)
                    .maxNumberLength(100)
                    .build())
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private JsonRpc() {}

    /** One parsed message, or why it is not one. */
    public sealed interface Message permits Request, Notification, Response, Invalid {}

    /** A call that expects an answer. {@code params} is an object, empty when absent. */
    public record Request(JsonNode id, String method, ObjectNode params) implements Message {
        public Request {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(params, "params");
        }
    }

    /** A message without an id: never answered. {@code params} is an object, empty when absent. */
    public record Notification(String method, ObjectNode params) implements Message {
        public Notification {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(params, "params");
        }
    }

    /** A client's answer to a server's request (sampling, elicitation, roots); exactly one of result and error. */
    public record Response(JsonNode id, JsonNode result, JsonNode error) implements Message {}

    /**
     * Not a message we accept. {@code id} is the request's id when it could be read (the error answer must carry it,
     * JSON-RPC 2.0 §5), else {@link NullNode}.
     */
    public record Invalid(JsonNode id, int code, String message) implements Message {
        public Invalid {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(message, "message");
        }
    }

    /** Reads one message from an HTTP request body (UTF-8 JSON). Never throws for bad input. */
    public static Message parse(byte[] body) {
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            String m = e.getOriginalMessage();
            return invalid(NullNode.instance, PARSE_ERROR, m != null && m.startsWith("Duplicate field")
                    ? "the message has a duplicate key" : "the message is not valid JSON");
        } catch (IOException e) {
            return invalid(NullNode.instance, PARSE_ERROR, "the message could not be read");
        }
        if (root == null || root.isMissingNode()) return invalid(NullNode.instance, PARSE_ERROR, "the message is empty");
        if (root.isArray()) {
            return invalid(NullNode.instance, INVALID_REQUEST, "JSON-RPC batches are not accepted (MCP removed them in"
                    + " 2025-06-18): send one message per HTTP request");
        }
        if (!(root instanceof ObjectNode message)) {
            return invalid(NullNode.instance, INVALID_REQUEST, "a JSON-RPC message is a JSON object");
        }
        JsonNode rawId = message.get("id");
        JsonNode id = validId(rawId) ? rawId : NullNode.instance;
        for (Iterator<String> names = message.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!MEMBERS.contains(name)) {
                return invalid(id, INVALID_REQUEST, "unexpected member '" + printable(name)
                        + "': a JSON-RPC 2.0 message has only jsonrpc, id, method, params, result, error");
            }
        }
        JsonNode version = message.get("jsonrpc");
        if (version == null || !version.isTextual() || !version.textValue().equals("2.0")) {
            return invalid(id, INVALID_REQUEST, "jsonrpc must be \"2.0\"");
        }
        if (rawId != null && !validId(rawId)) {
            return invalid(NullNode.instance, INVALID_REQUEST, "id must be a string of at most " + MAX_ID
                    + " characters or an integer");
        }
        JsonNode method = message.get("method");
        if (method == null) {
            JsonNode result = message.get("result");
            JsonNode error = message.get("error");
            if (rawId == null || (result == null) == (error == null) || message.has("params")) {
                return invalid(id, INVALID_REQUEST, "a message without a method is a response: an id and exactly one"
                        + " of result and error");
            }
            return new Response(rawId, result, error);
        }
        if (message.has("result") || message.has("error")) {
            return invalid(id, INVALID_REQUEST, "a request has no result or error member");
        }
        if (!method.isTextual() || method.textValue().isEmpty() || method.textValue().length() > MAX_METHOD) {
            return invalid(id, INVALID_REQUEST, "method must be a non-empty string of at most " + MAX_METHOD
                    + " characters");
        }
        JsonNode params = message.get("params");
        ObjectNode p;
        if (params == null) p = JsonNodeFactory.instance.objectNode();
        else if (params instanceof ObjectNode o) p = o;
        else return invalid(id, INVALID_PARAMS, "params must be an object");
        return rawId == null ? new Notification(method.textValue(), p) : new Request(rawId, method.textValue(), p);
    }

    /** {@code {"jsonrpc":"2.0","id":id,"result":result}}. */
    public static ObjectNode result(JsonNode id, JsonNode result) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("jsonrpc", "2.0");
        out.set("id", id);
        out.set("result", result);
        return out;
    }

    /** {@code {"jsonrpc":"2.0","id":id,"error":{"code":..,"message":..,"data":..}}}; {@code data} may be null. */
    public static ObjectNode error(JsonNode id, int code, String message, JsonNode data) {
        ObjectNode error = JsonNodeFactory.instance.objectNode();
        error.put("code", code);
        error.put("message", message);
        if (data != null) error.set("data", data);
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("jsonrpc", "2.0");
        out.set("id", id == null ? NullNode.instance : id);
        out.set("error", error);
        return out;
    }

    /** The error answer to an {@link Invalid} message. */
    public static ObjectNode error(Invalid invalid) {
        return error(invalid.id(), invalid.code(), invalid.message(), null);
    }

    private static boolean validId(JsonNode id) {
        if (id == null) return false;
        if (id.isTextual()) return id.textValue().length() <= MAX_ID;
        return id.isIntegralNumber() && id.canConvertToLong();
    }

    private static Invalid invalid(JsonNode id, int code, String message) {
        return new Invalid(id, code, message);
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
