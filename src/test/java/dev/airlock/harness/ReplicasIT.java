package dev.airlock.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.harness.HarnessClient.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, must-show 4: three {@code airlock serve --store postgresql://…} processes of the shipped jar, A, B and C,
 * on one PostgreSQL; what one replica decides, the others enforce. Propagation delays are measured and reported
 * ({@code target/replicas-propagation.md}), never asserted: the assertions are outcomes (refused, exactly once) with a
 * generous liveness bound ({@link #LIVENESS}). CI runs 50 revocation rounds; {@code -Dairlock.harness=full}
 * (bench/replicas.sh) runs 1,000.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplicasIT {
    /** How long a replica may take to enforce another's decision before the test calls it lost (not a latency goal). */
    static final Duration LIVENESS = Duration.ofSeconds(15);
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    static Path tmp;
    ReplicaSet set;
    List<HarnessClient> http = new ArrayList<>();
    String agentBasic;
    OpsPool pool;

    @BeforeAll
    void start() throws Exception {
        set = ReplicaSet.start(tmp, 3);
        for (int i = 0; i < 3; i++) http.add(new HarnessClient(set.replica(i).base, TIMEOUT));
        agentBasic = HarnessClient.basic("coding-agent", set.agentAdd("coding-agent"));
        pool = new OpsPool(List.of(set.opsAdd("carol", "prod-ops"), set.opsAdd("dave", "prod-ops"),
                set.opsAdd("erin", ReplicaSet.ADMIN_GROUP)), Clock.systemUTC());
    }

    @AfterAll
    void stop() throws Exception {
        if (set != null) set.close();
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void aTokenMintedOnOneReplicaIsAllowedOnTheOthersAndItsRevocationReachesThem() throws Exception {
        // 1. The secret the CLI wrote to PostgreSQL works on A at once; A's token is allowed on B and C.
        String token = mint(0, "staging");
        for (int i = 1; i < 3; i++) assertAllowed(http.get(i), token, "staging", "replica " + ReplicaSet.name(i));

        // 2. Rounds: mint on one replica, revoke on another, poll the remaining two until they refuse.
        int rounds = HarnessMode.intProperty("airlock.replicas.rounds", 50, 1000);
        long seed = HarnessMode.seed();
        Random random = new Random(seed);
        List<Long> delaysMicros = new ArrayList<>();
        long began = System.nanoTime();
        for (int round = 0; round < rounds; round++) {
            int minter = random.nextInt(3);
            int revoker = (minter + 1 + random.nextInt(2)) % 3;
            String t = mint(minter, "staging");
            List<Integer> others = new ArrayList<>();
            for (int i = 0; i < 3; i++) if (i != revoker) others.add(i);
            // Positive control: before the revocation the replica about to be polled accepts the token.
            assertAllowed(http.get(others.get(1)), t, "staging", "round " + round);
            Reply revoked = http.get(revoker).revoke(agentBasic, t);
            assertEquals(200, revoked.status(), "RFC 7009 revocation on " + ReplicaSet.name(revoker) + ": " + revoked);
            long acknowledged = System.nanoTime();
            long[] refusedAt = new long[3];
            long deadline = acknowledged + LIVENESS.toNanos();
            while (others.stream().anyMatch(i -> refusedAt[i] == 0)) {
                for (int i : others) {
                    if (refusedAt[i] != 0) continue;
                    JsonNode c = http.get(i).check(t, "staging", "db:read", null).json();
                    if (!c.path("allowed").asBoolean(true)) {
                        assertEquals("token_revoked", c.path("code").asText(), "round " + round + ": " + c);
                        refusedAt[i] = System.nanoTime();
                    }
                }
                assertTrue(System.nanoTime() < deadline, "round " + round + ": a revocation acknowledged by "
                        + ReplicaSet.name(revoker) + " was not enforced everywhere within " + LIVENESS);
            }
            for (int i : others) delaysMicros.add((refusedAt[i] - acknowledged) / 1_000);
        }
        double seconds = (System.nanoTime() - began) / 1e9;
        String report = propagationReport(rounds, seed, seconds, delaysMicros);
        System.out.println(report);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/replicas-propagation.md"), report);

        // 3. Every acknowledged revocation is one event in the one shared audit log.
        long revokedEvents = set.auditLines().stream().filter(l -> l.contains("\"type\":\"token.revoked\"")).count();
        assertEquals(rounds, revokedEvents, "one token.revoked event per acknowledged revocation");
    }

    @Test
    void aFreezeOnBRefusesTokensOnAAndC() throws Exception {
        String onA = mint(0, "dev");
        String onC = mint(2, "dev");
        assertAllowed(http.get(0), onC, "dev", "positive control on A");
        assertAllowed(http.get(2), onA, "dev", "positive control on C");
        OpsPool.Account erin = pool.accounts().stream().filter(a -> a.name().equals("erin")).findFirst().orElseThrow();
        String session = signIn(http.get(1), erin);
        Reply frozen = http.get(1).postJson("/v1/admin/environments/dev/freeze", "Bearer " + session,
                Map.of("code", code(erin)));
        assertEquals(200, frozen.status(), "freeze on B: " + frozen);
        try {
            for (int i : new int[] {0, 2}) {
                for (String t : List.of(onA, onC)) {
                    JsonNode c = awaitRefused(http.get(i), t, "dev");
                    assertEquals("environment_frozen", c.path("code").asText(), c.toString());
                }
                Reply mint = http.get(i).mint(agentBasic, "dev", "db:read");
                assertTrue(mint.status() >= 400 && mint.status() < 500, "no new dev token on " + ReplicaSet.name(i)
                        + ": " + mint);
            }
            assertTrue(set.auditLines().stream().anyMatch(l -> l.contains("\"type\":\"env.frozen\"")),
                    "the freeze is in the shared audit log");
        } finally {
            assertEquals(0, set.cli("env", "unfreeze", "dev").exit());
        }
    }

    @Test
    void aOneShotGrantRedeemedConcurrentlyOnAllThreeYieldsOneTokenAndOneUse() throws Exception {
        Reply filed = http.get(0).fileGrant(agentBasic, "production", "volume:delete", "vol-7f3a");
        assertEquals(201, filed.status(), filed.toString());
        String id = filed.json().path("auth_req_id").asText();
        int approver = 1;
        for (OpsPool.Account who : pool.accounts()) {
            if (who.name().equals("erin")) continue;
            HarnessClient via = http.get(approver++);
            Reply approved = via.approve(signIn(via, who), id, code(who));
            assertEquals(200, approved.status(), who.name() + " approves on " + via.base + ": " + approved);
        }

        List<Callable<Reply>> redeems = new ArrayList<>();
        for (int k = 0; k < 9; k++) {
            HarnessClient via = http.get(k % 3);
            redeems.add(() -> via.redeem(agentBasic, id));
        }
        List<Reply> answers = all(redeems);
        List<Reply> tokens = answers.stream().filter(r -> r.status() == 200).toList();
        assertEquals(1, tokens.size(), "exactly one redemption yields a token: " + answers);
        String grantToken = tokens.get(0).json().path("access_token").asText();

        List<Callable<Reply>> uses = new ArrayList<>();
        for (int k = 0; k < 9; k++) {
            HarnessClient via = http.get(k % 3);
            uses.add(() -> via.check(grantToken, "production", "volume:delete", "vol-7f3a"));
        }
        List<Reply> checks = all(uses);
        long allowed = checks.stream().filter(r -> r.json().path("allowed").asBoolean(false)).count();
        assertEquals(1, allowed, "a one-shot grant token allows exactly one use across the replicas: " + checks);
        long redeemedEvents = set.auditLines().stream()
                .filter(l -> l.contains("\"type\":\"grant.redeemed\"") && l.contains(id)).count();
        assertEquals(1, redeemedEvents, "one grant.redeemed event");
    }

    @Test
    void aClientAssertionUsedOnAIsRefusedAsAReplayOnBAndC() throws Exception {
        String assertion = deployBotAssertion(ReplicaSet.ISSUER);
        Map<String, String> p = new LinkedHashMap<>();
        p.put("grant_type", "client_credentials");
        p.put("environment", "staging");
        p.put("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
        p.put("client_assertion", assertion);
        Reply first = http.get(0).postForm("/oauth2/token", null, p);
        assertEquals(200, first.status(), "first use on A: " + first);
        for (int i = 1; i < 3; i++) {
            Reply replay = http.get(i).postForm("/oauth2/token", null, p);
            assertEquals(401, replay.status(), "replay on " + ReplicaSet.name(i) + ": " + replay);
            assertEquals("invalid_client", replay.json().path("error").asText(), replay.toString());
        }
    }

    // --- helpers ---

    private String mint(int replica, String env) throws Exception {
        Reply r = http.get(replica).mint(agentBasic, env, "db:read");
        assertEquals(200, r.status(), "mint on " + ReplicaSet.name(replica) + ": " + r);
        return r.json().path("access_token").asText();
    }

    private static void assertAllowed(HarnessClient via, String token, String env, String what) throws Exception {
        Reply c = via.check(token, env, "db:read", null);
        assertEquals(200, c.status(), what + ": " + c);
        assertTrue(c.json().path("allowed").asBoolean(false), what + ": " + c);
    }

    private static JsonNode awaitRefused(HarnessClient via, String token, String env) throws Exception {
        long deadline = System.nanoTime() + LIVENESS.toNanos();
        while (true) {
            JsonNode c = via.check(token, env, "db:read", null).json();
            if (!c.path("allowed").asBoolean(true)) return c;
            assertTrue(System.nanoTime() < deadline, via.base + " still allows after " + LIVENESS + ": " + c);
            Thread.sleep(5);
        }
    }

    private String code(OpsPool.Account who) {
        String code = pool.spend(who);
        if (code == null) throw new AssertionError(who.name() + " has no fresh TOTP code left in this step");
        return code;
    }

    private String signIn(HarnessClient via, OpsPool.Account who) throws Exception {
        Reply in = via.signIn(who.name(), who.ops.passphrase(), code(who), true);
        assertEquals(200, in.status(), "sign-in of " + who.name() + ": " + in);
        return in.json().path("token").asText();
    }

    private static List<Reply> all(List<Callable<Reply>> calls) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(calls.size());
        try {
            List<Reply> out = new ArrayList<>();
            for (Future<Reply> f : pool.invokeAll(calls)) out.add(f.get());
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    static String propagationReport(int rounds, long seed, double seconds, List<Long> micros) {
        List<Long> sorted = new ArrayList<>(micros);
        java.util.Collections.sort(sorted);
        return "## Revocation propagation across three replicas\n\n"
                + "Three `airlock serve --store postgresql://…` processes (the shipped jar) on one embedded PostgreSQL,"
                + " loopback. Each round mints a token on a random replica, revokes it (RFC 7009, by the agent) on"
                + " another, and polls `POST /v1/check` on the other two until each refuses it; the delay is from the"
                + " revocation's 200 to the first refusal on that replica (the poll's own round trip included).\n\n"
                + "| rounds | samples | p50 | p95 | p99 | max | run |\n|---|---|---|---|---|---|---|\n"
                + "| " + rounds + " | " + sorted.size() + " | " + ms(pct(sorted, 50)) + " | " + ms(pct(sorted, 95))
                + " | " + ms(pct(sorted, 99)) + " | " + ms(sorted.get(sorted.size() - 1)) + " | "
                + String.format(java.util.Locale.ROOT, "%.1f s", seconds) + " |\n\n"
                + "Seed " + seed + ". Machine: " + HarnessMode.machine() + ".\n";
    }

    static long pct(List<Long> sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    static String ms(long micros) {
        return String.format(java.util.Locale.ROOT, "%.1f ms", micros / 1000.0);
    }

    /** A fresh private_key_jwt assertion of the example's deploy-bot (RFC 7523 §3), signed with nimbus's own signer. */
    static String deployBotAssertion(String audience) throws Exception {
        var key = com.nimbusds.jose.jwk.OctetKeyPair.parse(Files.readString(
                Path.of("src/test/resources/keys/deploy-bot.private.jwk.json")));
        java.time.Instant now = java.time.Instant.now();
        var claims = new com.nimbusds.jwt.JWTClaimsSet.Builder().issuer("deploy-bot").subject("deploy-bot")
                .audience(audience).issueTime(java.util.Date.from(now))
                .expirationTime(java.util.Date.from(now.plusSeconds(60)))
                .jwtID(java.util.UUID.randomUUID().toString()).build();
        var jwt = new com.nimbusds.jwt.SignedJWT(new com.nimbusds.jose.JWSHeader.Builder(
                com.nimbusds.jose.JWSAlgorithm.EdDSA).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new com.nimbusds.jose.crypto.Ed25519Signer(key));
        return jwt.serialize();
    }
}
