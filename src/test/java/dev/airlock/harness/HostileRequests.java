package dev.airlock.harness;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;

/**
 * Generated and mutated requests for every endpoint, as raw bytes. Request {@code i} of seed {@code s} depends on
 * nothing but {@code (s, i)}, so any one of them can be generated again alone ({@link #generate}): a failure report
 * names the seed and the index.
 *
 * <p>The mix: random bytes; broken request lines, methods, versions and targets; form and JSON bodies with wrong
 * types, unknown and repeated fields, invalid UTF-8 and deep nesting; bodies over the limits, declared lengths that
 * lie, broken chunked framing; huge headers and header counts; Authorization and cookie garbage; valid requests
 * (with real credentials) mutated byte by byte; GraphQL documents and REST calls through the proxy; pipelined
 * requests; an HTTP/2 preface followed by noise.
 */
public final class HostileRequests {
    /** What to expect of a request's framing: whether the server can know it has the whole request. */
    public enum Framing {
        /** A well-framed request: the server has all of it and must answer (or refuse). */
        COMPLETE,
        /** Might be complete, might not (mutated bytes): wait a little for an answer, then let go. */
        MAYBE,
        /** Not a complete request (garbage, a truncated body): shut the sending side at once. */
        INCOMPLETE
    }

    /** One generated request. {@code expect} is the number of answers a pipelined request may produce. */
    public record Hostile(long index, String category, byte[] bytes, Framing framing, int expect) {}

    /**
     * Real credentials and ids of the server under attack, so generated requests reach past authentication.
     * {@code proxyToken} is a staging token that only ever travels in proxy requests' Authorization header, so that no
     * generated revocation (which carries {@code stagingToken}) can end the proxy's forwarding path early.
     */
    public record Targets(String host, String agentBasic, String stagingToken, String productionToken, String proxyToken,
                          String grantId, String opsBearer, String opsCookie, String deployBotAssertion) {}

    private static final String[] FORM_PATHS = {"/oauth2/token", "/oauth2/introspect", "/oauth2/revoke"};
    private static final String[] GET_PATHS = {"/v1/grants", "/v1/grants?status=pending", "/v1/grants?status=%00",
            "/v1/ops/session", "/ops/", "/ops", "/ops/ops.js", "/ops/ops.css", "/ops/index.html", "/.well-known/jwks.json",
            "/.well-known/oauth-authorization-server", "/healthz", "/readyz", "/", "/favicon.ico"};
    private static final String[] METHODS = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE",
            "CONNECT", "PROPFIND", "get", "Post", "G ET", "GET\u0000", "POST\t", "M-SEARCH", "BREW", "X".repeat(300), ""};
    private static final String[] VERSIONS = {"HTTP/1.1", "HTTP/1.0", "HTTP/0.9", "HTTP/2.0", "HTTP/1.2", "HTTP/9.9",
            "http/1.1", "HTTP/1.1 ", "HTTP/1", "HTTP/", "HTTPS/1.1", "HTTP/1.1\u0000", ""};
    private static final String[] CONTENT_TYPES = {"application/json", "application/x-www-form-urlencoded",
            "application/json; charset=utf-8", "application/json; charset=utf-16", "application/json;charset=",
            "text/plain", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded; charset=latin1",
            "application/problem+json", "application/jwt", "*/*", "", ";", "application/json; a=\"\\", "\u00ff\u00fe",
            "application/json, application/x-www-form-urlencoded", "APPLICATION/JSON"};
    private static final String[] INTERESTING_STRINGS = {"", " ", "\u0000", "null", "undefined", "NaN", "-1", "0",
            "99999999999999999999999", "1e309", "staging", "production", "dev", "STAGING", "staging ", "prod*", "*",
            "volume:delete", "volume:*", "Volume:DELETE", "db:read db:read", "db:read\u0000volume:delete",
            "vol-7f3a", "vol-7f3a-stg", "vol-9c1e", "../../etc/passwd", "%2e%2e%2f", "' OR '1'='1", "\"; DROP TABLE",
            "<script>alert(1)</script>", "${jndi:ldap://127.0.0.1:1/a}", "{{7*7}}", "\ud800", "\uffff", "\u202e",
            "gr_", "gr_" + "a".repeat(64), "gr_../../x", "coding-agent", "deploy-bot", "urn:airlock:env:production",
            "urn:openid:params:grant-type:ciba", "client_credentials", "refresh_token", "password"};

    private final long seed;
    private final Targets t;

    public HostileRequests(long seed, Targets targets) {
        this.seed = seed;
        this.t = targets;
    }

    /** Request {@code index} of this seed: the same bytes every time. */
    public Hostile generate(long index) {
        Random r = new Random(mix(seed, index));
        int pick = r.nextInt(100);
        if (pick < 6) return garbage(index, r);
        if (pick < 11) return requestLine(index, r);
        if (pick < 17) return target(index, r);
        if (pick < 27) return form(index, r);
        if (pick < 39) return json(index, r);
        if (pick < 43) return deepJson(index, r);
        if (pick < 49) return sizes(index, r);
        if (pick < 56) return headers(index, r);
        if (pick < 62) return authorization(index, r);
        if (pick < 75) return mutated(index, r);
        if (pick < 86) return proxy(index, r);
        if (pick < 91) return chunked(index, r);
        if (pick < 96) return pipelined(index, r);
        if (pick < 98) return upgrade(index, r);
        return http2(index, r);
    }

    static long mix(long seed, long index) {
        long z = seed + 0x9E3779B97F4A7C15L * (index + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    // --- categories ----------------------------------------------------------------------------------------------------

    private Hostile garbage(long i, Random r) {
        byte[] b = new byte[r.nextInt(r.nextBoolean() ? 64 : 4096) + 1];
        r.nextBytes(b);
        if (r.nextBoolean()) b = concat(ascii(pick(r, METHODS) + " /"), b); // garbage after a plausible start
        return new Hostile(i, "garbage", b, Framing.INCOMPLETE, 1);
    }

    private Hostile requestLine(long i, Random r) {
        String method = pick(r, METHODS);
        String version = pick(r, VERSIONS);
        String path = r.nextBoolean() ? anyPath(r) : pick(r, GET_PATHS);
        String sep = pick(r, new String[] {" ", " ", "  ", "\t", "\u000b", ""});
        String eol = pick(r, new String[] {"\r\n", "\r\n", "\n", "\r", "\n\r"});
        String line = method + sep + path + sep + version;
        if (r.nextInt(4) == 0) line = path; // HTTP/0.9 style: no method, no version
        byte[] head = ascii(line + eol + "Host: " + t.host() + eol + "Connection: close" + eol + eol);
        return new Hostile(i, "request-line", head, Framing.MAYBE, 1);
    }

    private Hostile target(long i, Random r) {
        StringBuilder p = new StringBuilder();
        switch (r.nextInt(10)) {
            case 0 -> p.append("/").append("a".repeat(r.nextInt(9000)));
            case 1 -> p.append(pick(r, GET_PATHS)).append("?").append("a=1&".repeat(r.nextInt(3000)));
            case 2 -> p.append("/v1/").append(pick(r, new String[] {"%zz", "%", "%2", "%c0%ae%c0%ae/", "%00", "%ff%fe",
                    "%25%32%65", "..%2f..%2f", "%u002e"}));
            case 3 -> p.append(pick(r, new String[] {"http://127.0.0.1/v1/check", "http://evil.example/oauth2/token",
                    "*", "//v1/check", "/./v1/./check", "/v1/check/..", "/V1/CHECK", "/v1/check;jsessionid=1",
                    "/v1/check#frag", "/oauth2/token/", "/.well-known/../oauth2/token", "/ops/../../../../etc/passwd",
                    "/ops/%2e%2e/%2e%2e/etc/passwd", "/ops/..%5c..%5cwin.ini", "/v1/grants/gr_x/approve/extra",
                    "/proxy/", "/proxy", "/proxy/%2e%2e/v1/check", "/proxy/railway/../../v1/check", "/v1/grants/%00",
                    "/v1/grants/" + "gr_" + "x".repeat(70)}));
            case 4 -> {
                p.append("/");
                for (int k = 0; k < 1 + r.nextInt(60); k++) p.append((char) (0x80 + r.nextInt(0x80)));
            }
            case 5 -> p.append("/v1/grants/").append(randomToken(r, 1 + r.nextInt(80))).append(pick(r,
                    new String[] {"", "/cancel", "/approve", "/deny", "/"}));
            case 6 -> p.append(pick(r, new String[] {"/v1/grants", "/v1/grants", "/proxy/generic-rest/v1/snapshots",
                    pick(r, GET_PATHS)})).append("?").append(pick(r, new String[] {"status=", "sta%us=",
                    "status=%zz", "status=%", "%=", "status=%ff%fe", "status=%00", "a=1&status="}))
                    .append(pick(r, INTERESTING_STRINGS).replace(" ", "%20"));
            case 7 -> p.append("/").append("../".repeat(1 + r.nextInt(40))).append("etc/passwd");
            case 8 -> p.append("/ops/").append(randomToken(r, r.nextInt(40)));
            default -> p.append(anyPath(r)).append("?").append(randomQuery(r));
        }
        String method = r.nextInt(3) == 0 ? pick(r, METHODS) : "GET";
        // With real credentials half the time, so the target reaches handlers behind authentication (ops: /v1/grants).
        StringBuilder h = new StringBuilder(method + " " + p + " HTTP/1.1\r\nHost: " + t.host() + "\r\n");
        if (r.nextInt(4) != 0) {
            String path = p.toString();
            h.append("Authorization: ").append(path.startsWith("/v1/grants") || path.startsWith("/v1/ops")
                    ? "Bearer " + t.opsBearer() : path.startsWith("/proxy/") ? "Bearer " + t.proxyToken()
                    : t.agentBasic()).append("\r\n");
        }
        byte[] head = ascii(h + "Connection: close\r\n\r\n");
        return new Hostile(i, "target", head, Framing.MAYBE, 1);
    }

    private Hostile form(long i, Random r) {
        String path = pick(r, FORM_PATHS);
        StringBuilder body = new StringBuilder();
        String[] names = {"grant_type", "environment", "scope", "resource", "client_id", "client_secret",
                "client_assertion_type", "client_assertion", "auth_req_id", "token", "token_type_hint", "audience",
                "x", "", "grant_type[]", "scope[0]", "GRANT_TYPE"};
        int n = r.nextInt(12);
        for (int k = 0; k < n; k++) {
            if (k > 0) body.append(pick(r, new String[] {"&", "&", "&&", ";", "&amp;"}));
            body.append(encodeMaybe(r, pick(r, names)));
            if (r.nextInt(8) != 0) body.append("=").append(encodeMaybe(r, formValue(r)));
        }
        byte[] bytes = bodyBytes(r, body.toString());
        String ct = r.nextInt(5) == 0 ? pick(r, CONTENT_TYPES) : "application/x-www-form-urlencoded";
        return new Hostile(i, "form", request("POST", path, auth(r), ct, bytes), Framing.COMPLETE, 1);
    }

    private Hostile json(long i, Random r) {
        String path = jsonPath(r);
        String body = switch (r.nextInt(5)) {
            case 0 -> randomJson(r, 0);
            case 1, 2 -> templatedJson(r, path);
            case 3 -> pick(r, new String[] {"", "{", "}", "[]", "null", "\"str\"", "1", "{\"token\":}", "{'token':'x'}",
                    "{\"token\":\"x\",}", "{\"token\":\"x\"} {\"token\":\"y\"}", "{\"a\":1e99999999}", "{\"a\":-0}",
                    "{\"a\":NaN}", "{\"a\":Infinity}", "/* c */{}", "\ufeff{}", "{\"a\":\"\\ud800\"}",
                    "{\"a\":\"\\u0000\"}", "{\"a\":\"\\x41\"}", "{\"token\":\"" + "x".repeat(70_000) + "\"}",
                    "{\"" + "k".repeat(50_000) + "\":1}", "{\"a\":" + "1".repeat(20_000) + "}",
                    "{\"a\":1." + "0".repeat(20_000) + "1}"});
            default -> templatedJson(r, path) + randomJson(r, 0); // trailing content after the value
        };
        byte[] bytes = bodyBytes(r, body);
        String ct = r.nextInt(6) == 0 ? pick(r, CONTENT_TYPES) : "application/json";
        return new Hostile(i, "json", request("POST", path, auth(r), ct, bytes), Framing.COMPLETE, 1);
    }

    private Hostile deepJson(long i, Random r) {
        int depth = pick(r, new int[] {999, 1000, 1001, 2000, 10_000, 30_000, 60_000});
        String open = pick(r, new String[] {"[", "{\"a\":", "{\"token\":["});
        String close = open.equals("[") ? "]" : open.equals("{\"a\":") ? "}" : "]}";
        StringBuilder b = new StringBuilder();
        b.append(open.repeat(depth)).append("1");
        if (r.nextInt(4) != 0) b.append(close.repeat(depth)); // else: never closed
        String path = jsonPath(r);
        if (path.startsWith("/proxy/")) path = "/v1/check";
        byte[] bytes = b.toString().getBytes(UTF_8);
        return new Hostile(i, "deep-json", request("POST", path, auth(r), "application/json", bytes), Framing.COMPLETE, 1);
    }

    private Hostile sizes(long i, Random r) {
        String path = r.nextBoolean() ? pick(r, FORM_PATHS) : jsonPath(r);
        String ct = path.startsWith("/oauth2/") ? "application/x-www-form-urlencoded" : "application/json";
        int size = pick(r, new int[] {16 * 1024 + 1, 64 * 1024 + 1, 100_000, 1024 * 1024 + 1, 3 * 1024 * 1024});
        byte[] body = new byte[size];
        for (int k = 0; k < size; k++) body[k] = (byte) ('a' + (k % 26));
        if (path.equals("/v1/check") && r.nextBoolean()) {
            byte[] start = ascii("{\"token\":\"");
            System.arraycopy(start, 0, body, 0, start.length);
        }
        switch (r.nextInt(4)) {
            case 0 -> { // honest and too big
                return new Hostile(i, "oversized", request("POST", path, auth(r), ct, body), Framing.COMPLETE, 1);
            }
            case 1 -> { // declared length larger than what is sent: truncated, then the sender goes quiet
                byte[] head = head("POST", path, auth(r), ct, "Content-Length: " + (size + 1000));
                return new Hostile(i, "truncated", concat(head, java.util.Arrays.copyOf(body, r.nextInt(size))),
                        Framing.INCOMPLETE, 1);
            }
            case 2 -> { // declared length smaller than what is sent: the rest is the next "request"
                byte[] head = head("POST", path, auth(r), ct, "Content-Length: " + r.nextInt(64));
                return new Hostile(i, "short-length", concat(head, java.util.Arrays.copyOf(body, 1000 + r.nextInt(20_000))),
                        Framing.MAYBE, 2);
            }
            default -> { // a huge declared length and nothing
                String len = pick(r, new String[] {"99999999999999999999", "9223372036854775807", "-1", "1e3", " 10",
                        "0x10", "10, 10", "", "4294967296"});
                byte[] head = head("POST", path, auth(r), ct, "Content-Length: " + len);
                return new Hostile(i, "declared-length", head, Framing.INCOMPLETE, 1);
            }
        }
    }

    private Hostile headers(long i, Random r) {
        List<String> extra = new ArrayList<>();
        switch (r.nextInt(9)) {
            case 0 -> extra.add("X-Big: " + "b".repeat(pick(r, new int[] {8000, 16 * 1024, 20_000, 70_000})));
            case 1 -> {
                int n = pick(r, new int[] {100, 1000, 3000, 10_000});
                for (int k = 0; k < n; k++) extra.add("X-H" + k + ": " + k);
            }
            case 2 -> {
                byte[] v = new byte[1 + r.nextInt(200)];
                r.nextBytes(v);
                extra.add("X-Bytes: " + new String(v, ISO_8859_1).replace("\r", "").replace("\n", ""));
            }
            case 3 -> extra.add(pick(r, new String[] {"Bad Name: x", ": empty-name", "X-Fold: a\r\n folded",
                    "X-NoColon", "X\u0000Nul: x", "X-Tab:\tx", "Host: second.example", "Content-Type: application/json",
                    "Content-Type: text/plain", "Content-Length: 5", "Transfer-Encoding: gzip", "Transfer-Encoding: chunked",
                    "Transfer-Encoding: identity", "Transfer-Encoding: chunked, gzip", "Expect: 100-continue",
                    "Expect: 200-ok", "Connection: keep-alive, Upgrade", "Upgrade: websocket", "Content-Encoding: gzip",
                    "Content-Encoding: deflate", "Origin: http://evil.example", "Origin: null", "Sec-Fetch-Site: cross-site",
                    "X-HTTP-Method-Override: DELETE", "X-Forwarded-For: 10.0.0.1", "Forwarded: for=1.2.3.4",
                    "Accept: */*; q=abc", "Range: bytes=0-1,1-2", "Cookie: " + "a=b; ".repeat(2000),
                    "Cookie: airlock_ops=" + randomToken(r, 40), "Cookie: airlock_ops=", "Cookie: airlock_ops=\"x\"",
                    "Cookie: airlock_ops=a; airlock_ops=b", "Authorization: Bearer " + "A".repeat(15_000)}));
            case 4 -> extra.add("Content-Length: 10\r\nContent-Length: 20");
            case 5 -> extra.add("Transfer-Encoding: chunked\r\nContent-Length: 10");
            case 6 -> extra.add("X-Unicode: " + pick(r, INTERESTING_STRINGS));
            case 7 -> {
                for (int k = 0; k < 200; k++) extra.add("Cookie: c" + k + "=" + randomToken(r, 50));
            }
            default -> extra.add("Origin: " + pick(r, new String[] {"http://127.0.0.1:1", "null", "", "http://" + t.host(),
                    "http://" + t.host() + ".evil.example"}));
        }
        boolean post = r.nextBoolean();
        String path = post ? jsonPath(r) : pick(r, GET_PATHS);
        byte[] body = post ? templatedJson(r, path).getBytes(UTF_8) : null;
        StringBuilder h = new StringBuilder();
        h.append(post ? "POST " : "GET ").append(path).append(" HTTP/1.1\r\nHost: ").append(t.host()).append("\r\n");
        for (String a : auth(r)) h.append(a).append("\r\n");
        for (String e : extra) h.append(e).append("\r\n");
        if (post) h.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n");
        h.append("Connection: close\r\n\r\n");
        byte[] bytes = post ? concat(h.toString().getBytes(ISO_8859_1), body) : h.toString().getBytes(ISO_8859_1);
        return new Hostile(i, "headers", bytes, Framing.MAYBE, 1);
    }

    private Hostile authorization(long i, Random r) {
        String v = switch (r.nextInt(16)) {
            case 0 -> "Basic " + randomToken(r, 1 + r.nextInt(200));
            case 1 -> "Basic " + Base64.getEncoder().encodeToString(randomBytes(r, 1 + r.nextInt(100)));
            case 2 -> "Basic " + Base64.getEncoder().encodeToString(ascii("coding-agent"));
            case 3 -> "Basic " + Base64.getEncoder().encodeToString(ascii(":"));
            case 4 -> "Basic " + Base64.getEncoder().encodeToString(ascii("coding-agent:" + "s".repeat(5000)));
            case 5 -> "Basic " + Base64.getEncoder().encodeToString(ascii("%zz:%zz"));
            case 6 -> "Basic " + Base64.getEncoder().encodeToString(concat(ascii("coding-agent:"), new byte[] {(byte) 0xc3,
                    (byte) 0x28, (byte) 0xff}));
            case 7 -> "Basic";
            case 8 -> "Bearer";
            case 9 -> "Bearer " + randomToken(r, 1 + r.nextInt(400));
            case 10 -> "Bearer " + mutateText(r, t.stagingToken());
            case 11 -> "Bearer ops_" + randomToken(r, 43);
            case 12 -> "Bearer " + t.opsBearer() + "x";
            case 13 -> pick(r, new String[] {"Digest username=\"x\"", "Negotiate YII=", "bearer " + t.stagingToken(),
                    "BEARER " + t.stagingToken(), "Bearer  " + t.stagingToken(), "Bearer\t" + t.stagingToken(),
                    "Basic  " + t.agentBasic().substring(6), t.stagingToken(), "Bearer " + t.stagingToken() + ","
                    + t.stagingToken(), "Basic =", "Basic ===="});
            case 14 -> t.agentBasic() + "\r\nAuthorization: Bearer " + t.stagingToken();
            default -> "Bearer " + t.productionToken();
        };
        String path = r.nextBoolean() ? pick(r, FORM_PATHS) : jsonPath(r);
        boolean form = path.startsWith("/oauth2/");
        String body = form ? "grant_type=client_credentials&environment=staging&token=" + t.stagingToken()
                : templatedJson(r, path);
        String ct = form ? "application/x-www-form-urlencoded" : "application/json";
        if (r.nextInt(4) == 0) {
            return new Hostile(i, "authorization", request("GET", pick(r, GET_PATHS), List.of("Authorization: " + v), null,
                    null), Framing.MAYBE, 1);
        }
        return new Hostile(i, "authorization", request("POST", path, List.of("Authorization: " + v), ct,
                body.getBytes(UTF_8)), Framing.MAYBE, 1);
    }

    /** A valid request, with real credentials, changed in a few random places. */
    private Hostile mutated(long i, Random r) {
        byte[] valid = validRequest(r);
        byte[] m = mutate(r, valid, 1 + r.nextInt(r.nextBoolean() ? 3 : 12));
        return new Hostile(i, "mutated", m, Framing.MAYBE, 1);
    }

    private Hostile proxy(long i, Random r) {
        List<String> auth = new ArrayList<>();
        auth.add("Authorization: Bearer " + (r.nextInt(5) == 0 ? t.productionToken() : t.proxyToken()));
        if (r.nextInt(3) == 0) {
            String method = pick(r, new String[] {"GET", "DELETE", "PATCH", "POST", "PUT", "HEAD", "OPTIONS"});
            String path = "/proxy/generic-rest" + pick(r, new String[] {"/v1/volumes/vol-7f3a-stg", "/v1/volumes",
                    "/v1/volumes/vol-7f3a", "/v1/volumes/%76ol-7f3a", "/v1/VOLUMES/vol-7f3a-stg", "/v1//volumes/x",
                    "/v1/volumes/../volumes/vol-7f3a", "/v1/snapshots?volumeId=vol-7f3a-stg&volumeId=vol-7f3a",
                    "/v1/attachments", "/v1/services/svc-api-stg/restart", "/v1/volumes/" + randomToken(r, 300),
                    "/v1/databases/db-stg-main", "/v1/services/svc-x-stg/variables/" + randomToken(r, 20)});
            byte[] body = r.nextBoolean() ? null : (r.nextBoolean() ? randomJson(r, 0)
                    : "{\"volume\":{\"id\":" + randomJson(r, 0) + "}}").getBytes(UTF_8);
            if (r.nextInt(4) == 0) auth.add(pick(r, new String[] {"X-HTTP-Method-Override: DELETE",
                    "X-Method-Override: DELETE", "Connection: close, Authorization", "Proxy-Authorization: Basic eA==",
                    "Authorization: Bearer second", "Transfer-Encoding: chunked"}));
            return new Hostile(i, "proxy-rest", request(method, path, auth, body == null ? null : "application/json", body),
                    Framing.MAYBE, 1);
        }
        String doc = graphql(r);
        String envelope = switch (r.nextInt(6)) {
            case 0 -> "{\"query\":" + quote(doc) + "}";
            case 1 -> "{\"query\":" + quote(doc) + ",\"variables\":" + randomJson(r, 0) + ",\"operationName\":"
                    + pick(r, new String[] {"null", "\"A\"", "\"B\"", "1", "[]", "\"" + randomToken(r, 10) + "\""}) + "}";
            case 2 -> "[" + ("{\"query\":" + quote(doc) + "},").repeat(1 + r.nextInt(20)) + "{\"query\":\"{a}\"}]";
            case 3 -> "{\"extensions\":{\"persistedQuery\":{\"version\":1,\"sha256Hash\":\"" + randomToken(r, 64)
                    + "\"}}}";
            case 4 -> "{\"query\":" + randomJson(r, 0) + "}";
            default -> "{\"query\":" + quote(doc) + ",\"variables\":{\"id\":\"vol-7f3a\",\"v\":"
                    + randomJson(r, 0) + "}}";
        };
        String method = r.nextInt(6) == 0 ? "GET" : "POST";
        if (method.equals("GET")) {
            String target = "/proxy/railway/graphql/v2?query=" + java.net.URLEncoder.encode(doc, UTF_8);
            return new Hostile(i, "proxy-graphql", request("GET", target, auth, null, null), Framing.COMPLETE, 1);
        }
        String ct = r.nextInt(8) == 0 ? pick(r, new String[] {"application/graphql", "text/plain",
                "application/x-www-form-urlencoded"}) : "application/json";
        byte[] body = bodyBytes(r, envelope);
        return new Hostile(i, "proxy-graphql", request("POST", "/proxy/railway/graphql/v2", auth, ct, body),
                Framing.COMPLETE, 1);
    }

    private Hostile chunked(long i, Random r) {
        String path = r.nextBoolean() ? pick(r, FORM_PATHS) : jsonPath(r);
        String ct = path.startsWith("/oauth2/") ? "application/x-www-form-urlencoded" : "application/json";
        byte[] head = head("POST", path, auth(r), ct, pick(r, new String[] {"Transfer-Encoding: chunked",
                "Transfer-Encoding: chunked", "Transfer-Encoding: CHUNKED", "Transfer-Encoding:  chunked",
                "Transfer-Encoding: xchunked", "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity"}));
        String chunks = switch (r.nextInt(9)) {
            case 0 -> "ffffffffffffffff\r\nabc\r\n0\r\n\r\n";
            case 1 -> "-5\r\nabc\r\n0\r\n\r\n";
            case 2 -> "5;ext=" + "e".repeat(10_000) + "\r\nhello\r\n0\r\n\r\n";
            case 3 -> "3\r\nabcdef\r\n0\r\n\r\n"; // chunk longer than declared
            case 4 -> "zz\r\nab\r\n0\r\n\r\n";
            case 5 -> ("1\r\na\r\n").repeat(20_000) + "0\r\n\r\n"; // many tiny chunks, over the body limit
            case 6 -> "10\r\n" + "a".repeat(16) + "\r\n0\r\nTrailer: " + "t".repeat(20_000) + "\r\n\r\n";
            case 7 -> "4\r\n{\"to\r\n"; // unfinished
            default -> Integer.toHexString(70_000) + "\r\n" + "a".repeat(70_000) + "\r\n0\r\n\r\n";
        };
        return new Hostile(i, "chunked", concat(head, ascii(chunks)), Framing.MAYBE, 1);
    }

    private Hostile pipelined(long i, Random r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int n = 2 + r.nextInt(6);
        for (int k = 0; k < n; k++) {
            byte[] one = k == n - 1 ? closeLast(validRequest(r))
                    : r.nextInt(3) == 0 ? mutate(r, validRequest(r), 1 + r.nextInt(3)) : validRequest(r);
            out.writeBytes(one);
        }
        if (r.nextBoolean()) out.writeBytes(randomBytes(r, r.nextInt(200)));
        return new Hostile(i, "pipelined", out.toByteArray(), Framing.MAYBE, n);
    }

    private Hostile upgrade(long i, Random r) {
        String settings = r.nextBoolean() ? "AAMAAABkAARAAAAAAAIAAAAA" : randomToken(r, r.nextInt(100));
        byte[] head = ascii("GET " + pick(r, GET_PATHS) + " HTTP/1.1\r\nHost: " + t.host() + "\r\nConnection: Upgrade, "
                + "HTTP2-Settings\r\nUpgrade: " + pick(r, new String[] {"h2c", "h2", "websocket", "h2c, websocket"})
                + "\r\nHTTP2-Settings: " + settings + "\r\n\r\n");
        return new Hostile(i, "upgrade", concat(head, randomBytes(r, r.nextInt(300))), Framing.INCOMPLETE, 1);
    }

    private Hostile http2(long i, Random r) {
        byte[] preface = ascii("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(preface);
        int frames = 1 + r.nextInt(10);
        for (int k = 0; k < frames; k++) {
            int len = r.nextInt(200);
            out.write(0);
            out.write(len >> 8);
            out.write(len);
            out.write(r.nextInt(12)); // frame type: DATA .. CONTINUATION and beyond
            out.write(r.nextInt(256)); // flags
            int stream = r.nextBoolean() ? 1 + 2 * r.nextInt(50) : r.nextInt();
            out.writeBytes(new byte[] {(byte) (stream >> 24), (byte) (stream >> 16), (byte) (stream >> 8), (byte) stream});
            out.writeBytes(randomBytes(r, len));
        }
        return new Hostile(i, "http2", out.toByteArray(), Framing.INCOMPLETE, 1);
    }

    // --- building blocks ---------------------------------------------------------------------------------------------

    /** One of the requests a well-behaved client sends, with real credentials. */
    private byte[] validRequest(Random r) {
        return switch (r.nextInt(12)) {
            case 0 -> request("POST", "/oauth2/token", List.of("Authorization: " + t.agentBasic()),
                    "application/x-www-form-urlencoded", ascii("grant_type=client_credentials&environment=staging"
                            + "&scope=db%3Aread"));
            case 1 -> request("POST", "/oauth2/introspect", List.of("Authorization: " + t.agentBasic()),
                    "application/x-www-form-urlencoded", ascii("token=" + t.stagingToken()));
            case 2 -> request("POST", "/v1/check", List.of(), "application/json", ascii("{\"token\":\""
                    + t.stagingToken() + "\",\"environment\":\"staging\",\"action\":\"volume:read\",\"resource\":"
                    + "\"vol-7f3a-stg\"}"));
            case 3 -> request("POST", "/v1/grants", List.of("Authorization: " + t.agentBasic()), "application/json",
                    ascii("{\"environment\":\"production\",\"scopes\":[\"volume:delete\"],\"resources\":[\"vol-7f3a\"],"
                            + "\"reason\":\"orphaned volume from the staging migration, ticket OPS-2291\","
                            + "\"command\":\"railway volume delete vol-7f3a\"}"));
            case 4 -> request("GET", "/v1/grants/" + t.grantId(), List.of("Authorization: " + t.agentBasic()), null, null);
            case 5 -> request("GET", "/v1/grants?status=pending", List.of("Authorization: Bearer " + t.opsBearer()),
                    null, null);
            case 6 -> request("POST", "/v1/grants/" + t.grantId() + "/approve",
                    List.of("Authorization: Bearer " + t.opsBearer()), "application/json", ascii("{\"code\":\"123456\"}"));
            case 7 -> request("POST", "/v1/ops/session", List.of(), "application/json",
                    ascii("{\"name\":\"hostile-ops\",\"passphrase\":\"wrong\",\"code\":\"000000\",\"bearer\":true}"));
            case 8 -> request("POST", "/proxy/railway/graphql/v2", List.of("Authorization: Bearer " + t.proxyToken()),
                    "application/json", ascii("{\"query\":\"query Look { volume(id: \\\"vol-7f3a-stg\\\") { id } }\","
                            + "\"operationName\":\"Look\"}"));
            case 9 -> request("GET", "/proxy/generic-rest/v1/volumes/vol-7f3a-stg",
                    List.of("Authorization: Bearer " + t.proxyToken()), null, null);
            case 10 -> request("GET", "/v1/ops/session", List.of("Cookie: airlock_ops=" + t.opsCookie(),
                    "Origin: http://" + t.host()), null, null);
            default -> request("POST", "/oauth2/token", List.of(), "application/x-www-form-urlencoded",
                    ascii("grant_type=client_credentials&environment=staging&client_assertion_type=urn%3Aietf%3Aparams"
                            + "%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=" + t.deployBotAssertion()));
        };
    }

    private byte[] mutate(Random r, byte[] in, int ops) {
        byte[] b = in.clone();
        for (int k = 0; k < ops && b.length > 0; k++) {
            int at = r.nextInt(b.length);
            switch (r.nextInt(7)) {
                case 0 -> b[at] ^= (byte) (1 << r.nextInt(8));
                case 1 -> b[at] = pick(r, new byte[] {0, (byte) 0xff, '\r', '\n', ':', '%', '"', '{', '}', '[', ' ',
                        '\\', '&', '=', '.', (byte) 0xc3, (byte) 0x80});
                case 2 -> b = concat(java.util.Arrays.copyOf(b, at), concat(randomBytes(r, 1 + r.nextInt(16)),
                        java.util.Arrays.copyOfRange(b, at, b.length)));
                case 3 -> {
                    int len = Math.min(b.length - at, 1 + r.nextInt(32));
                    b = concat(java.util.Arrays.copyOf(b, at), java.util.Arrays.copyOfRange(b, at + len, b.length));
                }
                case 4 -> {
                    int len = Math.min(b.length - at, 1 + r.nextInt(64));
                    byte[] dup = java.util.Arrays.copyOfRange(b, at, at + len);
                    byte[] many = new byte[dup.length * (1 + r.nextInt(8))];
                    for (int j = 0; j < many.length; j++) many[j] = dup[j % dup.length];
                    b = concat(java.util.Arrays.copyOf(b, at), concat(many, java.util.Arrays.copyOfRange(b, at, b.length)));
                }
                case 5 -> b = java.util.Arrays.copyOf(b, at); // truncate
                default -> {
                    int other = r.nextInt(b.length);
                    byte x = b[at];
                    b[at] = b[other];
                    b[other] = x;
                }
            }
        }
        return b;
    }

    private String mutateText(Random r, String s) {
        return new String(mutate(r, s.getBytes(ISO_8859_1), 1 + r.nextInt(4)), ISO_8859_1).replace("\r", "")
                .replace("\n", "");
    }

    private String graphql(Random r) {
        String vol = pick(r, new String[] {"\"vol-7f3a-stg\"", "\"vol-7f3a\"", "$id", "\"\"", "null", "1", "[\"vol-7f3a\"]",
                "{id: \"vol-7f3a\"}", "\"" + "v".repeat(300) + "\""});
        return switch (r.nextInt(12)) {
            case 0 -> "mutation { volumeDelete(volumeId: " + vol + ") }";
            case 1 -> "query A { volume(id: " + vol + ") { id } } mutation B { volumeDelete(volumeId: " + vol + ") }";
            case 2 -> "mutation { " + ("a" + r.nextInt(1000) + ": volumeDelete(volumeId: " + vol + ") ").repeat(
                    1 + r.nextInt(1200)) + "}";
            case 3 -> "query { a " + "{ a ".repeat(pick(r, new int[] {50, 199, 200, 201, 1000, 5000})) + "}".repeat(
                    r.nextInt(2000)) + "}";
            case 4 -> "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }";
            case 5 -> "query { ...A } fragment A on Query { volume(id: " + vol + ") { id } ...A }";
            case 6 -> "{ __schema { types { name } } }";
            case 7 -> "query($id: String!) { volume(id: $id) @include(if: true) " + "@skip(if: false) ".repeat(
                    r.nextInt(3000)) + "{ id } }";
            case 8 -> "subscription { volumeDelete(volumeId: " + vol + ") }";
            case 9 -> "mutation { volumeDelete(volumeId: \"" + "\\u0041".repeat(r.nextInt(20_000)) + "\") }";
            case 10 -> randomGraphqlTokens(r);
            default -> "query " + "Q".repeat(r.nextInt(100_000)) + " { a }";
        };
    }

    private String randomGraphqlTokens(Random r) {
        String[] tokens = {"query", "mutation", "subscription", "fragment", "on", "{", "}", "(", ")", ":", "$id", "...",
                "@include", "volumeDelete", "volume", "id", "volumeId", "\"vol-7f3a\"", "1", "true", "null", "[", "]",
                "=", "!", "String", "#comment\n", "\"\"\"block\"\"\"", ",", "&", "|", "__typename", "\\", "\"\\u", "\u0000"};
        StringBuilder b = new StringBuilder();
        int n = r.nextInt(r.nextBoolean() ? 30 : 12_000);
        for (int k = 0; k < n; k++) b.append(pick(r, tokens)).append(' ');
        return b.toString();
    }

    private String formValue(Random r) {
        return switch (r.nextInt(8)) {
            case 0 -> t.stagingToken();
            case 1 -> mutateText(r, t.stagingToken());
            case 2 -> randomToken(r, r.nextInt(20_000));
            case 3 -> new String(randomBytes(r, r.nextInt(100)), ISO_8859_1);
            case 4 -> t.grantId();
            default -> pick(r, INTERESTING_STRINGS);
        };
    }

    /** Form encoding, or not, or wrongly. */
    private String encodeMaybe(Random r, String s) {
        return switch (r.nextInt(4)) {
            case 0 -> s;
            case 1 -> s.replace("%", "%25").replace("&", "%26").replace("=", "%3D").replace(" ", "+");
            case 2 -> s + pick(r, new String[] {"%", "%z", "%c3", "%ff%fe", "%00", "%C0%AE", "%ED%A0%80", "+%2B"});
            default -> java.net.URLEncoder.encode(s, UTF_8);
        };
    }

    /** The body's bytes: UTF-8 mostly, sometimes invalid UTF-8 or another encoding. */
    private static byte[] bodyBytes(Random r, String body) {
        return switch (r.nextInt(10)) {
            case 0 -> body.getBytes(java.nio.charset.StandardCharsets.UTF_16);
            case 1 -> {
                byte[] b = body.getBytes(UTF_8);
                if (b.length > 0) {
                    for (int k = 0; k < 1 + r.nextInt(4); k++) {
                        b[r.nextInt(b.length)] = pick(r, new byte[] {(byte) 0xc0, (byte) 0xff, (byte) 0xed, (byte) 0x80,
                                (byte) 0xf4, 0});
                    }
                }
                yield b;
            }
            case 2 -> body.getBytes(ISO_8859_1);
            default -> body.getBytes(UTF_8);
        };
    }

    private String jsonPath(Random r) {
        String g = "/v1/grants/" + (r.nextInt(4) == 0 ? "gr_" + randomToken(r, 8) : t.grantId());
        return pick(r, new String[] {"/v1/check", "/v1/check", "/v1/check", "/v1/grants", "/v1/grants", g + "/cancel",
                g + "/approve", g + "/deny", "/v1/ops/session", "/proxy/railway/graphql/v2"});
    }

    private String templatedJson(Random r, String path) {
        String[] fields;
        if (path.equals("/v1/check")) fields = new String[] {"token", "environment", "action", "resource"};
        else if (path.equals("/v1/grants")) fields = new String[] {"environment", "scopes", "resources", "reason", "command"};
        else if (path.endsWith("/approve")) fields = new String[] {"code"};
        else if (path.endsWith("/deny")) fields = new String[] {"reason"};
        else if (path.equals("/v1/ops/session")) fields = new String[] {"name", "passphrase", "code", "bearer"};
        else fields = new String[] {"query", "variables", "operationName"};
        StringBuilder b = new StringBuilder("{");
        boolean first = true;
        for (String f : fields) {
            if (r.nextInt(6) == 0) continue;
            if (!first) b.append(',');
            first = false;
            b.append(quote(r.nextInt(20) == 0 ? f.toUpperCase(java.util.Locale.ROOT) : f)).append(':').append(value(r, f));
            if (r.nextInt(12) == 0) b.append(',').append(quote(f)).append(':').append(value(r, f)); // duplicate key
        }
        if (r.nextInt(5) == 0) b.append(first ? "" : ",").append(quote(randomToken(r, 6))).append(':').append(randomJson(r, 0));
        return b.append('}').toString();
    }

    private String value(Random r, String field) {
        if (r.nextInt(4) == 0) return randomJson(r, 0); // wrong type, probably
        return switch (field) {
            case "token" -> quote(r.nextBoolean() ? t.stagingToken() : r.nextBoolean() ? t.productionToken()
                    : mutateText(r, t.stagingToken()));
            case "scopes", "resources" -> "[" + quote(pick(r, INTERESTING_STRINGS)) + (r.nextBoolean() ? ","
                    + quote(pick(r, INTERESTING_STRINGS)) : "") + "]";
            case "code" -> quote(pick(r, new String[] {"123456", "000000", "12345", "1234567", "１２３４５６", "12345a",
                    " 123456", "-12345"}));
            case "bearer" -> pick(r, new String[] {"true", "false", "\"true\"", "1", "null"});
            default -> quote(pick(r, INTERESTING_STRINGS));
        };
    }

    private String randomJson(Random r, int depth) {
        int k = depth > 4 ? r.nextInt(6) : r.nextInt(8);
        return switch (k) {
            case 0 -> "null";
            case 1 -> r.nextBoolean() ? "true" : "false";
            case 2 -> pick(r, new String[] {"0", "-0", "1", "-1", "1.5", "1e309", "-1e-400", "123456789012345678901234567890",
                    "9223372036854775808", "0.1e1", "1E+2"});
            case 3, 4, 5 -> quote(r.nextBoolean() ? pick(r, INTERESTING_STRINGS) : randomToken(r, r.nextInt(60)));
            case 6 -> {
                StringBuilder b = new StringBuilder("[");
                int n = r.nextInt(5);
                for (int j = 0; j < n; j++) b.append(j > 0 ? "," : "").append(randomJson(r, depth + 1));
                yield b.append(']').toString();
            }
            default -> {
                StringBuilder b = new StringBuilder("{");
                int n = r.nextInt(5);
                for (int j = 0; j < n; j++) {
                    b.append(j > 0 ? "," : "").append(quote(randomToken(r, 1 + r.nextInt(8)))).append(':')
                            .append(randomJson(r, depth + 1));
                }
                yield b.append('}').toString();
            }
        };
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20 || (c >= 0xd800 && c <= 0xdfff)) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }

    private List<String> auth(Random r) {
        return switch (r.nextInt(7)) {
            case 0 -> List.of();
            case 1, 2 -> List.of("Authorization: " + t.agentBasic());
            case 3 -> List.of("Authorization: Bearer " + t.stagingToken());
            case 4 -> List.of("Authorization: Bearer " + t.opsBearer(), "Origin: http://" + t.host());
            case 5 -> List.of("Cookie: airlock_ops=" + t.opsCookie(), "Origin: " + pick(r, new String[] {
                    "http://" + t.host(), "http://evil.example", "null"}));
            default -> List.of("Authorization: Basic " + Base64.getEncoder().encodeToString(ascii("coding-agent:wrong")));
        };
    }

    private String anyPath(Random r) {
        String[] all = {"/oauth2/token", "/oauth2/introspect", "/oauth2/revoke", "/v1/check", "/v1/grants",
                "/v1/grants/" + t.grantId(), "/v1/grants/" + t.grantId() + "/approve", "/v1/ops/session", "/ops/",
                "/.well-known/jwks.json", "/healthz", "/proxy/railway/graphql/v2", "/proxy/generic-rest/v1/volumes",
                "/nowhere", "/proxy/nobody/x"};
        return pick(r, all);
    }

    private static String randomQuery(Random r) {
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < r.nextInt(50); k++) b.append(randomToken(r, 3)).append('=').append(randomToken(r, 5)).append('&');
        return b.toString();
    }

    private byte[] request(String method, String target, List<String> headers, String contentType, byte[] body) {
        StringBuilder h = new StringBuilder();
        h.append(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: ").append(t.host()).append("\r\n");
        for (String x : headers) h.append(x).append("\r\n");
        if (contentType != null) h.append("Content-Type: ").append(contentType).append("\r\n");
        if (body != null) h.append("Content-Length: ").append(body.length).append("\r\n");
        h.append("\r\n");
        byte[] head = h.toString().getBytes(UTF_8);
        return body == null ? head : concat(head, body);
    }

    private byte[] head(String method, String target, List<String> headers, String contentType, String framing) {
        StringBuilder h = new StringBuilder();
        h.append(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: ").append(t.host()).append("\r\n");
        for (String x : headers) h.append(x).append("\r\n");
        h.append("Content-Type: ").append(contentType).append("\r\n").append(framing).append("\r\n\r\n");
        return h.toString().getBytes(UTF_8);
    }

    /** Marks the last of several pipelined requests {@code Connection: close}, so the server ends the exchange. */
    private static byte[] closeLast(byte[] request) {
        return insertHeader(request, "Connection: close");
    }

    private static byte[] insertHeader(byte[] request, String header) {
        int eol = RawHttp.indexOf(request, new byte[] {'\r', '\n'}, 0);
        if (eol < 0) return request;
        return concat(java.util.Arrays.copyOf(request, eol + 2), concat(ascii(header + "\r\n"),
                java.util.Arrays.copyOfRange(request, eol + 2, request.length)));
    }

    static String randomToken(Random r, int n) {
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~";
        StringBuilder b = new StringBuilder(n);
        for (int k = 0; k < n; k++) b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        return b.toString();
    }

    static byte[] randomBytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    static byte[] ascii(String s) {
        return s.getBytes(ISO_8859_1);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static <T> T pick(Random r, T[] options) {
        return options[r.nextInt(options.length)];
    }

    private static int pick(Random r, int[] options) {
        return options[r.nextInt(options.length)];
    }

    private static byte pick(Random r, byte[] options) {
        return options[r.nextInt(options.length)];
    }
}
