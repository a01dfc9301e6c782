package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.nimbusds.jwt.JWTClaimsSet;
import com.sun.net.httpserver.HttpServer;
import dev.airlock.cli.GrantCommandTest.Run;
import dev.airlock.cli.GrantCommandTest.Runner;
import dev.airlock.testing.IndependentVerifier;
import dev.airlock.testing.TestAirlock;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code airlock env ENVIRONMENT}, in process against a real Airlock on loopback, its output evaluated by a real
 * shell: the variables hold a token for exactly that environment (verified independently from the JWKS) and the
 * proxy's URLs from the server's metadata; a refusal prints nothing an {@code eval} could half-apply; and
 * {@code env freeze|unfreeze} still work beside it.
 */
class EnvCommandTest {
    static final Set<String> STAGING_DEFAULT_SCOPES = Set.of("db:read", "service:read", "volume:read");

    @TempDir
    static Path tmp;

    static TestAirlock airlock;
    static String secret;
    static Path secretFile;

    @BeforeAll
    static void start() throws Exception {
        airlock = TestAirlock.start();
        secret = airlock.issueSecret("coding-agent");
        secretFile = tmp.resolve("secret");
        Files.writeString(secretFile, secret + "\n");
    }

    @AfterAll
    static void stop() throws Exception {
        airlock.close();
    }

    /** {@code env ARGS... --url <base> --client-id coding-agent --secret-file <file>}. */
    static Run env(TestAirlock server, String... args) {
        List<String> all = new ArrayList<>(List.of("env"));
        all.addAll(List.of(args));
        all.addAll(List.of("--url", server.base, "--client-id", "coding-agent", "--secret-file", secretFile.toString()));
        return Runner.run(null, all.toArray(String[]::new));
    }

    static Map<String, String> airlockVariables(Map<String, String> env) {
        return env.entrySet().stream().filter(e -> e.getKey().startsWith("AIRLOCK_"))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
    }

    static Path dir(String name) throws IOException {
        return Files.createDirectories(tmp.resolve(name + "-" + System.nanoTime()));
    }

    @Test
    void exportsEvaluateInARealShellToATokenForExactlyThatEnvironmentAndTheProxyUrls() throws Exception {
        Instant before = Instant.now();
        Run r = env(airlock, "staging");
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.err());
        assertFalse(r.out().contains(secret) || r.err().contains(secret), "the client secret is never printed");

        Map<String, String> vars = airlockVariables(ShellRun.evaluate("sh", r.out(), dir("sh")));
        assertEquals(new TreeSet<>(List.of("AIRLOCK_URL", "AIRLOCK_ENV", "AIRLOCK_TOKEN", "AIRLOCK_TOKEN_EXPIRES_AT",
                "AIRLOCK_SCOPE", "AIRLOCK_PROXY_RAILWAY", "AIRLOCK_PROXY_GENERIC_REST", "AIRLOCK_GRAPHQL_RAILWAY")),
                vars.keySet(), "exactly these variables, all exported");
        assertEquals(airlock.base, vars.get("AIRLOCK_URL"));
        assertEquals("staging", vars.get("AIRLOCK_ENV"));
        assertEquals(airlock.base + "/proxy/railway", vars.get("AIRLOCK_PROXY_RAILWAY"));
        assertEquals(airlock.base + "/proxy/generic-rest", vars.get("AIRLOCK_PROXY_GENERIC_REST"));
        assertEquals(airlock.base + "/proxy/railway/graphql/v2", vars.get("AIRLOCK_GRAPHQL_RAILWAY"));

        // The token, as a service in front of a provider would see it: the JWKS over HTTP, nimbus, that audience.
        JWTClaimsSet claims = new IndependentVerifier(airlock.base, "urn:airlock:env:staging", airlock.clock)
                .verify(vars.get("AIRLOCK_TOKEN"));
        assertEquals(List.of("urn:airlock:env:staging"), claims.getAudience(), "one audience: staging's");
        assertEquals("staging", claims.getStringClaim("env"));
        assertEquals("coding-agent", claims.getStringClaim("client_id"));
        Set<String> scopes = Set.of(claims.getStringClaim("scope").split(" "));
        assertEquals(STAGING_DEFAULT_SCOPES, scopes, "no --scope: the agent's default scopes there");
        for (String s : scopes) {
            assertFalse(airlock.airlock.domain().policy.scope(s).orElseThrow().destructive(), s + " is destructive");
        }
        assertEquals(scopes, Set.of(vars.get("AIRLOCK_SCOPE").split(" ")));

        long expiresAt = Long.parseLong(vars.get("AIRLOCK_TOKEN_EXPIRES_AT"));
        long exp = claims.getExpirationTime().toInstant().getEpochSecond();
        // The server's clock is the test's (fixed at its start); the CLI reads the real one. Seconds apart at most.
        assertTrue(Math.abs(expiresAt - exp) <= 30, "expires at " + expiresAt + ", token exp " + exp);
        assertTrue(expiresAt >= before.getEpochSecond() + Duration.ofMinutes(9).toSeconds(), "10 min default lifetime");
    }

    @Test
    void jsonAndFishCarryTheSameVariables() throws Exception {
        Run json = env(airlock, "staging", "--shell", "json");
        assertEquals(0, json.exit(), json.err());
        Map<String, String> fromJson = AirlockHttp.JSON.readValue(json.out(), new TypeReference<TreeMap<String, String>>() {});
        assertEquals(airlock.base + "/proxy/railway", fromJson.get("AIRLOCK_PROXY_RAILWAY"));
        assertEquals("staging", new IndependentVerifier(airlock.base, "urn:airlock:env:staging", airlock.clock)
                .verify(fromJson.get("AIRLOCK_TOKEN")).getStringClaim("env"));

        Run sh = env(airlock, "staging");
        Map<String, String> fromSh = airlockVariables(ShellRun.evaluate("sh", sh.out(), dir("sh")));
        assertEquals(fromSh.keySet(), fromJson.keySet());
        if (!ShellRun.available().contains("fish")) {
            System.out.println("EnvCommandTest: fish is not installed here; --shell fish is checked on its text only");
            assertTrue(env(airlock, "staging", "--shell", "fish").out().startsWith("set -gx AIRLOCK_URL '"));
            return;
        }
        Run fish = env(airlock, "staging", "--shell", "fish");
        assertEquals(0, fish.exit(), fish.err());
        Map<String, String> fromFish = airlockVariables(ShellRun.evaluate("fish", fish.out(), dir("fish")));
        assertEquals(fromSh.keySet(), fromFish.keySet());
        for (String name : fromSh.keySet()) {
            // A fresh token each run (new jti, maybe a new second): the rest is the same.
            if (!name.equals("AIRLOCK_TOKEN") && !name.equals("AIRLOCK_TOKEN_EXPIRES_AT")) {
                assertEquals(fromSh.get(name), fromFish.get(name), name);
            }
        }
    }

    @Test
    void anExplicitScopeIsWhatTheTokenCarries() throws Exception {
        Run r = env(airlock, "dev", "--scope", "db:write volume:read");
        assertEquals(0, r.exit(), r.err());
        Map<String, String> vars = airlockVariables(ShellRun.evaluate("sh", r.out(), dir("sh")));
        assertEquals("dev", vars.get("AIRLOCK_ENV"));
        JWTClaimsSet claims = new IndependentVerifier(airlock.base, "urn:airlock:env:dev", airlock.clock)
                .verify(vars.get("AIRLOCK_TOKEN"));
        assertEquals(Set.of("db:write", "volume:read"), Set.of(claims.getStringClaim("scope").split(" ")));
    }

    @Test
    void aKeyFileAgentGetsItsExportsWithNoSecretAnywhere() throws Exception {
        Run r = Runner.run(null, "env", "staging", "--url", airlock.base, "--client-id", "deploy-bot", "--key-file",
                "src/test/resources/keys/deploy-bot.private.jwk.json");
        assertEquals(0, r.exit(), r.err());
        Map<String, String> vars = airlockVariables(ShellRun.evaluate("sh", r.out(), dir("key")));
        JWTClaimsSet claims = new IndependentVerifier(airlock.base, "urn:airlock:env:staging", airlock.clock)
                .verify(vars.get("AIRLOCK_TOKEN"));
        assertEquals("deploy-bot", claims.getStringClaim("client_id"));
        assertEquals("staging", claims.getStringClaim("env"));
    }

    @Test
    void aDestructiveScopeIsRefusedOnStderrWithTheWayToAskPeopleAndNothingOnStdout() {
        Run r = env(airlock, "production", "--scope", "volume:delete");
        assertEquals(1, r.exit(), r.err());
        assertEquals("", r.out(), "nothing for eval to half-apply");
        assertTrue(r.err().startsWith("invalid_scope: volume:delete in production is never issued automatically"), r.err());
        assertTrue(r.err().contains(airlock.base + "/v1/grants"), r.err());
        assertTrue(r.err().contains("airlock grant request --env production --scope volume:delete --resource <exact resource id>"),
                "the same request as the CLI takes it:\n" + r.err());
        assertFalse(r.err().contains(secret));
    }

    @Test
    void anUnknownEnvironmentIsRefusedAndNothingOnStdout() {
        Run r = env(airlock, "prod");
        assertEquals(1, r.exit(), r.err());
        assertEquals("", r.out());
        assertEquals("invalid_target: unknown environment 'prod'", r.err().strip());
    }

    @Test
    void aUrlThatIsNotTheIssuerIsRefusedNamingTheIssuer() {
        String other = airlock.base.replace("127.0.0.1", "localhost");
        Run r = Runner.run(null, "env", "staging", "--url", other, "--client-id", "coding-agent", "--secret-file",
                secretFile.toString());
        assertEquals(1, r.exit(), r.err());
        assertEquals("", r.out());
        assertTrue(r.err().contains("says its issuer is '" + airlock.base + "'"), r.err());
    }

    @Test
    void usageProblemsAreExitTwoWithNothingOnStdout() {
        Map<List<String>, String> cases = new LinkedHashMap<>();
        cases.put(List.of("env", "staging"), "Missing required option: '--client-id");
        cases.put(List.of("env", "--client-id", "coding-agent"), "name an ENVIRONMENT");
        cases.put(List.of("env", "staging", "--client-id", "coding-agent", "--shell", "bash"), "--shell must be sh");
        cases.put(List.of("env", "staging", "--url", airlock.base), "Missing required argument(s): --client-id");
        cases.put(List.of("env", "staging", "--url", airlock.base, "--client-id", "coding-agent", "--secret-env",
                "AIRLOCK_TEST_UNSET_VARIABLE"), "no client secret: set AIRLOCK_TEST_UNSET_VARIABLE");
        cases.forEach((args, message) -> {
            Run r = Runner.run(null, args.toArray(String[]::new));
            assertEquals(2, r.exit(), args + ": " + r.err());
            assertEquals("", r.out(), args.toString());
            assertTrue(r.err().contains(message), args + " should say '" + message + "':\n" + r.err());
        });
    }

    @Test
    void anUnreachableServerIsExitOneWithNothingOnStdout() throws Exception {
        String dead = "http://127.0.0.1:" + TestAirlock.freePort();
        Run r = Runner.run(null, "env", "staging", "--url", dead, "--client-id", "coding-agent", "--secret-file",
                secretFile.toString());
        assertEquals(1, r.exit(), r.err());
        assertEquals("", r.out());
        assertTrue(r.err().contains("cannot reach Airlock at " + dead), r.err());
    }

    @Test
    void freezeAndUnfreezeStillWorkAndAFrozenEnvironmentGetsNoExports() throws Exception {
        try (TestAirlock own = TestAirlock.start()) {
            String ownSecret = own.issueSecret("coding-agent");
            Path ownSecretFile = tmp.resolve("own-secret");
            Files.writeString(ownSecretFile, ownSecret);
            String[] exports = {"env", "staging", "--url", own.base, "--client-id", "coding-agent", "--secret-file",
                    ownSecretFile.toString()};
            assertEquals(0, Runner.run(null, exports).exit());

            Run freeze = Runner.run(null, "env", "freeze", "staging", "--data", own.dataDir.toString());
            assertEquals(0, freeze.exit(), freeze.err());
            assertEquals("environment staging frozen: no new tokens, and checks refuse existing ones", freeze.out().strip());
            Run refused = until(exports, r -> r.exit() != 0);
            assertEquals(1, refused.exit(), refused.err());
            assertEquals("", refused.out());
            assertTrue(refused.err().contains("frozen"), refused.err());

            Run unfreeze = Runner.run(null, "env", "unfreeze", "staging", "--data", own.dataDir.toString());
            assertEquals(0, unfreeze.exit(), unfreeze.err());
            assertEquals("environment staging unfrozen", unfreeze.out().strip());
            assertEquals(0, until(exports, r -> r.exit() == 0).exit());

            Run unknown = Runner.run(null, "env", "freeze", "nowhere", "--data", own.dataDir.toString());
            assertEquals(1, unknown.exit());
            assertEquals("unknown environment 'nowhere'", unknown.err().strip());
        }
    }

    /** The CLI writes the data directory; the server picks a change up within 250 ms. */
    static Run until(String[] args, java.util.function.Predicate<Run> done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        Run r = Runner.run(null, args);
        while (!done.test(r) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            r = Runner.run(null, args);
        }
        return r;
    }

    @Test
    void anEnvironmentNamedFreezeIsReachedAfterDoubleDashWhileTheWordAloneStaysTheSubcommand() throws Exception {
        Path policy = renamedPolicy("dev", "freeze");
        try (TestAirlock own = TestAirlock.start(policy, Files.createTempDirectory("airlock-test"),
                com.nimbusds.jose.JWSAlgorithm.EdDSA)) {
            Path ownSecret = tmp.resolve("freeze-secret");
            Files.writeString(ownSecret, own.issueSecret("coding-agent"));
            String[] agent = {"--url", own.base, "--client-id", "coding-agent", "--secret-file", ownSecret.toString()};

            // Without '--', 'freeze' is the subcommand: it does not take the agent's options, and prints nothing.
            Run sub = Runner.run(null, Stream.concat(Stream.of("env", "freeze"), Arrays.stream(agent)).toArray(String[]::new));
            assertEquals(2, sub.exit(), sub.err());
            assertEquals("", sub.out());
            assertTrue(sub.err().contains("Usage: airlock env freeze "), sub.err());

            // Options, then '--', then the name: the exports for the environment called freeze.
            Run r = Runner.run(null, Stream.of(Stream.of("env"), Arrays.stream(agent), Stream.of("--", "freeze"))
                    .flatMap(s -> s).toArray(String[]::new));
            assertEquals(0, r.exit(), r.err());
            Map<String, String> vars = airlockVariables(ShellRun.evaluate("sh", r.out(), dir("freeze")));
            assertEquals("freeze", vars.get("AIRLOCK_ENV"));
            assertEquals("freeze", new IndependentVerifier(own.base, "urn:airlock:env:freeze", own.clock)
                    .verify(vars.get("AIRLOCK_TOKEN")).getStringClaim("env"));

            // And the subcommand still freezes it: the word alone always means the operator's command.
            Run frozen = Runner.run(null, "env", "freeze", "freeze", "--data", own.dataDir.toString(), "--policy",
                    policy.toString());
            assertEquals(0, frozen.exit(), frozen.err());
            assertEquals("environment freeze frozen: no new tokens, and checks refuse existing ones", frozen.out().strip());
        }
    }

    /** The example policy with one environment renamed (its list entry and the map keys naming it). */
    static Path renamedPolicy(String from, String to) throws IOException {
        Path out = dir("policy");
        Path source = TestAirlock.EXAMPLE_POLICY;
        Pattern entry = Pattern.compile("^(\\s*- name: )" + from + "$");
        Pattern key = Pattern.compile("^(\\s+)" + from + ":$");
        try (Stream<Path> files = Files.walk(source)) {
            for (Path p : files.toList()) {
                Path target = out.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                    continue;
                }
                List<String> lines = new ArrayList<>();
                for (String line : Files.readAllLines(p)) {
                    line = entry.matcher(line).replaceAll("$1" + to);
                    lines.add(key.matcher(line).replaceAll("$1" + to + ":"));
                }
                Files.write(target, lines);
            }
        }
        assertTrue(Files.readString(out.resolve("environments.yaml")).contains("- name: " + to));
        return out;
    }

    // --- a hostile server: what the CLI prints is safe to eval whatever the network says ---

    /** A server on loopback that answers what the test says (the JDK's server, nothing of Airlock's). */
    static final class Hostile implements AutoCloseable {
        final HttpServer server;
        final String base;

        Hostile(java.util.function.Function<String, String> metadata, String tokenAnswer) throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            base = "http://127.0.0.1:" + server.getAddress().getPort();
            server.createContext("/.well-known/oauth-authorization-server", x -> answer(x, metadata.apply(base)));
            server.createContext("/oauth2/token", x -> answer(x, tokenAnswer));
            server.start();
        }

        private static void answer(com.sun.net.httpserver.HttpExchange x, String json) throws IOException {
            x.getRequestBody().readAllBytes();
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().set("Content-Type", "application/json");
            x.sendResponseHeaders(200, body.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        }

        Run env() {
            return Runner.run(null, "env", "staging", "--url", base, "--client-id", "coding-agent", "--secret-file",
                    secretFile.toString());
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    static final String GOOD_TOKEN = "{\"access_token\":\"eyJ0.eyJ0.c2ln\",\"token_type\":\"Bearer\",\"expires_in\":600,"
            + "\"scope\":\"db:read\"}";

    static String metadata(String issuer, String proxies) {
        return "{\"issuer\":\"" + issuer + "\",\"airlock_proxy_endpoints\":" + proxies + "}";
    }

    @Test
    void shellCharactersAServerPutsInAUrlComeOutAsPlainText() throws Exception {
        // Every character is legal in a URI path, and each part would run or expand something if the quoting were
        // wrong: a command substitution, a single-quote breakout, a variable. ('"' and '`' cannot be in a URI.)
        String evil = "http://127.0.0.1:1/proxy/x$(mkdir$IFS'PWNED1')';mkdir$IFS'PWNED2';'$HOME";
        try (Hostile h = new Hostile(base -> metadata(base, "{\"railway\":\"" + evil + "\"}"), GOOD_TOKEN)) {
            Run r = h.env();
            assertEquals(0, r.exit(), r.err());
            Path dir = dir("hostile");
            Map<String, String> vars = airlockVariables(ShellRun.evaluate("sh", r.out(), dir));
            assertEquals(evil, vars.get("AIRLOCK_PROXY_RAILWAY"));
            assertEquals("eyJ0.eyJ0.c2ln", vars.get("AIRLOCK_TOKEN"));
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(List.of("exports"), files.map(p -> p.getFileName().toString()).toList());
            }
        }
    }

    @Test
    void aServerAnswerThatCannotBeTrustedPrintsNothing() throws Exception {
        Map<String, String[]> cases = new LinkedHashMap<>();
        cases.put("provider name", new String[] {"{\"x; touch PWNED\":\"http://127.0.0.1:1/proxy/x\"}", GOOD_TOKEN});
        // Without the name check both would be AIRLOCK_PROXY_A_B, one silently replacing the other.
        cases.put("colliding provider names", new String[] {"{\"a-b\":\"http://127.0.0.1:1/x\",\"a_b\":\"http://127.0.0.1:1/y\"}",
                GOOD_TOKEN});
        cases.put("non-http URL", new String[] {"{\"railway\":\"file:///etc/passwd\"}", GOOD_TOKEN});
        cases.put("URL with a newline", new String[] {"{\"railway\":\"http://127.0.0.1:1/a\\nexport X=1\"}", GOOD_TOKEN});
        cases.put("proxies not an object", new String[] {"[\"railway\"]", GOOD_TOKEN});
        cases.put("token with quotes", new String[] {"{}", GOOD_TOKEN.replace("eyJ0.eyJ0.c2ln", "a'$(touch PWNED)'")});
        cases.put("token with a newline", new String[] {"{}", GOOD_TOKEN.replace("eyJ0.eyJ0.c2ln", "a\\nexport X=1")});
        cases.put("not a bearer token", new String[] {"{}", GOOD_TOKEN.replace("Bearer", "DPoP")});
        cases.put("expires_in as text", new String[] {"{}", GOOD_TOKEN.replace("600", "\"600\"")});
        cases.put("expires_in absurd", new String[] {"{}", GOOD_TOKEN.replace("600", "99999999999")});
        for (Map.Entry<String, String[]> c : cases.entrySet()) {
            try (Hostile h = new Hostile(base -> metadata(base, c.getValue()[0]), c.getValue()[1])) {
                Run r = h.env();
                assertEquals(1, r.exit(), c.getKey() + ": " + r.err());
                assertEquals("", r.out(), c.getKey());
                assertEquals(1, r.err().strip().lines().count(), c.getKey() + ": one line on stderr: " + r.err());
            }
        }
    }

    // --- the standing-credential warning (issue 16) ---

    /** A working tree whose .env holds a password-like value of no known format, so only the location rule finds it. */
    static Path treeWithACredential(String value) throws IOException {
        Path tree = dir("tree");
        Files.writeString(tree.resolve(".env"), "PORT=8080\nDATABASE_PASSWORD=" + value + "\n");
        return tree;
    }

    @Test
    void envWhenTheWorkingTreeHoldsACredentialThenOneWarningLineOnStderrAndTheExportsAreUnchanged() throws Exception {
        String value = "q7Lr2VxN9kPz4HcW8mTb3JdY";
        Run r = env(airlock, "staging", "--scan-dir", treeWithACredential(value).toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("warning: 1 standing credential readable in this working tree (.env:2 dotenv-secret); run airlock"
                + " scan for details", r.err().strip());
        assertFalse(r.err().contains(value) || r.out().contains(value), "the value is never printed");
        Map<String, String> vars = airlockVariables(ShellRun.evaluate("sh", r.out(), dir("sh-warned")));
        assertEquals("staging", vars.get("AIRLOCK_ENV"), "standard output carries the exports and nothing else");
    }

    @Test
    void envWithNoScanDoesNotLook() throws Exception {
        Run r = env(airlock, "staging", "--no-scan", "--scan-dir", treeWithACredential("q7Lr2VxN9kPz4HcW8mTb3JdY").toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.err());
    }

    @Test
    void envWhenTheWorkingTreeCannotBeScannedThenItSaysNothingAndStillSucceeds() throws Exception {
        Run r = env(airlock, "staging", "--scan-dir", tmp.resolve("no-such-tree").toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.err());
        assertTrue(r.out().contains("AIRLOCK_TOKEN="), r.out());
    }
}
