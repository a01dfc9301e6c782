package dev.airlock.http;

import dev.airlock.core.auth.ClientAuthenticator;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.oauth.GrantGuidance;
import dev.airlock.core.policy.Scope;
import dev.airlock.core.proxy.GraphQlMapper;
import dev.airlock.core.proxy.McpMapper;
import dev.airlock.core.proxy.McpRule;
import dev.airlock.core.proxy.Provider;
import dev.airlock.core.proxy.Providers;
import dev.airlock.core.token.KeyRing;
import dev.airlock.core.token.KeySchedule;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** JWKS (RFC 7517), authorization server metadata (RFC 8414), health and readiness. Bodies are built once. */
final class DiscoveryHandlers {
    private final KeyRing keys;
    private final Buffer metadata;
    /** RFC 9728 metadata of each MCP gateway, by provider name. */
    private final Map<String, Buffer> protectedResources = new LinkedHashMap<>();
    /** The JWKS {@code max-age}; the key rotation's publication delay is derived from the same constant. */
    static final String JWKS_CACHE_CONTROL = "public, max-age=" + KeySchedule.JWKS_MAX_AGE.toSeconds();

    DiscoveryHandlers(KeyRing keys, Policy policy, Providers providers, String issuer) {
        this.keys = keys;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("issuer", issuer);
        m.put("token_endpoint", issuer + "/oauth2/token");
        m.put("jwks_uri", issuer + "/.well-known/jwks.json");
        m.put("introspection_endpoint", issuer + "/oauth2/introspect");
        m.put("revocation_endpoint", issuer + "/oauth2/revoke");
        // No authorization endpoint: agents use client_credentials only, so no response type is supported.
        m.put("response_types_supported", List.of());
        // RFC 8693 delegation is advertised whether or not identity.yaml trusts an issuer yet: the grant type exists,
        // and a subject token of an untrusted issuer gets invalid_grant saying so.
        m.put("grant_types_supported", List.of("client_credentials", GrantGuidance.CIBA_GRANT_TYPE,
                dev.airlock.core.oauth.TokenExchange.GRANT_TYPE));
        // OpenID CIBA: agents file a grant request at /v1/grants and poll the token endpoint with its auth_req_id.
        m.put("backchannel_token_delivery_modes_supported", List.of("poll"));
        m.put("airlock_grants_endpoint", issuer + GrantGuidance.GRANTS_PATH);
        List<String> authMethods = List.of("client_secret_basic", "private_key_jwt");
        m.put("token_endpoint_auth_methods_supported", authMethods);
        m.put("token_endpoint_auth_signing_alg_values_supported", List.of("EdDSA", "ES256"));
        m.put("introspection_endpoint_auth_methods_supported", authMethods);
        m.put("revocation_endpoint_auth_methods_supported", authMethods);
        List<String> scopes = new ArrayList<>();
        for (Scope s : policy.scopes()) scopes.add(s.name());
        m.put("scopes_supported", scopes);
        m.put("airlock_check_endpoint", issuer + "/v1/check");
        m.put("airlock_client_assertion_max_lifetime_seconds", ClientAuthenticator.MAX_ASSERTION_LIFETIME.toSeconds());
        // RFC 8414 §2 lets a server add members. These let an agent (and `airlock env`) find the enforcement proxy
        // from the server alone: a provider's base URL, and for GraphQL the one path the proxy forwards, which
        // otherwise only the provider file says. An agent never needs to read the policy, nor hold the provider's token.
        Map<String, String> proxies = new LinkedHashMap<>();
        Map<String, String> graphql = new LinkedHashMap<>();
        for (Provider p : providers.all()) {
            if (p.kind() == Provider.Kind.MCP) continue; // reached at /mcp/<name>, never through the proxy
            String base = issuer + "/proxy/" + p.name();
            proxies.put(p.name(), base);
            if (p.mapper() instanceof GraphQlMapper g) graphql.put(p.name(), base + g.endpoint());
        }
        m.put("airlock_proxy_endpoints", proxies);
        Map<String, String> gateways = new LinkedHashMap<>();
        for (Provider p : providers.all()) {
            if (p.kind() != Provider.Kind.MCP) continue;
            String url = McpGatewayHandler.url(issuer, p.name());
            gateways.put(p.name(), url);
            protectedResources.put(p.name(), Buffer.buffer(Responses.bytes(protectedResource(p, url, issuer))));
        }
        // RFC 8707 resource indicators are accepted at the token endpoint for these URLs (docs/providers.md).
        m.put("airlock_mcp_gateways", gateways);
        m.put("airlock_proxy_graphql_endpoints", graphql);
        this.metadata = Buffer.buffer(Responses.bytes(m));
    }

    /**
     * RFC 9728 §3.2, for one MCP gateway: Airlock is its authorization server; Bearer tokens in the header only (MCP
     * authorization forbids tokens in the query string); the scopes its tools need.
     */
    private static Map<String, Object> protectedResource(Provider p, String url, String issuer) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("resource", url);
        m.put("authorization_servers", List.of(issuer));
        m.put("bearer_methods_supported", List.of("header"));
        java.util.Set<String> scopes = new java.util.TreeSet<>();
        for (McpRule r : ((McpMapper) p.mapper()).rules()) scopes.add(r.scope());
        m.put("scopes_supported", List.copyOf(scopes));
        m.put("resource_name", "Airlock MCP gateway for " + p.name());
        return m;
    }

    void protectedResource(RoutingContext ctx) {
        String path = ctx.request().path();
        Buffer body = protectedResources.get(path.substring(path.lastIndexOf('/') + 1));
        if (body == null) {
            ctx.next();
            return;
        }
        ctx.response().putHeader("Content-Type", "application/json")
                .putHeader("Cache-Control", "public, max-age=300").end(body);
    }

    void jwks(RoutingContext ctx) {
        // Read per request: a rotation publishes and later withdraws keys while the server runs.
        ctx.response().putHeader("Content-Type", "application/jwk-set+json")
                .putHeader("Cache-Control", JWKS_CACHE_CONTROL).end(keys.jwksJson());
    }

    void metadata(RoutingContext ctx) {
        ctx.response().putHeader("Content-Type", "application/json")
                .putHeader("Cache-Control", "public, max-age=300").end(metadata);
    }

    /** Liveness: 503 once the server stopped accepting connections, so that a supervisor restarts the process. */
    static void healthz(RoutingContext ctx, boolean serving) {
        if (serving) Responses.json(ctx, 200, Map.of("status", "ok"));
        else Responses.json(ctx, 503, Map.of("status", "not serving: connections are no longer accepted"));
    }
}
