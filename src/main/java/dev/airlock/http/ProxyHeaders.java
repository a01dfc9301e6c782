package dev.airlock.http;

import io.vertx.core.MultiMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which headers cross the proxy. Hop-by-hop headers (RFC 9110 §7.6.1: Connection, the headers it names, and the
 * ones that only make sense on one connection) are never forwarded in either direction. Towards the upstream,
 * everything that could speak for someone else is removed too: the agent's own credentials, cookies, claims about
 * where the request came from, and method overrides.
 */
final class ProxyHeaders {
    /** RFC 9110 §7.6.1, RFC 9112 §6.1 and §7.4, RFC 7540 §3.2.1 (h2c upgrade), and the old Proxy-Connection. */
    static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "te", "trailer", "transfer-encoding",
            "upgrade", "proxy-connection", "http2-settings");

    /**
     * Never from the agent. Authorization carries the agent's Airlock token; Cookie its browser state; Forwarded,
     * X-Forwarded-*, X-Real-IP and Via are claims about the client an upstream might trust; the method overrides
     * would make the upstream run another method than the one checked (the mapper refuses them already; this is the
     * second line). Host, Content-Length and Expect are set for the forwarded request itself.
     */
    static final Set<String> NOT_FROM_AGENT = Set.of("authorization", "cookie", "forwarded", "x-real-ip", "via",
            "x-http-method-override", "x-http-method", "x-method-override", "host", "content-length", "expect");

    /**
     * Never back to the agent, beyond hop-by-hop: a cookie the upstream sets would be stored for Airlock's origin, and
     * the proxy never forwards cookies, so it could only confuse the agent.
     */
    static final Set<String> NOT_TO_AGENT = Set.of("set-cookie", "set-cookie2");

    private ProxyHeaders() {}

    /**
     * The agent's headers as the upstream should see them, without the credential header, which the caller sets.
     *
     * @param credentialHeader the provider's injection header: whatever the agent sent under it is dropped
     */
    static MultiMap towardsUpstream(MultiMap agent, String credentialHeader) {
        Set<String> drop = connectionNamed(agent);
        MultiMap out = MultiMap.caseInsensitiveMultiMap();
        for (Map.Entry<String, String> e : agent) {
            String name = e.getKey().toLowerCase(Locale.ROOT);
            if (name.startsWith(":") || HOP_BY_HOP.contains(name) || drop.contains(name) || name.startsWith("proxy-")
                    || NOT_FROM_AGENT.contains(name) || name.startsWith("x-forwarded-")
                    || name.equalsIgnoreCase(credentialHeader)) {
                continue;
            }
            out.add(e.getKey(), e.getValue());
        }
        return out;
    }

    /** Copies the upstream's response headers that may reach the agent. */
    static void towardsAgent(MultiMap upstream, MultiMap out) {
        Set<String> drop = connectionNamed(upstream);
        for (Map.Entry<String, String> e : upstream) {
            String name = e.getKey().toLowerCase(Locale.ROOT);
            if (name.startsWith(":") || HOP_BY_HOP.contains(name) || drop.contains(name) || name.startsWith("proxy-")
                    || NOT_TO_AGENT.contains(name)) {
                continue;
            }
            out.add(e.getKey(), e.getValue());
        }
    }

    /** The header names a Connection header lists (RFC 9110 §7.6.1), lower case. */
    private static Set<String> connectionNamed(MultiMap headers) {
        Set<String> names = new HashSet<>();
        List<String> values = headers.getAll("Connection");
        for (String v : values) {
            for (String token : v.split(",")) {
                String t = token.trim().toLowerCase(Locale.ROOT);
                if (!t.isEmpty()) names.add(t);
            }
        }
        return names;
    }
}
