package dev.airlock.core.proxy;

import static dev.airlock.core.proxy.GraphQlMapperTest.post;
import static dev.airlock.core.proxy.RestMapperTest.mapped;
import static dev.airlock.core.proxy.RestMapperTest.refused;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.policy.PolicyLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 12 at the mapping layer: every id a rule reads must match its provider's id syntax, and a parameter or key that
 * a framework would bind to the one a rule reads is refused as ambiguous. The shipped {@code generic-rest} declares
 * lower-case ids; {@code plain} is a REST provider without {@code ids}, so the default syntax applies; the shipped
 * {@code railway} declares none either.
 */
class ResourceSpellingMappingTest {
    static Provider rest;
    static RestMapper plain;

    @BeforeAll
    static void load() throws Exception {
        GraphQlMapperTest.load();
        rest = ProviderLoader.load(Path.of("scopes/providers"), PolicyLoader.load(Path.of("scopes")))
                .get("generic-rest").orElseThrow();
        plain = new RestMapper("plain", List.of(new RestRule("PATCH", PathTemplate.parse("/v1/volumes/{id}"),
                "volume:write", List.of(new RestRule.FromPath("id")), null)));
    }

    // --- id syntax: path, query, body ---

    @ParameterizedTest
    @ValueSource(strings = {"vol-7f3a.json", "vol-7f3a:delete", "vol-7f3a~1", "vol-7f3a,vol-9c1e", "vol-7f3a!"})
    void pathIdWhenAFrameworkCouldReadAnotherIdThenBadResourceWithTheDefaultSyntax(String id) {
        MappingResult.Refused r = refused(MappingResult.BAD_RESOURCE, plain.map(ProxyRequest.of("PATCH", "/v1/volumes/" + id, null)));
        assertTrue(r.reason().startsWith("path parameter {id} '" + id + "' is not a volume id of provider 'plain'"), r.reason());
    }

    @Test
    void pathIdInCapitalsWhenTheDefaultSyntaxThenMappedAsSent() {
        // Case is not the syntax's business under the default: ownership is decided on the canonical form.
        assertEquals(List.of("VOL-7F3A"), mapped(plain.map(ProxyRequest.of("PATCH", "/v1/volumes/VOL-7F3A", null))).get(0).resources());
    }

    @Test
    void pathIdWhenTheProviderDeclaresLowerCaseIdsThenCapitalsAndSuffixesRefused() {
        refused(MappingResult.BAD_RESOURCE, rest.map(ProxyRequest.of("PATCH", "/v1/volumes/VOL-7F3A", null)));
        refused(MappingResult.BAD_RESOURCE, rest.map(ProxyRequest.of("PATCH", "/v1/volumes/vol-7f3a.json", null)));
        refused(MappingResult.BAD_RESOURCE, rest.map(ProxyRequest.of("DELETE", "/v1/databases/vol-7f3a", null)));
        assertEquals(List.of("vol-7f3a-stg"), mapped(rest.map(ProxyRequest.of("PATCH", "/v1/volumes/vol-7f3a-stg", null)))
                .get(0).resources());
    }

    @Test
    void queryAndBodyIdsMustMatchTheSyntaxToo() {
        refused(MappingResult.BAD_RESOURCE, rest.map(ProxyRequest.of("GET", "/v1/snapshots", "volumeId=vol-7f3a.json")));
        refused(MappingResult.BAD_RESOURCE, rest.map(ProxyRequest.of("GET", "/v1/snapshots", "volumeId=vol-7f3a%20")));
        refused(MappingResult.BAD_RESOURCE, rest.map(json("{\"volume\": {\"id\": \"vol-7f3a.json\"}}")));
        refused(MappingResult.BAD_RESOURCE, rest.map(json("{\"volume\": {\"id\": \"VOL-7F3A\"}}")));
    }

    // --- ambiguous query parameters ---

    @ParameterizedTest
    @ValueSource(strings = {"volumeId[]", "volumeId%5B%5D", "volumeId[0]", "volumeId[1][]", "VOLUMEID", "volume%49d",
            "volumeId[x]", "%EF%BD%96olumeId", "%20volumeId"})
    void queryParameterWhenAnotherNameBindsToTheSameParameterThenAmbiguous(String other) {
        MappingResult.Refused r = refused(MappingResult.BAD_REQUEST,
                rest.map(ProxyRequest.of("GET", "/v1/snapshots", "volumeId=vol-7f3a-stg&" + other + "=vol-7f3a")));
        assertTrue(r.reason().startsWith("query parameter 'volumeId' is given more than once"), r.reason());
        refused(MappingResult.BAD_REQUEST,
                rest.map(ProxyRequest.of("GET", "/v1/snapshots", other + "=vol-7f3a&volumeId=vol-7f3a-stg")));
    }

    @Test
    void queryParameterWhenOnlyOneSpellingIsSentThenItsValueIsTheResource() {
        assertEquals(List.of("vol-7f3a"), mapped(rest.map(ProxyRequest.of("GET", "/v1/snapshots", "volumeId[]=vol-7f3a")))
                .get(0).resources());
        assertEquals(List.of("vol-7f3a-stg"), mapped(rest.map(ProxyRequest.of("GET", "/v1/snapshots",
                "volumeId=vol-7f3a-stg&volumeIds=vol-7f3a&snapshot.volumeId=x"))).get(0).resources());
    }

    @Test
    void methodOverrideParameterWhenSpelledAsPhpReadsItThenRefused() {
        refused(MappingResult.METHOD_OVERRIDE, rest.map(ProxyRequest.of("GET", "/v1/snapshots", "volumeId=vol-7f3a-stg&.method=DELETE")));
        refused(MappingResult.METHOD_OVERRIDE, rest.map(ProxyRequest.of("GET", "/v1/snapshots", "volumeId=vol-7f3a-stg&_method[]=DELETE")));
        refused(MappingResult.METHOD_OVERRIDE, rest.map(ProxyRequest.of("GET", "/v1/snapshots", "volumeId=vol-7f3a-stg&_METHOD=DELETE")));
    }

    // --- ambiguous JSON keys ---

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"volume\": {\"id\": \"vol-7f3a-stg\", \"ID\": \"vol-7f3a\"}}",
            "{\"volume\": {\"ID\": \"vol-7f3a\", \"id\": \"vol-7f3a-stg\"}}",
            "{\"volume\": {\"id\": \"vol-7f3a-stg\"}, \"Volume\": {\"id\": \"vol-7f3a\"}}",
            "{\"volume\": {\"id\": \"vol-7f3a-stg\", \"\uFF49\uFF44\": \"vol-7f3a\"}}",
            "{\"volume\": {\"Id\": \"vol-7f3a\"}}"})
    void bodyKeyWhenAnotherSpellingOfTheKeyIsBesideItOrInsteadThenAmbiguous(String body) {
        MappingResult.Refused r = refused(MappingResult.BAD_REQUEST, rest.map(json(body)));
        assertTrue(r.reason().startsWith("body field /volume/id: the key '"), r.reason());
    }

    @Test
    void bodyKeyWhenOtherKeysAreMerelySimilarThenMapped() {
        assertEquals(List.of("vol-7f3a-stg"), mapped(rest.map(json("{\"volume\": {\"id\": \"vol-7f3a-stg\", \"ids\": [\"x\"],"
                + " \"name\": \"Id\"}, \"service\": {\"ID\": \"svc-api-prod\"}}"))).get(0).resources());
    }

    // --- GraphQL: syntax and ambiguous names along the argument path ---

    @Test
    void graphqlIdWhenAFrameworkCouldReadAnotherIdThenBadResource() {
        refused(MappingResult.BAD_RESOURCE, post("{ volume(id: \"vol-7f3a.json\") { id } }"));
        refused(MappingResult.BAD_RESOURCE, post("mutation { volumeDelete(volumeId: \"vol-7f3a;v=1\") }"));
        refused(MappingResult.BAD_RESOURCE, post("mutation Kill($v: String!) { volumeDelete(volumeId: $v) }", null,
                Map.of("v", "vol-7f3a:x")));
        assertEquals(List.of("VOL-7F3A"), mapped(post("{ volume(id: \"VOL-7F3A\") { id } }")).get(0).resources());
        assertEquals(List.of("12345"), mapped(post("{ volume(id: 12345) { id } }")).get(0).resources());
    }

    @Test
    void graphqlVariablesWhenTheVariableIsAlsoGivenInAnotherSpellingThenAmbiguous() {
        refused(MappingResult.BAD_REQUEST, post("query Look($id: String!) { volume(id: $id) { id } }", null,
                Map.of("id", "vol-7f3a-stg", "ID", "vol-7f3a")));
        refused(MappingResult.BAD_REQUEST, post("mutation Set($in: VariableUpsertInput!) { variableUpsert(input: $in) }",
                null, Map.of("in", Map.of("serviceId", "svc-api-stg", "serviceID", "svc-api-prod"))));
    }

    @Test
    void graphqlLiteralsWhenAnArgumentOrInputFieldIsAlsoGivenInAnotherSpellingThenAmbiguous() {
        refused(MappingResult.BAD_REQUEST, post("mutation { variableUpsert(input: {serviceId: \"svc-api-stg\","
                + " serviceID: \"svc-api-prod\"}) }"));
        refused(MappingResult.BAD_REQUEST, post("{ volume(id: \"vol-7f3a-stg\", ID: \"vol-7f3a\") { id } }"));
        // Other arguments and fields are the server's business.
        assertEquals(List.of("svc-api-stg"), mapped(post("mutation { variableUpsert(input: {serviceId: \"svc-api-stg\","
                + " name: \"A\", NAME: \"B\"}) }")).get(0).resources());
    }

    private static ProxyRequest json(String body) {
        return new ProxyRequest("POST", "/v1/attachments", null, Map.of("Content-Type", List.of("application/json")),
                body.getBytes(UTF_8), null);
    }
}
