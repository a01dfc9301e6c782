package dev.airlock.process;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.testing.IndependentVerifier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * "A killed process loses nothing it acknowledged" (DESIGN, State and durability), tested the hard way: the shipped
 * jar as separate processes, SIGKILL, restart on the same data directory, and only then look. Also: a bad policy
 * or a second server on the same data directory stops {@code serve} before it listens.
 */
class DurabilityIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path POLICY = Path.of("scopes").toAbsolutePath();
    private static final int SIGKILL_EXIT = 128 + 9;
    /** DESIGN: revocations reach the server within a second; the slack is for a loaded 2-core CI machine. */
    private static final Duration REVOCATION_DEADLINE = Duration.ofMillis(1500);

    private final List<AirlockProcess> servers = new ArrayList<>();
    private Path tmp;
    private Path logs;

    @BeforeEach
    void dirs() throws IOException {
        tmp = Files.createTempDirectory("airlock-durability");
        logs = tmp.resolve("logs");
    }

    @AfterEach
    void stopServers() throws InterruptedException {
        for (AirlockProcess s : servers) s.close();
    }

    private AirlockProcess server(Path data, int port) {
        AirlockProcess s = AirlockProcess.server(data, POLICY, port, logs);
        servers.add(s);
        return s;
    }

    // ---------------------------------------------------------------------------------------------------------------

    /**
     * 1. issue a secret; 2. serve; 3. mint A, B (staging) and P (production); 4. revoke A with the CLI while the
     * server runs, and see the server refuse A within a second; 5. freeze production with the CLI; 6. kill -9;
     * 7. restart on the same data directory; 8. everything acknowledged is still true.
     */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void revocationFreezeKeysAndAuditSurviveKill9() throws Exception {
        Path data = tmp.resolve("data");
        String secret = addAgent(data);
        AirlockProcess server = server(data, AirlockProcess.freePort()).start();
        Http http = new Http(server.base, secret);

        // 3. A over HTTP, B through 'airlock token' (what an agent runs), P for production before the freeze.
        String a = http.mint("staging", "db:read volume:read");
        AirlockProcess.Result tokenCli = AirlockProcess.cli(logs, Map.of("AIRLOCK_CLIENT_SECRET", secret),
                Duration.ofSeconds(60), "token", "--url", server.base, "--client-id", "coding-agent", "--env", "staging",
                "--scope", "db:read");
        assertEquals(0, tokenCli.exit(), tokenCli.toString());
        String b = tokenCli.out().strip();
        String p = http.mint("production", "db:read");
        String jtiA = jti(a);
        String jtiB = jti(b);
        String jtiP = jti(p);
        assertEquals(3, Set.of(jtiA, jtiB, jtiP).size(), "three distinct jtis");
        for (String t : List.of(a, b)) assertTrue(http.check(t, "staging", "db:read").path("allowed").asBoolean());
        assertTrue(http.check(p, "production", "db:read").path("allowed").asBoolean());
        JsonNode jwksBefore = http.getJson("/.well-known/jwks.json");
        String kidBefore = kid(b);

        // 4. Revoke A from the CLI, a different process; the running server must pick it up within a second.
        AirlockProcess.Result revoke = AirlockProcess.cli(logs, "revoke", "--jti", jtiA, "--data", data.toString(),
                "--policy", POLICY.toString());
        assertEquals(0, revoke.exit(), revoke.toString());
        assertTrue(revoke.out().contains("revoked " + jtiA), revoke.toString());
        Instant revokedAt = Instant.now();
        JsonNode refusedA = http.awaitCheckCode(a, "staging", "db:read", "token_revoked", REVOCATION_DEADLINE);
        System.out.println("revocation by the CLI seen by the server after "
                + Duration.between(revokedAt, Instant.now()).toMillis() + " ms");
        assertFalse(refusedA.path("allowed").asBoolean(true), refusedA.toString());
        assertTrue(http.check(b, "staging", "db:read").path("allowed").asBoolean(), "B is not affected");

        // 5. Freeze production from the CLI.
        AirlockProcess.Result freeze = AirlockProcess.cli(logs, "env", "freeze", "production", "--data", data.toString(),
                "--policy", POLICY.toString());
        assertEquals(0, freeze.exit(), freeze.toString());
        http.awaitCheckCode(p, "production", "db:read", "environment_frozen", REVOCATION_DEADLINE);

        // 6. kill -9.
        assertEquals(SIGKILL_EXIT, server.kill9(), "exit status of a SIGKILLed process");
        assertFalse(server.listening(), "nothing listens after the kill");

        // 7. Restart on the same data directory (and port, so the issuer is the same).
        server.start();

        // 8. Everything acknowledged before the kill still holds.
        JsonNode a2 = http.check(a, "staging", "db:read");
        assertFalse(a2.path("allowed").asBoolean(true), a2.toString());
        assertEquals("token_revoked", a2.path("code").asText(), a2.toString());
        JsonNode b2 = http.check(b, "staging", "db:read");
        assertTrue(b2.path("allowed").asBoolean(), b2.toString());

        Http.Reply frozenMint = http.mintReply("production", "db:read");
        assertEquals(400, frozenMint.status(), frozenMint.body());
        assertEquals("invalid_target", frozenMint.json().path("error").asText(), frozenMint.body());
        assertTrue(frozenMint.json().path("error_description").asText().contains("frozen"), frozenMint.body());
        JsonNode p2 = http.check(p, "production", "db:read");
        assertFalse(p2.path("allowed").asBoolean(true), p2.toString());
        assertEquals("environment_frozen", p2.path("code").asText(), p2.toString());

        // Same signing key: the JWKS is unchanged, B verifies against it independently, new tokens use the same kid.
        assertEquals(jwksBefore, http.getJson("/.well-known/jwks.json"), "JWKS after restart");
        assertEquals(jtiB, new IndependentVerifier(server.base, "urn:airlock:env:staging").verify(b).getJWTID());
        assertEquals(kidBefore, kid(http.mint("staging", "db:read")), "kid of a token minted after the restart");

        // The CLI agrees: A refused (exit 1), B allowed (exit 0).
        assertEquals(1, cliCheck(server, a, "staging", "db:read").exit());
        assertEquals(0, cliCheck(server, b, "staging", "db:read").exit());

        AirlockProcess.Result verify = auditVerify(data);
        assertEquals(0, verify.exit(), verify.toString());
        List<JsonNode> events = auditEvents(data);
        assertHasEvent(events, "agent.secret_issued", "client_id", "coding-agent");
        assertHasEvent(events, "token.minted", "jti", jtiA);
        assertHasEvent(events, "token.minted", "jti", jtiB);
        assertHasEvent(events, "token.minted", "jti", jtiP);
        assertHasEvent(events, "token.revoked", "jti", jtiA);
        assertHasEvent(events, "env.frozen", "env", "production");
        assertFalse(events.stream().anyMatch(e -> e.path("type").asText().equals("token.revoked")
                && e.path("jti").asText().equals(jtiB)), "B was never revoked");
    }

    // ---------------------------------------------------------------------------------------------------------------

    /**
     * Five rounds of: 50 clients minting (and revoking a third of what they get) as fast as they can; kill -9 at a
     * random moment while requests are in flight; restart; then every mint that was answered 200 has its
     * token.minted line, every revocation answered 200 is still in force, and the audit chain verifies.
     */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void kill9UnderLoadLosesNothingAcknowledged() throws Exception {
        long seed = Long.getLong("airlock.seed", System.nanoTime());
        System.out.println("kill -9 loop seed " + seed + " (rerun with -Dairlock.seed=" + seed + ")");
        Random random = new Random(seed);
        Path data = tmp.resolve("data");
        String secret = addAgent(data);
        AirlockProcess server = server(data, AirlockProcess.freePort()).start();

        Map<String, String> minted = new ConcurrentHashMap<>(); // jti -> token, every mint answered 200
        Set<String> revokeTried = ConcurrentHashMap.newKeySet();
        Set<String> revoked = ConcurrentHashMap.newKeySet(); // every revocation answered 200
        int inFlightAtKills = 0;
        for (int round = 1; round <= 5; round++) {
            int mintedBefore = minted.size();
            int revokedBefore = revoked.size();
            Load load = new Load(server.base, secret, minted, revokeTried, revoked, random.nextLong());
            load.start(50);
            load.awaitMints(mintedBefore + 10, Duration.ofSeconds(20));
            Thread.sleep(random.nextInt(400));
            int inFlight = load.inFlight.get();
            assertEquals(SIGKILL_EXIT, server.kill9());
            load.stopAndJoin();
            inFlightAtKills += inFlight;
            System.out.printf("round %d: killed with %d requests in flight; acknowledged this round: %d mints, %d of %d"
                    + " revocations; %d requests cut off by the kill; refusals by status %s%n", round, inFlight,
                    minted.size() - mintedBefore, revoked.size() - revokedBefore, load.revokesSent.get(),
                    load.failures.get(), load.refusals);
            assertEquals(Map.of(), load.refusals, "no request of the load was refused before the kill");

            server.start();
            AirlockProcess.Result verify = auditVerify(data);
            assertEquals(0, verify.exit(), "audit verify after restart " + round + ": " + verify);

            Map<String, String> mintedByJti = auditJtis(data, "token.minted");
            Set<String> missing = new TreeSet<>(minted.keySet());
            missing.removeAll(mintedByJti.keySet());
            assertEquals(Set.of(), missing, "acknowledged mints without a token.minted line after round " + round);
            Set<String> revokedInAudit = auditJtis(data, "token.revoked").keySet();
            Set<String> revocationNotAudited = new TreeSet<>(revoked);
            revocationNotAudited.removeAll(revokedInAudit);
            assertEquals(Set.of(), revocationNotAudited, "acknowledged revocations without token.revoked, round " + round);

            String where = " after round " + round + ": ";
            Http http = new Http(server.base, secret);
            Map<String, JsonNode> decisions = http.checkAll(revoked.stream().collect(Collectors.toMap(j -> j, minted::get)));
            decisions.forEach((jti, d) -> assertEquals("token_revoked", d.path("code").asText(),
                    "acknowledged revocation of " + jti + where + d));
            // Tokens nobody tried to revoke are still good (a sample, to keep the round short).
            List<String> untouched = minted.keySet().stream().filter(j -> !revokeTried.contains(j)).sorted()
                    .collect(Collectors.toList());
            java.util.Collections.shuffle(untouched, random);
            Map<String, String> sample = untouched.stream().limit(20).collect(Collectors.toMap(j -> j, minted::get));
            http.checkAll(sample).forEach((jti, d) -> assertTrue(d.path("allowed").asBoolean(),
                    "unrevoked token " + jti + where + d));
        }
        assertTrue(inFlightAtKills > 0, "the kills happened while requests were in flight");
        assertTrue(revoked.size() > 0, "some revocations were acknowledged");
    }

    /** 50 workers: each mints, revokes every third token it gets, and goes again, until the server is gone. */
    private static final class Load {
        final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        final String base;
        final String basic;
        final Map<String, String> minted;
        final Set<String> revokeTried;
        final Set<String> revoked;
        final long seed;
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger failures = new AtomicInteger();
        final AtomicInteger mintedNow = new AtomicInteger();
        final AtomicInteger revokesSent = new AtomicInteger();
        final Map<Integer, AtomicInteger> refusals = new ConcurrentHashMap<>();
        ExecutorService pool;
        final List<Future<?>> workers = new ArrayList<>();

        Load(String base, String secret, Map<String, String> minted, Set<String> revokeTried, Set<String> revoked,
             long seed) {
            this.base = base;
            this.basic = basic("coding-agent", secret);
            this.minted = minted;
            this.revokeTried = revokeTried;
            this.revoked = revoked;
            this.seed = seed;
        }

        void start(int n) {
            pool = Executors.newFixedThreadPool(n);
            for (int i = 0; i < n; i++) {
                Random r = new Random(seed + i);
                workers.add(pool.submit(() -> work(r)));
            }
        }

        void awaitMints(int total, Duration deadline) throws InterruptedException {
            Instant until = Instant.now().plus(deadline);
            while (minted.size() < total) {
                if (Instant.now().isAfter(until)) throw new AssertionError("load did not get going: " + minted.size());
                Thread.sleep(5);
            }
        }

        private void work(Random r) {
            while (!stop.get()) {
                try {
                    HttpResponse<String> m = send("/oauth2/token", "grant_type=client_credentials&environment=staging"
                            + "&scope=db%3Aread");
                    if (m.statusCode() != 200) {
                        refusals.computeIfAbsent(m.statusCode(), k -> new AtomicInteger()).incrementAndGet();
                        continue;
                    }
                    String token = JSON.readTree(m.body()).path("access_token").asText();
                    String jti = jti(token);
                    minted.put(jti, token);
                    mintedNow.incrementAndGet();
                    if (r.nextInt(3) == 0) {
                        revokeTried.add(jti);
                        revokesSent.incrementAndGet();
                        HttpResponse<String> v = send("/oauth2/revoke", "token=" + token);
                        if (v.statusCode() == 200) revoked.add(jti);
                        else refusals.computeIfAbsent(v.statusCode(), k -> new AtomicInteger()).incrementAndGet();
                    }
                } catch (IOException e) {
                    // The server was killed under us: this request was not acknowledged.
                    failures.incrementAndGet();
                    if (stop.get()) return;
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private HttpResponse<String> send(String path, String form) throws IOException, InterruptedException {
            inFlight.incrementAndGet();
            try {
                return client.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/x-www-form-urlencoded").header("Authorization", basic)
                        .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
            } finally {
                inFlight.decrementAndGet();
            }
        }

        void stopAndJoin() throws Exception {
            stop.set(true);
            pool.shutdown();
            if (!pool.awaitTermination(30, TimeUnit.SECONDS)) throw new AssertionError("load workers did not stop");
            for (Future<?> f : workers) f.get();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** A policy with an unknown key: serve exits non-zero naming the file and line, and never listens. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void badPolicyStopsTheServerBeforeItListens() throws Exception {
        Path policy = tmp.resolve("policy");
        Files.createDirectories(policy);
        try (Stream<Path> files = Files.list(POLICY)) {
            for (Path f : files.collect(Collectors.toList())) {
                Files.copy(f, policy.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        List<String> lines = new ArrayList<>(Files.readAllLines(policy.resolve("agents.yaml"), UTF_8));
        int owner = -1;
        for (int i = 0; i < lines.size() && owner < 0; i++) if (lines.get(i).equals("    owner: alice")) owner = i;
        assertTrue(owner >= 0, "the example agents.yaml has coding-agent's owner line");
        lines.add(owner + 1, "    colour: blue");
        Files.write(policy.resolve("agents.yaml"), lines, UTF_8);
        int badLine = owner + 2; // 1-based

        AirlockProcess bad = AirlockProcess.server(tmp.resolve("data"), policy, AirlockProcess.freePort(), logs);
        servers.add(bad);
        bad.launch();
        int exit = bad.awaitExitWithoutListening(Duration.ofSeconds(30));
        assertNotEquals(0, exit, bad.output());
        String err = bad.stderr();
        assertTrue(err.contains("agents.yaml:" + badLine), "stderr names file and line " + badLine + ":\n" + err);
        assertTrue(err.contains("colour"), "stderr names the bad key:\n" + err);
        assertFalse(bad.stdout().contains("Airlock serving"), bad.output());
        assertFalse(err.contains("Exception"), "a refusal, not a crash:\n" + err);

        // Control: the same copy without the bad line starts.
        lines.remove(owner + 1);
        Files.write(policy.resolve("agents.yaml"), lines, UTF_8);
        AirlockProcess good = AirlockProcess.server(tmp.resolve("data"), policy, AirlockProcess.freePort(), logs);
        servers.add(good);
        good.start();
        assertTrue(good.listening());
    }

    /** One server per data directory: a second serve exits non-zero with a clear message; the first is unharmed. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void secondServerOnTheSameDataDirectoryRefusesToStart() throws Exception {
        Path data = tmp.resolve("data");
        String secret = addAgent(data);
        AirlockProcess first = server(data, AirlockProcess.freePort()).start();
        Http http = new Http(first.base, secret);
        String before = http.mint("staging", "db:read");

        AirlockProcess second = server(data, AirlockProcess.freePort());
        second.launch();
        int exit = second.awaitExitWithoutListening(Duration.ofSeconds(30));
        assertNotEquals(0, exit, second.output());
        String err = second.stderr();
        assertTrue(err.contains("another Airlock is serving") && err.contains(data.toString()),
                "a clear message naming the data directory:\n" + err);
        assertFalse(err.contains("Exception"), "a refusal, not a crash:\n" + err);

        assertTrue(first.alive(), "the first server still runs");
        assertTrue(http.check(before, "staging", "db:read").path("allowed").asBoolean());
        String after = http.mint("staging", "db:read");
        assertTrue(http.check(after, "staging", "db:read").path("allowed").asBoolean());
        assertEquals(0, auditVerify(data).exit());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Helpers

    private String addAgent(Path data) throws Exception {
        AirlockProcess.Result add = AirlockProcess.cli(logs, "agent", "add", "coding-agent", "--data", data.toString(),
                "--policy", POLICY.toString());
        assertEquals(0, add.exit(), add.toString());
        String secret = add.lastLine();
        assertTrue(secret.startsWith("airlock_sk_"), add.toString());
        return secret;
    }

    private AirlockProcess.Result auditVerify(Path data) throws Exception {
        return AirlockProcess.cli(logs, "audit", "verify", "--data", data.toString());
    }

    private AirlockProcess.Result cliCheck(AirlockProcess server, String token, String env, String action)
            throws Exception {
        return AirlockProcess.cli(logs, Map.of("AIRLOCK_TOKEN", token), Duration.ofSeconds(60), "check", "--url",
                server.base, "--env", env, "--action", action);
    }

    /** The payload's jti, read without any JWT library. */
    static String jti(String jwt) {
        return payload(jwt).path("jti").asText();
    }

    private static JsonNode payload(String jwt) {
        String[] parts = jwt.split("\\.");
        if (parts.length != 3) throw new AssertionError("not a JWS compact serialization: " + jwt);
        try {
            return JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String kid(String jwt) throws IOException {
        return JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[0])).path("kid").asText();
    }

    /** Complete lines of the audit log, parsed; a torn last line (a writer mid-append) is left out. */
    private static List<JsonNode> auditEvents(Path data) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        String all = Files.readString(data.resolve("audit.log"), UTF_8);
        int end = all.lastIndexOf('\n');
        if (end < 0) return out;
        for (String line : all.substring(0, end).split("\n")) out.add(JSON.readTree(line));
        return out;
    }

    private static Map<String, String> auditJtis(Path data, String type) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode e : auditEvents(data)) {
            if (e.path("type").asText().equals(type)) out.put(e.path("jti").asText(), e.path("seq").asText());
        }
        return out;
    }

    private static void assertHasEvent(List<JsonNode> events, String type, String field, String value) {
        assertTrue(events.stream().anyMatch(e -> e.path("type").asText().equals(type)
                && e.path(field).asText().equals(value)), "audit log has " + type + " with " + field + "=" + value);
    }

    static String basic(String id, String secret) {
        String pair = URLEncoder.encode(id, UTF_8) + ":" + URLEncoder.encode(secret, UTF_8);
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(UTF_8));
    }

    /** The agent's and a gateway's view of one server, over HTTP/1.1. */
    private static final class Http {
        private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        private final String base;
        private final String basic;

        Http(String base, String secret) {
            this.base = base;
            this.basic = basic("coding-agent", secret);
        }

        record Reply(int status, String body) {
            JsonNode json() throws IOException {
                return JSON.readTree(body);
            }
        }

        Reply mintReply(String env, String scope) throws Exception {
            String form = "grant_type=client_credentials&environment=" + URLEncoder.encode(env, UTF_8) + "&scope="
                    + URLEncoder.encode(scope, UTF_8);
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/oauth2/token"))
                    .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/x-www-form-urlencoded")
                    .header("Authorization", basic).POST(HttpRequest.BodyPublishers.ofString(form)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.body());
        }

        String mint(String env, String scope) throws Exception {
            Reply r = mintReply(env, scope);
            assertEquals(200, r.status(), r.body());
            return r.json().path("access_token").asText();
        }

        JsonNode check(String token, String env, String action) throws Exception {
            Map<String, String> body = new LinkedHashMap<>();
            body.put("token", token);
            body.put("environment", env);
            body.put("action", action);
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/check"))
                    .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            return JSON.readTree(r.body());
        }

        /** Polls the check until it answers {@code code}; fails with the last answer at the deadline. */
        JsonNode awaitCheckCode(String token, String env, String action, String code, Duration deadline)
                throws Exception {
            Instant until = Instant.now().plus(deadline);
            JsonNode last;
            do {
                last = check(token, env, action);
                if (last.path("code").asText().equals(code)) return last;
                Thread.sleep(20);
            } while (Instant.now().isBefore(until));
            throw new AssertionError("check did not answer " + code + " within " + deadline + "; last: " + last);
        }

        /** Checks many tokens at once (staging, db:read); jti -> decision. */
        Map<String, JsonNode> checkAll(Map<String, String> tokens) throws Exception {
            ExecutorService pool = Executors.newFixedThreadPool(16);
            try {
                Map<String, Future<JsonNode>> futures = new LinkedHashMap<>();
                tokens.forEach((jti, token) -> futures.put(jti, pool.submit(() -> check(token, "staging", "db:read"))));
                Map<String, JsonNode> out = new LinkedHashMap<>();
                for (Map.Entry<String, Future<JsonNode>> e : futures.entrySet()) {
                    out.put(e.getKey(), e.getValue().get(30, TimeUnit.SECONDS));
                }
                return out;
            } finally {
                pool.shutdownNow();
            }
        }

        JsonNode getJson(String path) throws Exception {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + path))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            return JSON.readTree(r.body());
        }
    }
}
