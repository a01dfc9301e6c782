package dev.airlock.http;

import static dev.airlock.testing.ProxyFixture.CREDENTIAL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.testing.PolicyProxyFixture;
import dev.airlock.testing.PreconditionPolicy;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestAirlock.OpsUser;
import dev.airlock.testing.TestAirlock.Reply;
import dev.airlock.testing.UpstreamRecorder;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, backup preconditions, end to end with the recording upstream: the shipped example precondition
 * ("a snapshot of this volume, stored outside it, younger than 24 hours") guards volume:delete on staging's
 * vol-7f3a-stg. Airlock asks the provider itself, with the provider's credential, when a person views the grant, before
 * each approval and before the token; a failing or unreadable answer refuses, with the reason.
 */
class PreconditionFlowTest {
    static final String CIBA = "urn:openid:params:grant-type:ciba";
    static final String VOLUME = "vol-7f3a-stg";

    PolicyProxyFixture fx;
    TestAirlock airlock;
    String basic;
    OpsUser erin;

    @BeforeEach
    void start() throws Exception {
        fx = PolicyProxyFixture.start(PreconditionPolicy.write());
        airlock = fx.airlock;
        basic = TestAirlock.basic("coding-agent", airlock.issueSecret("coding-agent"));
        erin = airlock.addOps("erin", "ops"); // staging: one approval for a destructive grant
    }

    @AfterEach
    void stop() throws Exception {
        fx.close();
    }

    @Test
    void approvalWhenNoSnapshotThenRefusedWithTheReasonAndTheCodeIsNotSpent() throws Exception {
        snapshots();
        String id = requestGrant();

        String session = airlock.opsSignIn(erin);
        Reply view = airlock.opsGet("/v1/grants/" + id, session);
        assertEquals(200, view.status(), view.body());
        JsonNode pre = view.json().get("preconditions");
        assertFalse(pre.get("passed").asBoolean(), view.body());
        String summary = pre.get("results").get(0).get("summary").asText();
        assertTrue(summary.startsWith("failed: nothing in /snapshots") && summary.contains("younger than 24h")
                && summary.contains("stored outside " + VOLUME) && summary.contains("no item matches"), summary);

        String code = airlock.freshCode(erin);
        Reply refused = airlock.opsPost("/v1/grants/" + id + "/approve", session, Map.of("code", code));
        assertEquals(409, refused.status(), refused.body());
        assertEquals("precondition_failed", refused.json().get("code").asText(), refused.body());
        assertTrue(refused.json().get("detail").asText().contains("volume:delete on " + VOLUME), refused.body());
        assertTrue(audit("grant.approve_refused").stream().anyMatch(e -> e.get("code").asText().equals("precondition_failed")));
        JsonNode evaluated = audit("grant.precondition").get(audit("grant.precondition").size() - 1);
        assertEquals("approve", evaluated.get("occasion").asText());
        assertFalse(evaluated.get("passed").asBoolean());
        assertEquals(VOLUME, evaluated.get("resource").asText());
        assertEquals("pending", airlock.opsGet("/v1/grants/" + id, session).json().get("status").asText());

        // The code was never checked, so the same one still counts once a backup exists.
        snapshots(snapshot("snap-1", VOLUME, "backup-store-1", ago(Duration.ofHours(3))));
        Reply approved = airlock.opsPost("/v1/grants/" + id + "/approve", session, Map.of("code", code));
        assertEquals(200, approved.status(), approved.body());
    }

    @Test
    void approvalWhenTheOnlySnapshotIsOlderThan24hByAirlocksClockThenRefused() throws Exception {
        snapshots(snapshot("snap-old", VOLUME, "backup-store-1", ago(Duration.ofHours(3))));
        // Airlock's clock moves a day on: the same snapshot is now 27 h old.
        airlock.clock.advance(Duration.ofHours(24));
        String id = requestGrant();
        Reply refused = approve(id);
        assertEquals(409, refused.status(), refused.body());
        assertTrue(refused.json().get("detail").asText().contains("snap-old is 27h"), refused.body());
        assertEquals("pending", grant(id).get("status").asText());
    }

    @Test
    void approvalWhenTheSnapshotIsStoredOnTheVolumeItselfThenRefused() throws Exception {
        snapshots(snapshot("snap-inside", VOLUME, VOLUME, ago(Duration.ofHours(1))));
        String id = requestGrant();
        Reply refused = approve(id);
        assertEquals(409, refused.status(), refused.body());
        assertTrue(refused.json().get("detail").asText().contains("snap-inside is stored on " + VOLUME + " itself"),
                refused.body());
    }

    @Test
    void aGoodSnapshotIsShownWithItsAgeApprovalIsAllowedAndRedemptionYieldsTheToken() throws Exception {
        snapshots(snapshot("snap-elsewhere", "vol-other", "backup-store-1", ago(Duration.ofHours(1))),
                snapshot("snap-good", VOLUME, "backup-store-1", ago(Duration.ofHours(3))));
        String id = requestGrant();
        Reply view = airlock.opsGet("/v1/grants/" + id, airlock.opsSignIn(erin));
        JsonNode result = view.json().get("preconditions").get("results").get(0);
        assertTrue(view.json().get("preconditions").get("passed").asBoolean(), view.body());
        assertEquals("snap-good", result.get("item").asText());
        // Three hours, plus the half-minutes the test's one-time codes move the clock on.
        assertTrue(Math.abs(result.get("age_seconds").asLong() - 3 * 3600) < 600, view.body());
        assertTrue(result.get("summary").asText().startsWith("passed: snap-good (3h"), view.body());

        assertEquals(200, approve(id).status());
        Reply token = poll(id);
        assertEquals(200, token.status(), token.body());
        assertTrue(token.json().has("access_token"));

        // Every precondition request: a GET of the snapshots of exactly this volume, with the provider's credential
        // and nothing of the agent's or the approver's (no Basic secret, no ops session, no agent token).
        List<UpstreamRecorder.Received> asked = fx.upstream.received();
        assertEquals(3, asked.size(), "view, approval, redemption");
        for (UpstreamRecorder.Received r : asked) {
            assertEquals("GET", r.method());
            assertEquals("/v1/snapshots?volumeId=" + VOLUME, r.target());
            assertEquals(List.of("Bearer " + CREDENTIAL), r.header("Authorization"));
            for (Map.Entry<String, List<String>> h : r.headers().entrySet()) {
                for (String v : h.getValue()) {
                    assertFalse(v.contains(basic.substring("Basic ".length())) || v.startsWith("Basic")
                            || v.contains(token.json().get("access_token").asText()), h.getKey() + ": " + v);
                }
            }
            assertTrue(List.of("host", "accept", "authorization").containsAll(r.headers().keySet()), r.headers().toString());
        }
        List<JsonNode> events = audit("grant.precondition");
        assertEquals(List.of("view", "approve", "redeem"), events.stream().map(e -> e.get("occasion").asText()).toList());
        assertTrue(events.stream().allMatch(e -> e.get("passed").asBoolean() && e.get("item").asText().equals("snap-good")
                && Math.abs(e.get("age_seconds").asLong() - 3 * 3600) < 600));
    }

    @Test
    void redemptionWhenTheSnapshotWasDeletedAfterApprovalThenNoTokenAndTheGrantStaysApproved() throws Exception {
        snapshots(snapshot("snap-good", VOLUME, "backup-store-1", ago(Duration.ofHours(3))));
        String id = requestGrant();
        assertEquals(200, approve(id).status());

        snapshots(); // deleted between approval and redemption
        Reply pending = poll(id);
        assertEquals(400, pending.status(), pending.body());
        assertEquals("authorization_pending", pending.json().get("error").asText());
        String why = pending.json().get("error_description").asText();
        assertTrue(why.contains("no token while a precondition fails") && why.contains("no item matches"), why);
        JsonNode last = audit("grant.precondition").get(audit("grant.precondition").size() - 1);
        assertEquals("redeem", last.get("occasion").asText());
        assertFalse(last.get("passed").asBoolean());
        assertEquals("approved", grant(id).get("status").asText());

        // A new snapshot exists: the next poll, at the interval, gets the token.
        snapshots(snapshot("snap-new", VOLUME, "backup-store-1", ago(Duration.ofMinutes(5))));
        airlock.clock.advance(Duration.ofSeconds(5));
        assertEquals(200, poll(id).status());
    }

    @Test
    void approvalWhenTheProviderAnswers500OrGarbageOrIsDownThenRefusedFailedClosed() throws Exception {
        String id = requestGrant();
        // A good snapshot in an answer that is not a success, or not declared JSON, counts for nothing.
        String good = "{\"snapshots\":[" + snapshot("snap-1", VOLUME, "backup-store-1", ago(Duration.ofHours(1))) + "]}";
        fx.upstream.answer(UpstreamRecorder.Answer.json(500, good));
        assertRefused(id, "provider generic-rest answered HTTP 500");
        fx.upstream.answer(new UpstreamRecorder.Answer(200, Map.of("Content-Type", "text/html"), good.getBytes(), false));
        assertRefused(id, "provider generic-rest did not answer JSON");
        fx.upstream.answer(UpstreamRecorder.Answer.json(200, "{\"snapshots\": [ {\"id\": "));
        assertRefused(id, "answer is not valid JSON");
        fx.upstream.answer(UpstreamRecorder.Answer.json(200, "{\"items\": []}"));
        assertRefused(id, "the answer has no /snapshots");
        fx.upstream.answer(UpstreamRecorder.Answer.json(200, "{\"snapshots\": [" + snapshot("snap-x", VOLUME,
                "backup-store-1", "yesterday") + "]}"));
        assertRefused(id, "snap-x has no RFC 3339 date-time at /createdAt");
        fx.upstream.close(); // down: nobody listens any more
        assertRefused(id, "provider generic-rest could not be reached");
    }

    @Test
    void approvalWhenTheAnswerIsLargerThan1MiBThenRefusedUnread() throws Exception {
        String id = requestGrant();
        // A good answer, padded past the cap: read whole, it would pass.
        byte[] good = ("{\"snapshots\":[" + snapshot("snap-1", VOLUME, "backup-store-1", ago(Duration.ofHours(1))) + "]}")
                .getBytes();
        byte[] big = new byte[(1 << 20) + 1];
        java.util.Arrays.fill(big, (byte) ' ');
        System.arraycopy(good, 0, big, 0, good.length);
        fx.upstream.answer(new UpstreamRecorder.Answer(200, Map.of("Content-Type", "application/json"), big, false));
        assertRefused(id, "provider generic-rest answered more than 1048576 bytes");
        // Streamed without a length, the cap holds too.
        fx.upstream.answer(new UpstreamRecorder.Answer(200, Map.of("Content-Type", "application/json"), big, true));
        assertRefused(id, "provider generic-rest answered more than 1048576 bytes");
    }

    @Test
    void redemptionPollsWhileAPreconditionFailsArePacedAndAFastOneAsksTheProviderNothing() throws Exception {
        snapshots(snapshot("snap-good", VOLUME, "backup-store-1", ago(Duration.ofHours(3))));
        String id = requestGrant();
        assertEquals(200, approve(id).status());
        snapshots();
        assertEquals("authorization_pending", poll(id).json().get("error").asText());
        int asked = fx.upstream.received().size();
        Reply fast = poll(id); // at once, without waiting the interval
        assertEquals("slow_down", fast.json().get("error").asText(), fast.body());
        assertEquals(asked, fx.upstream.received().size(), "a fast poll reached the provider");
    }

    @Test
    void approvalWhenTheProviderNeverAnswersThenRefusedAtTheTimeout() throws Exception {
        String id = requestGrant();
        fx.upstream.hang();
        assertRefused(id, "provider generic-rest did not answer within 5 s");
    }

    @Test
    void approvalWhenTheProviderTricklesAGoodAnswerPastTheDeadlineThenRefused() throws Exception {
        String id = requestGrant();
        // A good answer in 10 chunks, one every 0.7 s: never silent for the idle timeout, done only after 7 s.
        byte[] good = ("{\"snapshots\":[" + snapshot("snap-1", VOLUME, "backup-store-1", ago(Duration.ofHours(1))) + "]}")
                .getBytes();
        byte[] body = new byte[10 * 4096];
        java.util.Arrays.fill(body, (byte) ' ');
        System.arraycopy(good, 0, body, 0, good.length);
        fx.upstream.answer(new UpstreamRecorder.Answer(200, Map.of("Content-Type", "application/json"), body, true));
        fx.upstream.trickle(700);
        assertRefused(id, "provider generic-rest did not answer within 5 s");
    }

    @Test
    void approvalWhenTheProviderCredentialIsUnavailableThenRefusedAndNothingIsSent() throws Exception {
        String id = requestGrant();
        Files.delete(fx.policy.resolve("provider-credential.txt"));
        assertRefused(id, "the credential of provider generic-rest is unavailable");
        assertTrue(fx.upstream.received().isEmpty());
    }

    // --- helpers ---

    private void assertRefused(String id, String reason) throws Exception {
        Reply r = approve(id);
        assertEquals(409, r.status(), r.body());
        assertTrue(r.json().get("detail").asText().contains(reason), r.body());
    }

    private String ago(Duration d) {
        return airlock.clock.instant().minus(d).toString();
    }

    private static String snapshot(String id, String volume, String storedOn, String createdAt) {
        return "{\"id\":\"" + id + "\",\"volumeId\":\"" + volume + "\",\"storedOn\":\"" + storedOn
                + "\",\"createdAt\":\"" + createdAt + "\"}";
    }

    private void snapshots(String... items) {
        fx.upstream.answer(UpstreamRecorder.Answer.json(200, "{\"snapshots\":[" + String.join(",", items) + "]}"));
    }

    private String requestGrant() throws Exception {
        Map<String, Object> ask = new LinkedHashMap<>();
        ask.put("environment", "staging");
        ask.put("scopes", List.of("volume:delete"));
        ask.put("resources", List.of(VOLUME));
        ask.put("reason", "the staging volume holds a stale copy; recreate it from the snapshot");
        Reply filed = airlock.agentPost("/v1/grants", basic, ask);
        assertEquals(201, filed.status(), filed.body());
        return filed.json().get("auth_req_id").asText();
    }

    private Reply approve(String id) throws Exception {
        return airlock.opsPost("/v1/grants/" + id + "/approve", airlock.opsSignIn(erin),
                Map.of("code", airlock.freshCode(erin)));
    }

    private Reply poll(String id) throws Exception {
        return airlock.postForm("/oauth2/token", basic, Map.of("grant_type", CIBA, "auth_req_id", id));
    }

    private JsonNode grant(String id) throws Exception {
        return airlock.opsGet("/v1/grants/" + id, airlock.opsSignIn(erin)).json();
    }

    private List<JsonNode> audit(String type) throws Exception {
        return airlock.auditLines().stream().map(l -> {
            try {
                return TestAirlock.JSON.readTree(l);
            } catch (Exception e) {
                throw new AssertionError(l, e);
            }
        }).filter(n -> type.equals(n.path("type").asText())).toList();
    }
}
