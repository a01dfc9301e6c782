package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestAirlock.Reply;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Issue 13, finding 7: an unpaged GET /v1/grants?status=cancelled ran the server out of memory. Every list pages. */
class GrantListPagingTest {
    TestAirlock airlock;
    String agent;
    String session;
    List<String> cancelledOldestFirst = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        airlock = TestAirlock.start();
        agent = TestAirlock.basic("coding-agent", airlock.issueSecret("coding-agent"));
        session = airlock.opsSignIn(airlock.addOps("carol", "ops"));
        for (int i = 0; i < 7; i++) {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("environment", "staging");
            b.put("scopes", List.of("volume:delete"));
            b.put("resources", List.of("vol-7f3a-stg"));
            b.put("reason", "the staging volume is corrupt after the failed migration test run");
            Reply r = airlock.agentPost("/v1/grants", agent, b);
            assertEquals(201, r.status(), r.body());
            String id = r.json().get("auth_req_id").asText();
            assertEquals(200, airlock.agentPost("/v1/grants/" + id + "/cancel", agent, Map.of()).status());
            cancelledOldestFirst.add(id);
            airlock.clock.advance(Duration.ofSeconds(1));
        }
    }

    @AfterEach
    void stop() throws Exception {
        airlock.close();
    }

    /** Follows next_cursor from the first page; returns the ids in order and checks each page's size. */
    private List<String> follow(String path, boolean ops, int limit) throws Exception {
        List<String> ids = new ArrayList<>();
        String cursor = null;
        for (int pages = 0; pages < 10; pages++) {
            String url = path + (path.contains("?") ? "&" : "?") + "limit=" + limit
                    + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
            Reply r = ops ? airlock.opsGet(url, session) : airlock.agentGet(url, agent);
            assertEquals(200, r.status(), r.body());
            JsonNode grants = r.json().get("grants");
            assertTrue(grants.size() <= limit, r.body());
            for (JsonNode g : grants) ids.add(g.get("id").asText());
            assertTrue(r.json().has("next_cursor"), r.body());
            if (r.json().get("next_cursor").isNull()) return ids;
            cursor = r.json().get("next_cursor").asText();
        }
        throw new AssertionError("more pages than grants");
    }

    @Test
    void opsListWhenMoreThanLimitThenPagesNewestFirstUntilNextCursorIsNull() throws Exception {
        List<String> newestFirst = new ArrayList<>(cancelledOldestFirst);
        Collections.reverse(newestFirst);
        assertEquals(newestFirst, follow("/v1/grants?status=cancelled", true, 3));
        Reply first = airlock.opsGet("/v1/grants?status=cancelled&limit=3", session);
        assertEquals(3, first.json().get("grants").size());
    }

    @Test
    void agentListWhenMoreThanLimitThenPagesItsOwnGrants() throws Exception {
        List<String> newestFirst = new ArrayList<>(cancelledOldestFirst);
        Collections.reverse(newestFirst);
        assertEquals(newestFirst, follow("/v1/grants", false, 2));
    }

    @Test
    void agentListWhenAnotherAgentHasGrantsThenItSeesNone() throws Exception {
        Reply r = airlock.agentGet("/v1/grants", airlock.deployBotBearer());
        assertEquals(200, r.status(), r.body());
        assertEquals(0, r.json().get("grants").size(), "coding-agent's 7 grants are not deploy-bot's: " + r.body());
    }

    @Test
    void listWithoutLimitThenDefaultOf50() throws Exception {
        Reply r = airlock.opsGet("/v1/grants", session);
        assertEquals(7, r.json().get("grants").size(), "7 is within the default page");
        assertTrue(r.json().get("next_cursor").isNull(), r.body());
    }

    @Test
    void listWhenLimitAboveMaximumOrCursorForgedThenBadRequest() throws Exception {
        for (String q : List.of("limit=201", "limit=0", "limit=-1", "limit=ten", "cursor=bm90LWEtY3Vyc29y",
                "cursor=%25%25", "cursor=" + "A".repeat(300))) {
            Reply ops = airlock.opsGet("/v1/grants?" + q, session);
            assertEquals(400, ops.status(), q + ": " + ops.body());
            Reply mine = airlock.agentGet("/v1/grants?" + q, agent);
            assertEquals(400, mine.status(), q + ": " + mine.body());
        }
        assertEquals(200, airlock.opsGet("/v1/grants?limit=200", session).status());
    }
}
