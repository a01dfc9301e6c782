package dev.airlock.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.core.proxy.Provider;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What {@code airlock env ENVIRONMENT} asks the server, and the variables it makes of the answers: the RFC 8414
 * metadata (for the proxy's URLs, so the agent needs neither the policy files nor any provider's token), then one
 * {@code client_credentials} token for that environment. Either step failing fails the whole: the caller prints
 * all the variables or none.
 */
final class AgentEnvironment {
    static final String METADATA_PATH = "/.well-known/oauth-authorization-server";
    static final String PROXY_MEMBER = "airlock_proxy_endpoints";
    static final String GRAPHQL_MEMBER = "airlock_proxy_graphql_endpoints";
    static final String PROXY_PREFIX = "AIRLOCK_PROXY_";
    static final String GRAPHQL_PREFIX = "AIRLOCK_GRAPHQL_";
    /** RFC 6750 §2.1 b64token: what can go after "Bearer " at all. A JWS compact serialisation always fits. */
    private static final Pattern B64TOKEN = Pattern.compile("[A-Za-z0-9\\-._~+/]+=*");
    /** Longer than any lifetime Airlock mints (15 min cap); anything beyond is a broken answer, not a token to keep. */
    private static final long MAX_EXPIRES_IN = 24 * 3600;
    private static final Pattern PLAIN_WORD = Pattern.compile("[A-Za-z0-9._:/@%+=,-]+");

    private AgentEnvironment() {}

    /**
     * The variables, in the order they are printed.
     *
     * @throws CliFailure exit 2 for a usage problem (no credential), 1 for a refusal, an unreachable server or an
     *                    answer that is not what an Airlock server sends
     */
    static Map<String, String> fetch(AgentAuth auth, String environment, String scope, Clock clock) throws CliFailure {
        AgentAuth.TokenEndpointAuth how = auth.forTokenEndpoint();
        AirlockHttp http = auth.http();
        AirlockHttp.Reply meta = http.get(METADATA_PATH, null);
        if (!meta.ok() || !meta.body().isObject()) {
            throw new CliFailure(1, "cannot read Airlock's metadata at " + http.base + METADATA_PATH + ": " + meta.explain());
        }
        // RFC 8414 §3.3: the issuer in the metadata must be the one it was fetched for. Mismatch means a wrong --url
        // (tokens would name another issuer, and the proxy URLs point elsewhere): say which URL to use instead.
        String issuer = meta.body().path("issuer").asText("");
        if (!issuer.equals(http.base)) {
            throw new CliFailure(1, "the server at " + http.base + " says its issuer is '" + GrantView.clean(issuer)
                    + "' (RFC 8414 §3.3 requires them to be the same): use --url with the issuer");
        }
        Map<String, String> proxies = endpoints(meta.body(), PROXY_MEMBER);
        Map<String, String> graphql = endpoints(meta.body(), GRAPHQL_MEMBER);

        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "client_credentials");
        form.put("environment", environment);
        if (scope != null) form.put("scope", scope);
        form.putAll(how.form());
        // Before the request: the expiry computed from it is never later than the server's (RFC 6749 §5.1 expires_in
        // is relative to the response; the token itself is opaque to clients, RFC 9068 §6, so exp is not read).
        long sentAt = clock.instant().getEpochSecond();
        AirlockHttp.Reply r = http.postForm("/oauth2/token", how.header(), form);
        if (!r.ok()) throw new CliFailure(1, refusal(r));
        JsonNode body = r.body();
        String token = body.path("access_token").asText("");
        if (!B64TOKEN.matcher(token).matches() || !"bearer".equalsIgnoreCase(body.path("token_type").asText(""))) {
            throw new CliFailure(1, "the token endpoint answered without a Bearer access_token");
        }
        JsonNode expiresIn = body.get("expires_in");
        if (expiresIn == null || !expiresIn.isIntegralNumber() || expiresIn.asLong() <= 0
                || expiresIn.asLong() > MAX_EXPIRES_IN) {
            throw new CliFailure(1, "the token endpoint answered without a usable expires_in");
        }

        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("AIRLOCK_URL", http.base);
        vars.put("AIRLOCK_ENV", environment);
        vars.put("AIRLOCK_TOKEN", token);
        vars.put("AIRLOCK_TOKEN_EXPIRES_AT", Long.toString(sentAt + expiresIn.asLong()));
        // RFC 6749 §5.1: scope may be left out when it is the one requested.
        String granted = body.path("scope").asText(scope == null ? "" : scope);
        vars.put("AIRLOCK_SCOPE", granted);
        proxies.forEach((name, url) -> vars.put(PROXY_PREFIX + variablePart(name), url));
        graphql.forEach((name, url) -> vars.put(GRAPHQL_PREFIX + variablePart(name), url));
        return vars;
    }

    /**
     * {@code railway} → {@code RAILWAY}, {@code generic-rest} → {@code GENERIC_REST}. One-to-one, because provider
     * names have no '_' and no upper case; the two prefixes differ before the name, so no provider's variable can be
     * another's.
     */
    static String variablePart(String provider) {
        return provider.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** One metadata member {@code {"<provider>": "<absolute http(s) URL>"}}; absent = a server without a proxy. */
    private static Map<String, String> endpoints(JsonNode meta, String member) throws CliFailure {
        JsonNode node = meta.get(member);
        Map<String, String> out = new TreeMap<>();
        if (node == null) return out;
        if (!node.isObject()) throw new CliFailure(1, "Airlock's metadata member " + member + " is not an object");
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!Provider.NAME.matcher(e.getKey()).matches() || !e.getValue().isTextual() || !httpUrl(e.getValue().asText())) {
                throw new CliFailure(1, "Airlock's metadata member " + member + " has a malformed entry '"
                        + GrantView.clean(e.getKey()) + "'");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    private static boolean httpUrl(String s) {
        try {
            URI u = new URI(s);
            return ("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null
                    && u.getRawUserInfo() == null && u.getRawQuery() == null && u.getRawFragment() == null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /**
     * The server's own words (for a destructive scope they say how to ask people), plus, when the agent may ask, the
     * same request as this CLI takes it.
     */
    private static String refusal(AirlockHttp.Reply r) {
        String said = r.explain();
        JsonNode ask = r.body().path("grant_request");
        if (!"invalid_scope".equals(r.body().path("error").asText()) || !ask.path("agent_may_request").asBoolean(false)) {
            return said;
        }
        JsonNode fields = ask.path("fields");
        List<String> scopes = new ArrayList<>();
        fields.path("scopes").forEach(s -> scopes.add(s.asText()));
        String env = fields.path("environment").asText("");
        if (scopes.isEmpty() || env.isEmpty()) return said;
        return said + "\nWith this CLI (same --url, --client-id and credential options as here):\n  airlock grant request --env "
                + word(env) + " --scope " + word(String.join(" ", scopes)) + " --resource <exact resource id>"
                + " --reason '<why, in words an approver can judge>' --command '<the exact command you will run>' --wait";
    }

    /** Shown as-is when it is plainly one word; otherwise quoted so that a copy and paste is still one argument. */
    private static String word(String s) {
        return PLAIN_WORD.matcher(s).matches() ? s : ShellExports.shQuote(GrantView.clean(s));
    }
}
