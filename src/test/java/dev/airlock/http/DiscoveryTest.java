package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import dev.airlock.testing.TestAirlock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JWKS (RFC 7517), authorization server metadata (RFC 8414), health and readiness. */
class DiscoveryTest {
    static TestAirlock airlock;

    @BeforeAll
    static void start() throws Exception {
        airlock = TestAirlock.start();
    }

    @AfterAll
    static void stop() throws Exception {
        airlock.close();
    }

    @Test
    void jwksPublishesOnlyPublicSigningKeys() throws Exception {
        TestAirlock.Reply r = airlock.get("/.well-known/jwks.json");
        assertEquals(200, r.status());
        assertEquals("application/jwk-set+json", r.header("Content-Type"));
        JWKSet set = JWKSet.parse(r.body());
        assertEquals(1, set.getKeys().size());
        JWK k = set.getKeys().get(0);
        assertFalse(k.isPrivate());
        assertFalse(r.body().contains("\"d\""));
        assertEquals("EdDSA", k.getAlgorithm().getName());
        assertEquals("sig", k.getKeyUse().identifier());
        assertEquals(airlock.airlock.keys.active().kid(), k.getKeyID());
    }

    @Test
    void metadataFollowsRfc8414() throws Exception {
        TestAirlock.Reply r = airlock.get("/.well-known/oauth-authorization-server");
        assertEquals(200, r.status());
        JsonNode m = r.json();
        assertEquals(airlock.base, m.path("issuer").asText(), "issuer must be the URL the metadata is served under");
        assertEquals(airlock.base + "/oauth2/token", m.path("token_endpoint").asText());
        assertEquals(airlock.base + "/.well-known/jwks.json", m.path("jwks_uri").asText());
        assertEquals(airlock.base + "/oauth2/introspect", m.path("introspection_endpoint").asText());
        assertEquals(airlock.base + "/oauth2/revoke", m.path("revocation_endpoint").asText());
        assertEquals(List.of("client_credentials", "urn:openid:params:grant-type:ciba",
                        "urn:ietf:params:oauth:grant-type:token-exchange"), strings(m.path("grant_types_supported")));
        assertEquals(List.of("client_secret_basic", "private_key_jwt"), strings(m.path("token_endpoint_auth_methods_supported")));
        assertTrue(m.path("response_types_supported").isArray());
        assertTrue(strings(m.path("scopes_supported")).contains("volume:delete"));
    }

    @Test
    void metadataNamesTheProxyOfEveryLoadedProviderSoAgentsNeedNoPolicyFile() throws Exception {
        JsonNode m = airlock.get("/.well-known/oauth-authorization-server").json();
        Map<String, String> proxies = TestAirlock.JSON.convertValue(m.path("airlock_proxy_endpoints"), STRING_MAP);
        assertEquals(Map.of("generic-rest", airlock.base + "/proxy/generic-rest", "railway", airlock.base + "/proxy/railway"),
                proxies, "one per file in scopes/providers/");
        // GraphQL providers answer on one path only (railway.yaml's endpoint); REST ones have no such path.
        assertEquals(Map.of("railway", airlock.base + "/proxy/railway/graphql/v2"),
                TestAirlock.JSON.convertValue(m.path("airlock_proxy_graphql_endpoints"), STRING_MAP));
        // Each advertised URL is the proxy's: it asks for a token (401), where an unknown provider is a 404.
        for (String url : List.of(proxies.get("railway"), proxies.get("generic-rest"), airlock.base + "/proxy/railway/graphql/v2")) {
            TestAirlock.Reply r = airlock.send(airlock.request(url.substring(airlock.base.length())).GET().build());
            assertEquals(401, r.status(), url + ": " + r.body());
        }
        assertEquals(404, airlock.get("/proxy/not-a-provider").status());
    }

    @Test
    void withoutProvidersTheProxyMembersAreEmptyObjects(@TempDir Path tmp) throws Exception {
        Path policy = Files.createDirectories(tmp.resolve("policy"));
        try (var files = Files.list(TestAirlock.EXAMPLE_POLICY)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) Files.copy(f, policy.resolve(f.getFileName()));
        }
        try (TestAirlock bare = TestAirlock.start(policy, tmp.resolve("data"), JWSAlgorithm.EdDSA)) {
            JsonNode m = bare.get("/.well-known/oauth-authorization-server").json();
            assertTrue(m.path("airlock_proxy_endpoints").isObject(), m.toString());
            assertEquals(0, m.path("airlock_proxy_endpoints").size());
            assertTrue(m.path("airlock_proxy_graphql_endpoints").isObject(), m.toString());
            assertEquals(0, m.path("airlock_proxy_graphql_endpoints").size());
        }
    }

    @Test
    void healthAndReadinessAnswer() throws Exception {
        assertEquals(200, airlock.get("/healthz").status());
        TestAirlock.Reply ready = airlock.get("/readyz");
        assertEquals(200, ready.status());
        assertEquals("ready", ready.json().path("status").asText());
    }

    private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {};

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
