package dev.airlock.core.grant;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.policy.Precondition;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** How one provider answer is read against one precondition (issue 16): pure, the time given. */
class PreconditionJudgeTest {
    static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
    static final String VOL = "vol-7f3a";
    static final Precondition SNAPSHOT = new Precondition("volume:delete", "generic-rest", Set.of(),
            new Precondition.Request("/v1/snapshots", Map.of("volumeId", "{resource}")),
            new Precondition.Expect("/snapshots", "/id", "/volumeId", "{resource}", "/storedOn", "{resource}",
                    Duration.ofHours(24), "/createdAt"), 0, "");

    @Test
    void judgeWhenTheYoungestOfSeveralGoodSnapshotsIsFoundThenPassedWithItsIdAndAge() {
        PreconditionResult r = judge(list(snap("a", VOL, "store", "2026-12-07T02:00:00Z"),
                snap("b", VOL, "store", "2026-12-07T09:00:00+01:00"), snap("c", VOL, "store", "2026-12-06T20:00:00Z")));
        assertTrue(r.passed(), r.toString());
        assertEquals("b", r.item());
        assertEquals(Duration.ofHours(4), r.age());
        assertEquals("passed: b (4h old) in /snapshots, younger than 24h, stored outside vol-7f3a", r.summary());
    }

    @Test
    void judgeWhenTheVolumeIdDiffersOnlyInCaseThenItMatchesAsTheSameResource() {
        assertTrue(judge(list(snap("a", "VOL-7F3A", "store", "2026-12-07T11:00:00Z"))).passed());
    }

    @Test
    void judgeWhenTheSnapshotIsDatedInTheFutureBeyondTheSkewThenNotCounted() {
        PreconditionResult r = judge(list(snap("a", VOL, "store", "2026-12-07T12:10:00Z")));
        assertFalse(r.passed());
        assertTrue(r.reason().contains("a is dated in the future"), r.reason());
        assertTrue(judge(list(snap("a", VOL, "store", "2026-12-07T12:04:00Z"))).passed(), "within the skew");
    }

    @Test
    void judgeWhenTheDateHasNoOffsetThenNotCounted() {
        PreconditionResult r = judge(list(snap("a", VOL, "store", "2026-12-07T11:00:00")));
        assertFalse(r.passed());
        assertTrue(r.reason().contains("a has no RFC 3339 date-time at /createdAt"), r.reason());
    }

    @Test
    void judgeWhenTheSnapshotDoesNotSayWhereItIsStoredThenNotCounted() {
        PreconditionResult r = judge(list("{\"id\":\"a\",\"volumeId\":\"vol-7f3a\",\"createdAt\":\"2026-12-07T11:00:00Z\"}"));
        assertFalse(r.passed());
        assertTrue(r.reason().contains("a does not say where it is stored (/storedOn)"), r.reason());
    }

    @Test
    void judgeWhenTheAnswerHasDuplicateKeysOrTrailingGarbageThenFailed() {
        assertTrue(judge("{\"snapshots\":[],\"snapshots\":[" + snap("a", VOL, "store", "2026-12-07T11:00:00Z") + "]}")
                .reason().contains("not valid JSON"));
        assertTrue(judge(list(snap("a", VOL, "store", "2026-12-07T11:00:00Z")) + " {}").reason().contains("not valid JSON"));
    }

    @Test
    void judgeWhenTheListIsNotAnArrayThenFailed() {
        assertEquals("/snapshots in the answer is not a list", judge("{\"snapshots\":{}}").reason());
    }

    @Test
    void judgeWhenTheStatusIsNot2xxOrTheTypeIsNotJsonThenFailed() {
        String good = list(snap("a", VOL, "store", "2026-12-07T11:00:00Z"));
        assertEquals("provider generic-rest answered HTTP 404", judge(404, "application/json", good).reason());
        assertEquals("provider generic-rest did not answer JSON", judge(200, null, good).reason());
        assertTrue(judge(200, "application/vnd.api+json; charset=utf-8", good).passed());
    }

    @Test
    void judgeWhenTheBodyIsLargerThanTheCapThenFailedUnparsed() {
        String good = list(snap("a", VOL, "store", "2026-12-07T11:00:00Z"));
        String padded = good + " ".repeat(PreconditionProbe.MAX_BODY_BYTES + 1 - good.length());
        assertEquals("the answer is larger than 1048576 bytes", judge(padded).reason());
    }

    @Test
    void judgeWhenMoreItemsThanTheLimitThenOnlyTheFirstAreInspectedAndTheReasonSaysSo() {
        StringBuilder items = new StringBuilder();
        for (int i = 0; i < PreconditionJudge.MAX_ITEMS; i++) items.append(snap("x" + i, "vol-other", "s", "2026-12-07T11:00:00Z")).append(',');
        items.append(snap("late", VOL, "store", "2026-12-07T11:00:00Z"));
        PreconditionResult r = judge("{\"snapshots\":[" + items + "]}");
        assertFalse(r.passed());
        assertTrue(r.reason().contains("only the first 1000 of 1001 items were inspected"), r.reason());
    }

    @Test
    void judgeWhenAnItemIdHoldsControlCharactersThenItIsShownInert() {
        PreconditionResult r = judge(list(snap("a\\u001b[2Jb\\nc", VOL, "store", "2026-12-07T11:00:00Z")));
        assertEquals("a?[2Jb?c", r.item());
    }

    private static PreconditionResult judge(String body) {
        return judge(200, "application/json", body);
    }

    private static PreconditionResult judge(int status, String type, String body) {
        return PreconditionJudge.judge(SNAPSHOT, VOL, new PreconditionProbe.Answer(status, type, body.getBytes(UTF_8)), NOW);
    }

    private static String list(String... items) {
        return "{\"snapshots\":[" + String.join(",", items) + "]}";
    }

    private static String snap(String id, String volume, String storedOn, String createdAt) {
        return "{\"id\":\"" + id + "\",\"volumeId\":\"" + volume + "\",\"storedOn\":\"" + storedOn
                + "\",\"createdAt\":\"" + createdAt + "\"}";
    }
}
