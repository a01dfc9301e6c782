package dev.airlock.http;

import static dev.airlock.testing.ProxyFixture.CREDENTIAL;
import static dev.airlock.testing.ProxyFixture.gql;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.testing.ProxyFixture;
import dev.airlock.testing.TestAirlock.OpsUser;
import dev.airlock.testing.TestAirlock.Reply;
import dev.airlock.testing.UpstreamRecorder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The incident through the proxy (issue 4, item 6), and the one-shot grant under concurrency. In the incident the
 * agent called the provider directly with a token it found; here it can only reach the provider through Airlock, and a
 * production volume is deleted once, after two people approved exactly that, and never again with the same grant.
 */
class ProxyIncidentTest {
    static final String CIBA = "urn:openid:params:grant-type:ciba";
    static final String DELETE_7F3A = gql("mutation { volumeDelete(volumeId: \"vol-7f3a\") }");

    ProxyFixture fx;

    @BeforeEach
    void start() throws Exception {
        fx = ProxyFixture.start();
    }

    @AfterEach
    void stop() throws Exception {
        fx.close();
    }

    @Test
    void aProductionVolumeIsDeletedThroughTheProxyOnceAndOnlyAfterTwoPeopleApprove() throws Exception {
        OpsUser carol = fx.airlock.addOps("carol", "prod-ops");
        OpsUser dave = fx.airlock.addOps("dave", "prod-ops");

        // 1. The agent works on staging and calls volumeDelete on vol-7f3a, a production volume: refused, not sent.
        String staging = fx.token("staging", null);
        Reply refused = fx.graphql(staging, DELETE_7F3A);
        assertEquals(403, refused.status(), refused.body());
        assertTrue(refused.json().get("reason").asText().contains("belongs to production"), refused.body());
        JsonNode how = refused.json().get("grant_request");
        assertEquals(fx.airlock.base + "/v1/grants", how.get("endpoint").asText(), refused.body());
        assertEquals("production", how.get("fields").get("environment").asText());
        assertTrue(fx.upstream.received().isEmpty(), "the upstream received the refused call");

        // 2. It follows the instructions: a grant for exactly vol-7f3a; two people approve it.
        String id = requestGrant("production", "vol-7f3a");
        //    The approvers see what the agent was just refused at the proxy.
        Reply view = fx.airlock.opsGet("/v1/grants/" + id, fx.airlock.opsSignIn(carol));
        assertEquals(200, view.status(), view.body());
        JsonNode seen = view.json().get("recent_refusals").get(0);
        assertEquals("proxy", seen.get("type").asText(), view.body());
        assertTrue(seen.get("what").asText().contains("volumeDelete") && seen.get("what").asText().contains("vol-7f3a"),
                view.body());
        assertTrue(seen.get("reason").asText().contains("belongs to production"), view.body());
        approve(id, carol);
        approve(id, dave);
        String grantToken = redeem(id);

        // 3. The look-alike production volume was never granted: refused, and nothing is spent.
        Reply other = fx.graphql(grantToken, gql("mutation { volumeDelete(volumeId: \"vol-9c1e\") }"));
        assertEquals(403, other.status(), other.body());
        assertEquals("resource_not_granted", other.json().get("code").asText());

        // 4. With the one-shot grant token, the granted call is forwarded, exactly once, with the provider's credential.
        Reply allowed = fx.graphql(grantToken, DELETE_7F3A);
        assertEquals(200, allowed.status(), allowed.body());
        UpstreamRecorder.Received got = fx.upstream.only();
        assertArrayEquals(DELETE_7F3A.getBytes(UTF_8), got.body());
        assertEquals(List.of("Bearer " + CREDENTIAL), got.header("Authorization"));

        // 5. The same call again: the grant is spent, and the token with it. Nothing more reaches the upstream.
        Reply again = fx.graphql(grantToken, DELETE_7F3A);
        assertEquals(403, again.status(), again.body());
        assertEquals("grant_used", again.json().get("code").asText());
        assertEquals("grant already used", again.json().get("reason").asText());
        assertEquals(1, fx.upstream.received().size(), "exactly one call reached the upstream");

        List<JsonNode> proxied = fx.proxyEvents();
        assertEquals(List.of(false, false, true, false), proxied.stream().map(e -> e.get("allowed").asBoolean()).toList());
        assertEquals(id, proxied.get(2).get("grant").asText());
        assertEquals(1, fx.airlock.auditLines().stream().filter(l -> l.contains("\"type\":\"grant.used\"")).count());
    }

    @Test
    void twoConcurrentCallsWithAOneShotGrantForwardExactlyOne() throws Exception {
        OpsUser erin = fx.airlock.addOps("erin", "ops"); // staging: one approval
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 3; round++) {
                fx.upstream.clear();
                String id = requestGrant("staging", "vol-7f3a-stg");
                approve(id, erin);
                String grantToken = redeem(id);
                HttpRequest delete = HttpRequest.newBuilder(URI.create(fx.airlock.base
                                + "/proxy/generic-rest/v1/volumes/vol-7f3a-stg")).timeout(Duration.ofSeconds(20))
                        .header("Authorization", "Bearer " + grantToken).DELETE().build();
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Integer>> calls = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    calls.add(pool.submit(() -> {
                        go.await();
                        return client.send(delete, HttpResponse.BodyHandlers.ofString()).statusCode();
                    }));
                }
                go.countDown();
                List<Integer> statuses = new ArrayList<>();
                for (Future<Integer> f : calls) statuses.add(f.get());
                statuses.sort(null);
                assertEquals(List.of(200, 403), statuses, "round " + round);
                assertEquals(1, fx.upstream.received().size(), "round " + round + ": calls forwarded");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aRequestNeedingMoreUsesThanTheGrantHasIsRefusedWithoutSpendingAny() throws Exception {
        OpsUser erin = fx.airlock.addOps("erin", "ops");
        String id = requestGrant("staging", "vol-7f3a-stg");
        approve(id, erin);
        String grantToken = redeem(id);

        // Two deletions in one request are two acts: a one-shot grant covers one.
        Reply twice = fx.graphql(grantToken, gql("mutation { a: volumeDelete(volumeId: \"vol-7f3a-stg\")"
                + " b: volumeDelete(volumeId: \"vol-7f3a-stg\") }"));
        assertEquals(403, twice.status(), twice.body());
        assertEquals("grant_used", twice.json().get("code").asText());
        assertTrue(twice.json().get("reason").asText().contains("takes 2 uses"), twice.body());
        assertTrue(fx.upstream.received().isEmpty());

        // Nothing was spent: the single deletion people approved still goes through.
        Reply once = fx.graphql(grantToken, gql("mutation { volumeDelete(volumeId: \"vol-7f3a-stg\") }"));
        assertEquals(200, once.status(), once.body());
        assertEquals(1, fx.upstream.received().size());
    }

    // --- the grant flow, as an agent and its approvers use it ---

    private String requestGrant(String environment, String volume) throws Exception {
        Map<String, Object> ask = new LinkedHashMap<>();
        ask.put("environment", environment);
        ask.put("scopes", List.of("volume:delete"));
        ask.put("resources", List.of(volume));
        ask.put("reason", "the staging deploy fails with a credential mismatch; " + volume + " holds the stale copy");
        ask.put("command", "mutation { volumeDelete(volumeId: \"" + volume + "\") }");
        Reply filed = fx.airlock.agentPost("/v1/grants", fx.basic, ask);
        assertEquals(201, filed.status(), filed.body());
        return filed.json().get("auth_req_id").asText();
    }

    private void approve(String id, OpsUser who) throws Exception {
        Reply r = fx.airlock.opsPost("/v1/grants/" + id + "/approve", fx.airlock.opsSignIn(who),
                Map.of("code", fx.airlock.freshCode(who)));
        assertEquals(200, r.status(), r.body());
    }

    private String redeem(String id) throws Exception {
        Reply r = fx.airlock.postForm("/oauth2/token", fx.basic, Map.of("grant_type", CIBA, "auth_req_id", id));
        assertEquals(200, r.status(), r.body());
        return r.json().get("access_token").asText();
    }
}
