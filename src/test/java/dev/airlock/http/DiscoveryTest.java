package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import dev.airlock.testing.TestAirlock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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
        assertEquals(List.of("client_credentials", "urn:openid:params:grant-type:ciba"),
                strings(m.path("grant_types_supported")));
        assertEquals(List.of("client_secret_basic", "private_key_jwt"), strings(m.path("token_endpoint_auth_methods_supported")));
        assertTrue(m.path("response_types_supported").isArray());
        assertTrue(strings(m.path("scopes_supported")).contains("volume:delete"));
    }

    @Test
    void healthAndReadinessAnswer() throws Exception {
        assertEquals(200, airlock.get("/healthz").status());
        TestAirlock.Reply ready = airlock.get("/readyz");
        assertEquals(200, ready.status());
        assertEquals("ready", ready.json().path("status").asText());
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
