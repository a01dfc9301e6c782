package dev.airlock.core.proxy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
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
 * The shipped generic REST provider, fed raw requests: what maps, and every way of making a path, a method or a
 * resource mean something other than what was checked.
 */
class RestMapperTest {
    static Provider rest;

    @BeforeAll
    static void load() throws Exception {
        rest = ProviderLoader.load(Path.of("scopes/providers"), PolicyLoader.load(Path.of("scopes")))
                .get("generic-rest").orElseThrow();
    }

    // --- what maps ---

    @Test
    void deleteMapsToTheDestructiveScopeWithThePathIdAsResource() {
        assertEquals(List.of(new ProxyAction("volume:delete", List.of("vol-7f3a"), "DELETE /v1/volumes/{id}")),
                mapped(rest.map(ProxyRequest.of("DELETE", "/v1/volumes/vol-7f3a", null))));
    }

    @Test
    void aListingMapsToItsScopeWithNoResource() {
        assertEquals(List.of(new ProxyAction("volume:read", List.of(), "GET /v1/volumes")),
                mapped(rest.map(ProxyRequest.of("GET", "/v1/volumes", ""))));
    }

    @Test
    void nestedLiteralSegmentsSelectTheirOwnRule() {
        assertEquals(List.of(new ProxyAction("service:restart", List.of("svc-api-stg"), "POST /v1/services/{id}/restart")),
                mapped(rest.map(ProxyRequest.of("POST", "/v1/services/svc-api-stg/restart", null))));
    }

    @Test
    void noRuleMeansRefused() {
        refused(MappingResult.UNMAPPED, rest.map(ProxyRequest.of("GET", "/v1/admin/users", null)));
        refused(MappingResult.UNMAPPED, rest.map(ProxyRequest.of("PUT", "/v1/volumes/vol-7f3a", null)));
        refused(MappingResult.UNMAPPED, rest.map(ProxyRequest.of("HEAD", "/v1/volumes/vol-7f3a", null)));
        refused(MappingResult.UNMAPPED, rest.map(ProxyRequest.of("GET", "", null)));
        refused(MappingResult.UNMAPPED, rest.map(ProxyRequest.of("DELETE", "/v1/volumes/vol-7f3a/extra", null)));
    }

    // --- percent-encoding: decoded exactly once, ambiguous escapes refused ---

    @Test
    void percentEncodedLettersAreDecodedOnceAndMapLikeThePlainPath() {
        assertEquals(List.of(new ProxyAction("volume:delete", List.of("vol-7f3a"), "DELETE /v1/volumes/{id}")),
                mapped(rest.map(ProxyRequest.of("DELETE", "/v1/%76olumes/vol%2D7f3a", null))));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "/v1/volumes/vol-7f3a-stg%2F..%2Fvol-7f3a", // encoded '/'
            "/v1/volumes/vol-7f3a-stg%2f..%2fvol-7f3a", // lower-case hex
            "/v1/volumes/%2E%2E",                       // encoded '..'
            "/v1/volumes/%2e",
            "/v1/volumes/vol%252F7f3a",                 // double encoding
            "/v1/volumes/vol%5C7f3a",                   // encoded backslash
            "/v1/volumes/vol\\7f3a",                    // raw backslash
            "/v1/volumes/vol-7f3a%00",                  // NUL
            "/v1/volumes/vol-7f3a;jsessionid=1",        // servlet path parameter
            "/v1/volumes/vol-7f3a-stg%3B",              // encoded ';'
            "/v1/volumes/vol-7f3a%0A",                  // control character
            "/v1/volumes/vol%E2%80%907f3a",             // U+2010 hyphen look-alike
            "/v1/volumes/vol‐7f3a",                     // the same, raw
            "/v1/volumes/vol 7f3a",                     // raw space
            "/v1/volumes/vol%zz",                       // malformed escape
            "/v1/volumes/vol%2",                        // truncated escape
            "v1/volumes/vol-7f3a",                      // not starting with '/'
    })
    void ambiguousEncodingsAreRefused(String path) {
        refused(MappingResult.BAD_PATH, rest.map(ProxyRequest.of("DELETE", path, null)));
    }

    // --- dot segments and empty segments ---

    @ParameterizedTest
    @ValueSource(strings = {
            "/v1/volumes/../volumes/vol-7f3a",
            "/v1/volumes/vol-7f3a-stg/..",
            "/v1/./volumes/vol-7f3a",
            "/v1//volumes/vol-7f3a",
            "//v1/volumes/vol-7f3a",
            "/v1/volumes/vol-7f3a/",
            "/v1/volumes//",
    })
    void dotAndEmptySegmentsAreRefused(String path) {
        refused(MappingResult.BAD_PATH, rest.map(ProxyRequest.of("DELETE", path, null)));
    }

    // --- case: literals and methods are case-sensitive ---

    @ParameterizedTest
    @ValueSource(strings = {"/V1/volumes/vol-7f3a", "/v1/Volumes/vol-7f3a", "/v1/VOLUMES/vol-7f3a"})
    void caseVariantsOfLiteralSegmentsMatchNoRule(String path) {
        refused(MappingResult.UNMAPPED, rest.map(ProxyRequest.of("DELETE", path, null)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"delete", "Delete", "DELETe"})
    void methodsAreCaseSensitive(String method) {
        MappingResult.Refused r = refused(MappingResult.BAD_METHOD, rest.map(ProxyRequest.of(method, "/v1/volumes/vol-7f3a", null)));
        assertTrue(r.reason().contains("send DELETE"), r.reason());
    }

    @ParameterizedTest
    @ValueSource(strings = {"TRACE", "CONNECT", "PROPFIND", "PURGE", ""})
    void nonStandardMethodsAreRefused(String method) {
        refused(MappingResult.BAD_METHOD, rest.map(ProxyRequest.of(method, "/v1/volumes/vol-7f3a", null)));
    }

    // --- method override ---

    @ParameterizedTest
    @ValueSource(strings = {"X-HTTP-Method-Override", "x-http-method-override", "X-HTTP-Method", "X-Method-Override"})
    void methodOverrideHeadersAreRefusedWhateverTheirValue(String header) {
        ProxyRequest request = new ProxyRequest("POST", "/v1/services/svc-api-stg/restart", null,
                Map.of(header, List.of("DELETE")), null, null);
        refused(MappingResult.METHOD_OVERRIDE, rest.map(request));
        ProxyRequest same = new ProxyRequest("GET", "/v1/volumes", null, Map.of(header, List.of("GET")), null, null);
        refused(MappingResult.METHOD_OVERRIDE, rest.map(same));
    }

    @Test
    void methodOverrideParametersAreRefused() {
        refused(MappingResult.METHOD_OVERRIDE, rest.map(ProxyRequest.of("POST", "/v1/services/svc-api-stg/restart",
                "_method=DELETE")));
        refused(MappingResult.METHOD_OVERRIDE, rest.map(ProxyRequest.of("POST", "/v1/services/svc-api-stg/restart",
                "%5Fmethod=DELETE")));
        refused(MappingResult.METHOD_OVERRIDE, rest.map(form("_method=DELETE")));
        refused(MappingResult.METHOD_OVERRIDE, rest.map(form("a=1&%5FMETHOD=DELETE")));
        assertEquals("service:restart", mapped(rest.map(form("a=1"))).get(0).scope());
    }

    // --- resources from the query string ---

    @Test
    void queryParameterIsTheResource() {
        assertEquals(List.of("vol-7f3a"), mapped(rest.map(ProxyRequest.of("GET", "/v1/snapshots", "volumeId=vol%2D7f3a&limit=5")))
                .get(0).resources());
    }

    @Test
    void queryParameterGivenTwiceIsRefusedWhicheverTheUpstreamWouldRead() {
        refused(MappingResult.BAD_REQUEST, rest.map(ProxyRequest.of("GET", "/v1/snapshots",
                "volumeId=vol-7f3a-stg&volumeId=vol-7f3a")));
        refused(MappingResult.BAD_REQUEST, rest.map(ProxyRequest.of("GET", "/v1/snapshots",
                "volumeId=vol-7f3a-stg&VolumeId=vol-7f3a")));
        refused(MappingResult.BAD_REQUEST, rest.map(ProxyRequest.of("GET", "/v1/snapshots",
                "volumeId=vol-7f3a-stg&volume%49d=vol-7f3a")));
        refused(MappingResult.BAD_REQUEST, rest.map(ProxyRequest.of("GET", "/v1/snapshots",
                "volumeId=vol-7f3a-stg;volumeId=vol-7f3a")));
    }

    @Test
    void missingOrAmbiguousQueryResourceIsRefused() {
        refused(MappingResult.BAD_RESOURCE, rest.map(ProxyRequest.of("GET", "/v1/snapshots", "limit=5")));
        refused(MappingResult.BAD_RESOURCE, rest.map(ProxyRequest.of("GET", "/v1/snapshots", "volumeId=")));
        refused(MappingResult.BAD_RESOURCE, rest.map(ProxyRequest.of("GET", "/v1/snapshots", "volumeId=vol+7f3a")));
        refused(MappingResult.BAD_RESOURCE, rest.map(ProxyRequest.of("GET", "/v1/snapshots", "volumeId=vol-*")));
    }

    // --- resources from a JSON body ---

    @Test
    void jsonPointerIntoTheBodyIsTheResource() {
        assertEquals(List.of(new ProxyAction("volume:write", List.of("vol-7f3a"), "POST /v1/attachments")),
                mapped(rest.map(json("{\"volume\": {\"id\": \"vol-7f3a\"}, \"service\": {\"id\": \"svc-api-stg\"}}"))));
    }

    @Test
    void bodyThatCanBeReadTwoWaysIsRefused() {
        // Duplicate keys: a first-wins parser and a last-wins parser would see different volumes.
        refused(MappingResult.BAD_REQUEST, rest.map(json("{\"volume\": {\"id\": \"vol-7f3a-stg\", \"id\": \"vol-7f3a\"}}")));
        refused(MappingResult.BAD_REQUEST, rest.map(json("{\"volume\": {\"id\": \"vol-7f3a\"}} {}")));
        refused(MappingResult.BAD_REQUEST, rest.map(json("{\"volume\": {\"id\": \"vol-7f3a\"")));
        refused(MappingResult.BAD_REQUEST, rest.map(body("text/plain", "{\"volume\": {\"id\": \"vol-7f3a\"}}")));
        refused(MappingResult.BAD_REQUEST, rest.map(body("application/json; charset=iso-8859-1",
                "{\"volume\": {\"id\": \"vol-7f3a\"}}")));
        refused(MappingResult.BAD_REQUEST, rest.map(new ProxyRequest("POST", "/v1/attachments", null,
                Map.of("Content-Type", List.of("application/json", "text/plain")),
                "{\"volume\": {\"id\": \"vol-7f3a\"}}".getBytes(UTF_8), null)));
    }

    @Test
    void bodyWithoutAPlainIdAtThePointerIsRefused() {
        refused(MappingResult.BAD_RESOURCE, rest.map(json("{\"service\": {\"id\": \"svc-api-stg\"}}")));
        refused(MappingResult.BAD_RESOURCE, rest.map(json("{\"volume\": {\"id\": null}}")));
        refused(MappingResult.BAD_RESOURCE, rest.map(json("{\"volume\": {\"id\": {\"eq\": \"vol-7f3a\"}}}")));
        refused(MappingResult.BAD_RESOURCE, rest.map(json("{\"volume\": {\"id\": true}}")));
    }

    @Test
    void deeplyNestedBodyIsRefusedNotACrash() {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        refused(MappingResult.BAD_REQUEST, rest.map(json(deep)));
    }

    private static ProxyRequest form(String body) {
        return new ProxyRequest("POST", "/v1/services/svc-api-stg/restart", null,
                Map.of("content-type", List.of("application/x-www-form-urlencoded")), body.getBytes(UTF_8), null);
    }

    private static ProxyRequest json(String body) {
        return body("application/json", body);
    }

    private static ProxyRequest body(String type, String body) {
        return new ProxyRequest("POST", "/v1/attachments", null, Map.of("Content-Type", List.of(type)),
                body.getBytes(UTF_8), null);
    }

    @Test
    void mapWhenAFreeParameterHasADestructiveWordThenOnlyADestructiveScopeCoversIt() {
        List<RestRule> rules = List.of(new RestRule("POST", PathTemplate.parse("/v1/volumes/{id}/{action}"), "volume:write",
                List.of(new RestRule.FromPath("id")), null));
        RestMapper writeScope = new RestMapper("p", rules, IdSyntax.DEFAULT, scope -> false);
        RestMapper destructiveScope = new RestMapper("p", rules, IdSyntax.DEFAULT, scope -> true);
        ProxyRequest purge = ProxyRequest.of("POST", "/v1/volumes/vol-7f3a-stg/purge", null);
        refused(MappingResult.DESTRUCTIVE_BY_SHAPE, writeScope.map(purge));
        assertEquals(List.of("vol-7f3a-stg"), mapped(destructiveScope.map(purge)).get(0).resources());
        // A parameter that names a resource is an id (held to the id syntax), not an operation.
        assertEquals(List.of("vol-drop-test"), mapped(writeScope.map(
                ProxyRequest.of("POST", "/v1/volumes/vol-drop-test/resize", null))).get(0).resources());
    }

    static List<ProxyAction> mapped(MappingResult result) {
        return assertInstanceOf(MappingResult.Mapped.class, result, result::toString).actions();
    }

    static MappingResult.Refused refused(String code, MappingResult result) {
        MappingResult.Refused r = assertInstanceOf(MappingResult.Refused.class, result, result::toString);
        assertEquals(code, r.code(), r::reason);
        return r;
    }
}
