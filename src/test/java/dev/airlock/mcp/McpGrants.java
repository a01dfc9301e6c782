package dev.airlock.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.airlock.testing.McpFixture;
import dev.airlock.testing.TestAirlock.OpsUser;
import dev.airlock.testing.TestAirlock.Reply;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The grant flow as an agent (coding-agent) and its approvers use it, for the MCP tests. */
final class McpGrants {
    static final String CIBA = "urn:openid:params:grant-type:ciba";
    private final McpFixture fx;

    McpGrants(McpFixture fx) {
        this.fx = fx;
    }

    String request(String environment, String volume) throws Exception {
        Map<String, Object> ask = new LinkedHashMap<>();
        ask.put("environment", environment);
        ask.put("scopes", List.of("volume:delete"));
        ask.put("resources", List.of(volume));
        ask.put("reason", "the deploy fails with a credential mismatch; " + volume + " holds the stale copy");
        ask.put("command", "tools/call delete_volume {\"volumeId\":\"" + volume + "\"}");
        Reply filed = fx.airlock.agentPost("/v1/grants", fx.basic, ask);
        assertEquals(201, filed.status(), filed.body());
        return filed.json().get("auth_req_id").asText();
    }

    void approve(String id, OpsUser who) throws Exception {
        Reply r = fx.airlock.opsPost("/v1/grants/" + id + "/approve", fx.airlock.opsSignIn(who),
                Map.of("code", fx.airlock.freshCode(who)));
        assertEquals(200, r.status(), r.body());
    }

    String redeem(String id) throws Exception {
        Reply r = fx.airlock.postForm("/oauth2/token", fx.basic, Map.of("grant_type", CIBA, "auth_req_id", id));
        assertEquals(200, r.status(), r.body());
        return r.json().get("access_token").asText();
    }
}
