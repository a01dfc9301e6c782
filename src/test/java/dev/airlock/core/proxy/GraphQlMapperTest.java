package dev.airlock.core.proxy;

import static dev.airlock.core.proxy.RestMapperTest.mapped;
import static dev.airlock.core.proxy.RestMapperTest.refused;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.PolicyLoader;
import java.net.URLEncoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shipped Railway-style provider, fed real GraphQL over HTTP: what maps, and each way of hiding an operation,
 * a field or a resource from the mapper.
 */
class GraphQlMapperTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String ENDPOINT = "/graphql/v2";
    static final ProxyAction DELETE_PROD = new ProxyAction("volume:delete", List.of("vol-7f3a"), "mutation volumeDelete");
    static Provider railway;
    static Provider withIntrospection;

    @BeforeAll
    static void load() throws Exception {
        Policy policy = PolicyLoader.load(Path.of("scopes"));
        railway = ProviderLoader.load(Path.of("scopes/providers"), policy).get("railway").orElseThrow();
        withIntrospection = ProviderLoader.load(Path.of("src/test/resources/providers/introspection"), policy)
                .get("schema-reader").orElseThrow();
    }

    // --- what maps ---

    @Test
    void mutationRootFieldMapsToItsScopeWithTheArgumentAsResource() {
        assertEquals(List.of(DELETE_PROD), mapped(post("mutation { volumeDelete(volumeId: \"vol-7f3a\") }")));
    }

    @Test
    void queryRootFieldsMapToReadScopes() {
        assertEquals(List.of(new ProxyAction("volume:read", List.of("vol-7f3a-stg"), "query volume"),
                        new ProxyAction("service:read", List.of("svc-api-stg"), "query service")),
                mapped(post("{ volume(id: \"vol-7f3a-stg\") { name } service(id: \"svc-api-stg\") { name } }")));
    }

    @Test
    void everyRootFieldOfAnOperationIsAnAction() {
        assertEquals(List.of(new ProxyAction("volume:delete", List.of("vol-7f3a-stg"), "mutation volumeDelete"), DELETE_PROD),
                mapped(post("mutation { a: volumeDelete(volumeId: \"vol-7f3a-stg\") b: volumeDelete(volumeId: \"vol-7f3a\") }")));
        assertEquals(2, mapped(post("mutation { a: volumeDelete(volumeId: \"x1\") b: volumeDelete(volumeId: \"x1\") }")).size(),
                "the same deletion twice is two uses, not one");
    }

    @Test
    void nonIdResourcesAreRefused() {
        refused(MappingResult.BAD_RESOURCE, post("mutation { volumeDelete(volumeId: null) }"));
        refused(MappingResult.BAD_RESOURCE, post("mutation { volumeDelete }"));
        refused(MappingResult.BAD_RESOURCE, post("mutation { volumeDelete(volumeId: \"vol 7f3a\") }"));
        refused(MappingResult.BAD_RESOURCE, post("mutation { volumeDelete(volumeId: \"vol‐7f3a\") }"));
        refused(MappingResult.BAD_RESOURCE, post("mutation { volumeDelete(volumeId: {id: \"vol-7f3a\"}) }"));
        refused(MappingResult.BAD_RESOURCE, post("mutation { volumeDelete(volumeId: true) }"));
        assertEquals(List.of("vol-7f3a-stg", "vol-7f3a"),
                mapped(post("mutation { volumeDelete(volumeId: [\"vol-7f3a-stg\", \"vol-7f3a\"]) }")).get(0).resources());
    }

    // --- variables ---

    @Test
    void variableHoldingTheIdIsResolved() {
        assertEquals(List.of(DELETE_PROD), mapped(post("mutation Kill($v: String!) { volumeDelete(volumeId: $v) }",
                null, Map.of("v", "vol-7f3a"))));
    }

    @Test
    void variableDefaultIsUsedWhenTheRequestDoesNotGiveIt() {
        assertEquals(List.of(DELETE_PROD), mapped(post(
                "mutation Kill($v: String = \"vol-7f3a\") { volumeDelete(volumeId: $v) }", null, Map.of())));
        // Given wins over default, as in GraphQL's CoerceVariableValues.
        assertEquals(List.of("vol-7f3a"), mapped(post(
                "mutation Kill($v: String = \"vol-7f3a-stg\") { volumeDelete(volumeId: $v) }", null,
                Map.of("v", "vol-7f3a"))).get(0).resources());
    }

    @Test
    void missingNullOrUndeclaredVariablesAreRefused() {
        refused(MappingResult.BAD_RESOURCE, post("mutation Kill($v: String) { volumeDelete(volumeId: $v) }", null, Map.of()));
        Map<String, Object> nullId = new LinkedHashMap<>();
        nullId.put("v", null);
        refused(MappingResult.BAD_RESOURCE, post("mutation Kill($v: String) { volumeDelete(volumeId: $v) }", null, nullId));
        refused(MappingResult.GRAPHQL_SYNTAX, post("mutation Kill { volumeDelete(volumeId: $v) }", null,
                Map.of("v", "vol-7f3a")));
    }

    @Test
    void nestedInputFieldIsResolvedFromLiteralsAndVariables() {
        List<ProxyAction> expected = List.of(new ProxyAction("variable:write", List.of("svc-api-prod"), "mutation variableUpsert"));
        assertEquals(expected, mapped(post("mutation { variableUpsert(input: {serviceId: \"svc-api-prod\", name: \"A\","
                + " value: \"b\"}) }")));
        assertEquals(expected, mapped(post("mutation Set($in: VariableUpsertInput!) { variableUpsert(input: $in) }",
                null, Map.of("in", Map.of("serviceId", "svc-api-prod", "name", "A", "value", "b")))));
        assertEquals(expected, mapped(post("mutation Set($s: String!) { variableUpsert(input: {serviceId: $s,"
                + " name: \"A\", value: \"b\"}) }", null, Map.of("s", "svc-api-prod"))));
        refused(MappingResult.BAD_RESOURCE, post("mutation { variableUpsert(input: {name: \"A\", value: \"b\"}) }"));
        refused(MappingResult.GRAPHQL_SYNTAX, post("mutation { variableUpsert(input: {serviceId: \"svc-api-stg\","
                + " serviceId: \"svc-api-prod\"}) }"));
    }

    // --- aliases ---

    @Test
    void aliasesAreMappedByFieldNameNotAlias() {
        assertEquals(List.of(DELETE_PROD), mapped(post("mutation { keep: volumeDelete(volumeId: \"vol-7f3a\") }")));
        // An alias that names a harmless rule does not borrow its scope.
        assertEquals(List.of(DELETE_PROD), mapped(post("mutation { volume: volumeDelete(volumeId: \"vol-7f3a\") }")));
    }

    @Test
    void argumentGivenTwiceIsRefused() {
        refused(MappingResult.GRAPHQL_SYNTAX, post("mutation { volumeDelete(volumeId: \"vol-7f3a-stg\", volumeId: \"vol-7f3a\") }"));
    }

    // --- fragments ---

    @Test
    void fragmentSpreadsOnTheRootAreExpanded() {
        assertEquals(List.of(DELETE_PROD), mapped(post(
                "mutation { ...Harmless } fragment Harmless on Mutation { volumeDelete(volumeId: \"vol-7f3a\") }")));
        assertEquals(List.of(DELETE_PROD), mapped(post("mutation { ...A } fragment A on Mutation { ...B }"
                + " fragment B on Mutation { volumeDelete(volumeId: \"vol-7f3a\") }")));
    }

    @Test
    void inlineFragmentsOnTheRootAreExpandedWhateverTheirTypeOrDirectives() {
        assertEquals(List.of(DELETE_PROD), mapped(post("mutation { ... on Mutation { volumeDelete(volumeId: \"vol-7f3a\") } }")));
        assertEquals(List.of(DELETE_PROD), mapped(post("mutation { ... @include(if: false) { volumeDelete(volumeId: \"vol-7f3a\") } }")));
        assertEquals(List.of(DELETE_PROD), mapped(post("mutation { volumeDelete(volumeId: \"vol-7f3a\") @skip(if: true) }")));
    }

    @Test
    void fragmentCyclesAndUndefinedFragmentsAreRefused() {
        refused(MappingResult.GRAPHQL_SYNTAX, post("query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }"));
        refused(MappingResult.GRAPHQL_SYNTAX, post("query { volume(id: \"v\") { ...C } } fragment C on Volume { id ...C }"));
        refused(MappingResult.GRAPHQL_SYNTAX, post("mutation { ...Missing }"));
        refused(MappingResult.GRAPHQL_SYNTAX, post("query { ...A } fragment A on Query { volume(id: \"v\") { id } }"
                + " fragment A on Query { service(id: \"s\") { id } }"));
    }

    @Test
    void fragmentThatMultipliesItselfIsRefusedNotExpanded() {
        StringBuilder doc = new StringBuilder("query { ...F0 }");
        for (int i = 0; i < 20; i++) doc.append(" fragment F").append(i).append(" on Query { ...F").append(i + 1)
                .append(" ...F").append(i + 1).append(" }");
        doc.append(" fragment F20 on Query { volume(id: \"vol-7f3a-stg\") { id } }");
        refused(MappingResult.GRAPHQL_SYNTAX, post(doc.toString()));
    }

    // --- several operations ---

    @Test
    void severalOperationsWithoutOperationNameAreRefused() {
        refused(MappingResult.GRAPHQL_OPERATION, post("query Look { volume(id: \"vol-7f3a-stg\") { id } }"
                + " mutation Kill { volumeDelete(volumeId: \"vol-7f3a\") }"));
    }

    @Test
    void withOperationNameEveryOperationInTheDocumentIsStillMapped() {
        // operationName selects the harmless query; the mutation beside it is mapped too, so a server that ran it
        // anyway would run something checked, and the decision refuses the whole request unless both are allowed.
        List<ProxyAction> actions = mapped(post("query Look { volume(id: \"vol-7f3a-stg\") { id } }"
                + " mutation Kill { volumeDelete(volumeId: \"vol-7f3a\") }", "Look", Map.of()));
        assertEquals(List.of(new ProxyAction("volume:read", List.of("vol-7f3a-stg"), "query volume"), DELETE_PROD), actions);
    }

    @Test
    void operationNameThatNamesNothingOrNamesTwoOperationsIsRefused() {
        refused(MappingResult.GRAPHQL_OPERATION, post("query Look { volume(id: \"a\") { id } }", "Other", Map.of()));
        refused(MappingResult.GRAPHQL_OPERATION, post("query Look { volume(id: \"a\") { id } }"
                + " mutation Look { volumeDelete(volumeId: \"vol-7f3a\") }", "Look", Map.of()));
        refused(MappingResult.GRAPHQL_OPERATION, post("{ volume(id: \"a\") { id } }"
                + " mutation Kill { volumeDelete(volumeId: \"vol-7f3a\") }", "Kill", Map.of()));
    }

    // --- batches ---

    @Test
    void batchMapsEveryElement() {
        String batch = array(request("{ volume(id: \"vol-7f3a-stg\") { id } }", null, null),
                request("mutation { volumeDelete(volumeId: \"vol-7f3a\") }", null, null));
        assertEquals(List.of(new ProxyAction("volume:read", List.of("vol-7f3a-stg"), "query volume"), DELETE_PROD),
                mapped(postBody(batch)));
    }

    @Test
    void batchWithOneBadElementIsRefusedWhole() {
        refused(MappingResult.UNMAPPED, postBody(array(request("{ volume(id: \"vol-7f3a-stg\") { id } }", null, null),
                request("mutation { volumeWipe(volumeId: \"vol-7f3a\") }", null, null))));
        refused(MappingResult.GRAPHQL_BATCH, postBody("[]"));
        List<String> many = new ArrayList<>();
        for (int i = 0; i <= GraphQlEnvelope.MAX_BATCH; i++) many.add(request("{ volume(id: \"v\") { id } }", null, null));
        refused(MappingResult.GRAPHQL_BATCH, postBody(array(many.toArray(new String[0]))));
        refused(MappingResult.BAD_REQUEST, postBody("[\"{ volume(id: \\\"v\\\") { id } }\"]"));
    }

    // --- GET ---

    @Test
    void queryByGetIsMapped() {
        assertEquals(List.of(new ProxyAction("volume:read", List.of("vol-7f3a-stg"), "query volume")),
                mapped(get("query=" + enc("{ volume(id: \"vol-7f3a-stg\") { id } }"))));
        assertEquals(List.of("vol-7f3a-stg"), mapped(get("query=" + enc("query Q($id: String!) { volume(id: $id) { id } }")
                + "&variables=" + enc("{\"id\": \"vol-7f3a-stg\"}"))).get(0).resources());
    }

    @Test
    void mutationByGetIsRefusedEvenBesideASelectedQuery() {
        refused(MappingResult.GRAPHQL_MUTATION_VIA_GET, get("query=" + enc("mutation { volumeDelete(volumeId: \"vol-7f3a\") }")));
        refused(MappingResult.GRAPHQL_MUTATION_VIA_GET, get("query=" + enc("query Look { volume(id: \"a\") { id } }"
                + " mutation Kill { volumeDelete(volumeId: \"vol-7f3a\") }") + "&operationName=Look"));
    }

    @Test
    void getThatCouldBeReadTwoWaysIsRefused() {
        refused(MappingResult.BAD_REQUEST, get("query=" + enc("{ volume(id: \"a\") { id } }") + "&query="
                + enc("mutation { volumeDelete(volumeId: \"vol-7f3a\") }")));
        refused(MappingResult.BAD_REQUEST, get("query=" + enc("{ volume(id: \"a\") { id } }") + "&documentId=abc"));
        refused(MappingResult.BAD_REQUEST, railway.map(new ProxyRequest("GET", ENDPOINT,
                "query=" + enc("{ volume(id: \"a\") { id } }"), Map.of(),
                request("mutation { volumeDelete(volumeId: \"vol-7f3a\") }", null, null).getBytes(UTF_8), null)));
    }

    // --- introspection ---

    @Test
    void introspectionIsRefusedByDefault() {
        refused(MappingResult.GRAPHQL_INTROSPECTION, post("{ __schema { types { name } } }"));
        refused(MappingResult.GRAPHQL_INTROSPECTION, post("{ __type(name: \"Volume\") { fields { name } } }"));
        refused(MappingResult.GRAPHQL_INTROSPECTION, post("{ ...I } fragment I on Query { __schema { queryType { name } } }"));
        refused(MappingResult.GRAPHQL_INTROSPECTION, post("{ volume(id: \"vol-7f3a-stg\") { id } s: __schema { types { name } } }"));
    }

    @Test
    void introspectionNeedsItsOwnScopeWhenTheProviderAllowsIt() {
        MappingResult r = withIntrospection.map(new ProxyRequest("POST", "/graphql", null,
                Map.of("Content-Type", List.of("application/json")), request("{ __schema { types { name } } }", null, null)
                .getBytes(UTF_8), null));
        assertEquals(List.of(new ProxyAction("service:read", List.of(), "query __schema")), mapped(r));
    }

    @Test
    void typenameReadsNothingAndAloneMapsNothing() {
        refused(MappingResult.UNMAPPED, post("{ __typename }"));
        assertEquals(1, mapped(post("{ __typename volume(id: \"vol-7f3a-stg\") { id } }")).size());
    }

    // --- persisted queries ---

    @Test
    void persistedQueryHashWithoutADocumentIsRefused() {
        String hashOnly = "{\"extensions\": {\"persistedQuery\": {\"version\": 1, \"sha256Hash\": \"ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38\"}}}";
        refused(MappingResult.GRAPHQL_PERSISTED_QUERY, postBody(hashOnly));
        refused(MappingResult.GRAPHQL_PERSISTED_QUERY, get("extensions=" + enc("{\"persistedQuery\": {\"version\": 1,"
                + " \"sha256Hash\": \"ecf4\"}}")));
    }

    @Test
    void persistedQueryHashBesideADocumentIsRefusedToo() {
        refused(MappingResult.GRAPHQL_PERSISTED_QUERY, postBody("{\"query\": \"{ volume(id: \\\"a\\\") { id } }\","
                + " \"extensions\": {\"persistedQuery\": {\"version\": 1, \"sha256Hash\": \"ecf4\"}}}"));
    }

    @Test
    void storedDocumentIdsAndUnknownKeysAreRefused() {
        refused(MappingResult.BAD_REQUEST, postBody("{\"documentId\": \"abc\"}"));
        refused(MappingResult.BAD_REQUEST, postBody("{\"id\": \"abc\", \"query\": \"{ volume(id: \\\"a\\\") { id } }\"}"));
        refused(MappingResult.BAD_REQUEST, postBody("{\"query\": \"{ volume(id: \\\"a\\\") { id } }\","
                + " \"query\": \"mutation { volumeDelete(volumeId: \\\"vol-7f3a\\\") }\"}"));
    }

    // --- subscriptions and unmapped fields ---

    @Test
    void subscriptionsAreRefused() {
        refused(MappingResult.GRAPHQL_SUBSCRIPTION, post("subscription { deploymentLogs(deploymentId: \"d\") { message } }"));
    }

    @Test
    void unmappedRootFieldRefusesTheWholeRequest() {
        MappingResult.Refused r = refused(MappingResult.UNMAPPED, post("mutation { volumeWipe(volumeId: \"vol-7f3a\") }"));
        assertTrue(r.reason().contains("volumeWipe"), r.reason());
        refused(MappingResult.UNMAPPED, post("mutation { volumeDelete(volumeId: \"vol-7f3a-stg\") teamDelete(id: \"t\") }"));
        refused(MappingResult.UNMAPPED, post("{ me { email } }"));
        // Field names are case-sensitive: another spelling is another (unmapped) field.
        refused(MappingResult.UNMAPPED, post("mutation { VolumeDelete(volumeId: \"vol-7f3a\") }"));
        // A query rule does not map a mutation field of the same name, nor the reverse.
        refused(MappingResult.UNMAPPED, post("mutation { volume(id: \"vol-7f3a\") { id } }"));
        refused(MappingResult.UNMAPPED, post("query { volumeDelete(volumeId: \"vol-7f3a\") }"));
    }

    // --- the document and the envelope ---

    @Test
    void documentsBeyondTheParserLimitsAreRefusedNotACrash() {
        String deep = "{ volume(id: \"v\") " + "{ a ".repeat(5_000) + "}".repeat(5_001);
        refused(MappingResult.GRAPHQL_SYNTAX, post(deep));
        String wide = "{ volume(id: \"v\") { " + "a ".repeat(GraphQlMapper.MAX_TOKENS) + "} }";
        refused(MappingResult.GRAPHQL_SYNTAX, post(wide));
        String deepInput = "mutation { volumeDelete(volumeId: " + "[".repeat(5_000) + "\"v\"" + "]".repeat(5_000) + ") }";
        refused(MappingResult.GRAPHQL_SYNTAX, post(deepInput));
        refused(MappingResult.GRAPHQL_SYNTAX, post("mutation { volumeDelete(volumeId: \"vol-7f3a\") "));
        refused(MappingResult.BAD_REQUEST, postBody("{\"query\": \"{ volume(id: \\\"v\\\") { id } }\", \"variables\": "
                + "{\"a\": ".repeat(200) + "1" + "}".repeat(201)));
    }

    @Test
    void typeSystemDefinitionsAreNotAnExecutableDocument() {
        refused(MappingResult.GRAPHQL_SYNTAX, post("type Query { a: Int } { volume(id: \"v\") { id } }"));
    }

    @Test
    void onlyTheEndpointPathAndGetOrPostAreServed() {
        String body = request("{ volume(id: \"v\") { id } }", null, null);
        refused(MappingResult.UNMAPPED, at("POST", "/graphql", null, "application/json", body));
        refused(MappingResult.UNMAPPED, at("POST", "/graphql/V2", null, "application/json", body));
        refused(MappingResult.BAD_PATH, at("POST", "/graphql/v2/", null, "application/json", body));
        refused(MappingResult.BAD_PATH, at("POST", "/graphql/%76%32/..", null, "application/json", body));
        refused(MappingResult.BAD_METHOD, at("PUT", ENDPOINT, null, "application/json", body));
        refused(MappingResult.BAD_METHOD, at("post", ENDPOINT, null, "application/json", body));
        refused(MappingResult.BAD_REQUEST, at("POST", ENDPOINT, null, "application/graphql", "{ volume(id: \"v\") { id } }"));
        refused(MappingResult.BAD_REQUEST, at("POST", ENDPOINT, null, "text/plain", body));
        refused(MappingResult.BAD_REQUEST, at("POST", ENDPOINT, "query=" + enc("mutation { volumeDelete(volumeId: \"vol-7f3a\") }"),
                "application/json", body));
        assertEquals(1, mapped(at("POST", "/graphql/%762", null, "application/json; charset=utf-8", body)).size());
    }

    @Test
    void methodOverrideHeadersAreRefusedHereToo() {
        ProxyRequest r = new ProxyRequest("GET", ENDPOINT, "query=" + enc("{ volume(id: \"v\") { id } }"),
                Map.of("X-HTTP-Method-Override", List.of("POST")), null, null);
        refused(MappingResult.METHOD_OVERRIDE, railway.map(r));
    }

    // --- helpers ---

    static MappingResult post(String query) {
        return postBody(request(query, null, null));
    }

    static MappingResult post(String query, String operationName, Map<String, ?> variables) {
        return postBody(request(query, operationName, variables));
    }

    static MappingResult postBody(String body) {
        return at("POST", ENDPOINT, null, "application/json", body);
    }

    static MappingResult get(String rawQuery) {
        return railway.map(ProxyRequest.of("GET", ENDPOINT, rawQuery));
    }

    static MappingResult at(String method, String path, String rawQuery, String contentType, String body) {
        return railway.map(new ProxyRequest(method, path, rawQuery, Map.of("Content-Type", List.of(contentType)),
                body.getBytes(UTF_8), null));
    }

    static String request(String query, String operationName, Map<String, ?> variables) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("query", query);
        if (operationName != null) r.put("operationName", operationName);
        if (variables != null) r.put("variables", variables);
        try {
            return JSON.writeValueAsString(r);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String array(String... requests) {
        return "[" + String.join(",", requests) + "]";
    }

    static String enc(String s) {
        return URLEncoder.encode(s, UTF_8);
    }
}
