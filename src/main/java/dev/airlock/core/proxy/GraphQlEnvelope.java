package dev.airlock.core.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The GraphQL requests carried by one HTTP request (GraphQL over HTTP): a GET with {@code query},
 * {@code operationName}, {@code variables} and {@code extensions} parameters, or a POST with a JSON object, or a
 * JSON array of such objects (a batch). Anything a server could read as a document other than the one we read is
 * refused: unknown keys ({@code documentId}, {@code id}, {@code doc_id} name stored documents), persisted-query
 * extensions, a query string on a POST, a body on a GET.
 */
final class GraphQlEnvelope {
    /** A batch is checked element by element; the bound keeps that work and the number of actions small. */
    static final int MAX_BATCH = 16;
    static final Set<String> KEYS = Set.of("query", "operationName", "variables", "extensions");

    /** One GraphQL request; {@code variables} is an object, empty when none were sent. */
    record Request(String query, String operationName, ObjectNode variables) {}

    /** The requests, and whether they came by GET (which may not carry a mutation). */
    record Parsed(List<Request> requests, boolean viaGet) {}

    private GraphQlEnvelope() {}

    static Parsed parse(ProxyRequest request) throws Refusal {
        if (request.method().equals("GET")) {
            if (request.bodyLength() > 0) {
                throw new Refusal(MappingResult.BAD_REQUEST, "a GraphQL GET carries no body");
            }
            return new Parsed(List.of(fromQueryString(request.rawQuery())), true);
        }
        if (!request.method().equals("POST")) {
            throw new Refusal(MappingResult.BAD_METHOD, "GraphQL is served by GET and POST only");
        }
        if (!request.rawQuery().isEmpty()) {
            // Some servers merge query-string parameters into a POST's; then two documents would compete.
            throw new Refusal(MappingResult.BAD_REQUEST, "a GraphQL POST carries no query string");
        }
        StrictJson.requireJson(request.contentType(), "a GraphQL POST");
        JsonNode body = StrictJson.parse(RequestChecks.utf8(request.bodyBytes()), "the GraphQL body");
        List<Request> out = new ArrayList<>();
        if (body.isArray()) {
            if (body.isEmpty()) throw new Refusal(MappingResult.GRAPHQL_BATCH, "an empty batch");
            if (body.size() > MAX_BATCH) {
                throw new Refusal(MappingResult.GRAPHQL_BATCH, "a batch of more than " + MAX_BATCH + " requests");
            }
            for (int i = 0; i < body.size(); i++) out.add(fromJson(body.get(i), "batch element " + i));
        } else {
            out.add(fromJson(body, "the GraphQL body"));
        }
        return new Parsed(out, false);
    }

    private static Request fromJson(JsonNode node, String what) throws Refusal {
        if (!node.isObject()) throw new Refusal(MappingResult.BAD_REQUEST, what + " is not a JSON object");
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!KEYS.contains(name)) {
                throw new Refusal(MappingResult.BAD_REQUEST, what + " has the unknown key '" + RequestChecks.printable(name)
                        + "' (allowed: query, operationName, variables, extensions)");
            }
        }
        JsonNode extensions = node.get("extensions");
        checkExtensions(extensions, what);
        JsonNode query = node.get("query");
        if (query == null || query.isNull()) {
            throw new Refusal(MappingResult.BAD_REQUEST, what + " has no query document");
        }
        if (!query.isTextual()) throw new Refusal(MappingResult.BAD_REQUEST, what + ": query is not a string");
        JsonNode name = node.get("operationName");
        if (name != null && !name.isNull() && !name.isTextual()) {
            throw new Refusal(MappingResult.BAD_REQUEST, what + ": operationName is not a string");
        }
        return new Request(query.textValue(), name == null || name.isNull() ? null : name.textValue(),
                variables(node.get("variables"), what));
    }

    private static Request fromQueryString(String raw) throws Refusal {
        QueryString q = QueryString.parse(raw, true);
        for (QueryString.Param p : q.all()) {
            if (!KEYS.contains(p.name())) {
                throw new Refusal(MappingResult.BAD_REQUEST, "unknown GraphQL GET parameter '"
                        + RequestChecks.printable(p.name()) + "' (allowed: query, operationName, variables, extensions)");
            }
        }
        QueryString.Param extensions = q.single("extensions");
        if (extensions != null) checkExtensions(StrictJson.parse(extensions.value(), "extensions"), "the request");
        QueryString.Param query = q.single("query");
        if (query == null) throw new Refusal(MappingResult.BAD_REQUEST, "the request has no query document");
        QueryString.Param name = q.single("operationName");
        QueryString.Param variables = q.single("variables");
        return new Request(query.value(), name == null || name.value().isEmpty() ? null : name.value(),
                variables(variables == null ? null : StrictJson.parse(variables.value(), "variables"), "the request"));
    }

    /**
     * Persisted queries are refused with or without a document: with only a hash we cannot know what runs, and
     * with both, a server that looks the hash up first would run its stored document, not the one we mapped.
     */
    private static void checkExtensions(JsonNode extensions, String what) throws Refusal {
        if (extensions == null || extensions.isNull()) return;
        if (!extensions.isObject()) throw new Refusal(MappingResult.BAD_REQUEST, what + ": extensions is not an object");
        if (extensions.has("persistedQuery")) {
            throw new Refusal(MappingResult.GRAPHQL_PERSISTED_QUERY, "persisted queries are refused: send the full"
                    + " query document without extensions.persistedQuery, so what runs is what was checked");
        }
    }

    private static ObjectNode variables(JsonNode node, String what) throws Refusal {
        if (node == null || node.isNull()) return JsonNodeFactory.instance.objectNode();
        if (!node.isObject()) throw new Refusal(MappingResult.BAD_REQUEST, what + ": variables is not an object");
        return (ObjectNode) node;
    }
}
