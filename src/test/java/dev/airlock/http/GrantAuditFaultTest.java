package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.core.grant.GrantStatus;
import dev.airlock.testing.SmallDisk;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestAirlock.OpsUser;
import dev.airlock.testing.TestAirlock.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, finding 1, through the server: "an approved one-shot grant was saved as redeemed, the agent got a 500, the
 * token was never delivered and no grant.redeemed event exists". The audit log alone is on a real small disk (a tmpfs,
 * reached through a symbolic link from the data directory) that the test fills, so the journal can still be written
 * while the audit log cannot: the one order in which writing the state first loses the event.
 */
class GrantAuditFaultTest {
    static final String CIBA = "urn:openid:params:grant-type:ciba";

    @TempDir
    Path data;

    @Test
    void pollAndUseWhenAuditLogDiskFullThen503GrantUnchangedAndTokenDeliveredAndUsableAfterSpaceReturns()
            throws Exception {
        try (SmallDisk disk = SmallDisk.mount(16)) {
            Files.createSymbolicLink(data.resolve("audit.log"), disk.root.resolve("audit.log"));
            try (TestAirlock a = TestAirlock.start(TestAirlock.EXAMPLE_POLICY, data, JWSAlgorithm.EdDSA)) {
                String secret = a.issueSecret("coding-agent");
                String agent = TestAirlock.basic("coding-agent", secret);
                OpsUser carol = a.addOps("carol", "ops");
                Reply filed = a.agentPost("/v1/grants", agent, Map.of("environment", "staging",
                        "scopes", List.of("volume:delete"), "resources", List.of("vol-7f3a-stg"),
                        "reason", "the staging volume is corrupt after the failed migration test run"));
                assertEquals(201, filed.status(), filed.body());
                String id = filed.json().get("auth_req_id").asText();
                Reply approved = a.opsPost("/v1/grants/" + id + "/approve", a.opsSignIn(carol),
                        Map.of("code", a.freshCode(carol)));
                assertEquals(200, approved.status(), approved.body());
                assertEquals(GrantStatus.APPROVED, a.airlock.store.grant(id).orElseThrow().status());

                // 1. The audit log cannot be written: the poll answers 503 and the grant stays approved, unredeemed.
                fillAuditDisk(disk, a, secret);
                Reply refused = a.postForm("/oauth2/token", agent, Map.of("grant_type", CIBA, "auth_req_id", id));
                assertEquals(503, refused.status(), refused.body());
                assertEquals("temporarily_unavailable", refused.json().path("error").asText());
                assertEquals("5", refused.header("Retry-After"));
                assertEquals(GrantStatus.APPROVED, a.airlock.store.grant(id).orElseThrow().status(),
                        "not redeemed without its grant.redeemed event");
                assertFalse(a.auditLines().stream().anyMatch(l -> l.contains("\"grant.redeemed\"")));

                // 2. Space returns: the agent's next poll gets the token, recorded once.
                disk.free();
                assertEquals(200, a.get("/readyz").status());
                Reply redeemed = a.postForm("/oauth2/token", agent, Map.of("grant_type", CIBA, "auth_req_id", id));
                assertEquals(200, redeemed.status(), redeemed.body());
                String token = redeemed.json().get("access_token").asText();
                assertEquals(1, a.auditLines().stream().filter(l -> l.contains("\"grant.redeemed\"")).count());

                // 3. The audit log cannot be written again: the use is refused (503), not allowed unrecorded.
                fillAuditDisk(disk, a, secret);
                Reply use = a.check(token, "staging", "volume:delete", "vol-7f3a-stg");
                assertEquals(503, use.status(), use.body());
                assertEquals(1, a.airlock.store.grant(id).orElseThrow().usesLeft(), "the use was not spent");

                // 4. Space returns: the one use is allowed, with its grant.used event.
                disk.free();
                assertEquals(200, a.get("/readyz").status());
                JsonNode allowed = a.check(token, "staging", "volume:delete", "vol-7f3a-stg").json();
                assertTrue(allowed.get("allowed").asBoolean(), allowed.toString());
                assertEquals(1, a.auditLines().stream().filter(l -> l.contains("\"grant.used\"")).count());
            }
        }
    }

    /**
     * Fills the small disk, then uses up the room left in the audit log's last page (tmpfs allocates whole pages) with
     * token requests until one is refused, so that the next event cannot be written either.
     */
    static void fillAuditDisk(SmallDisk disk, TestAirlock a, String secret) throws Exception {
        disk.fill();
        for (int i = 0; i < 200; i++) {
            if (a.token("coding-agent", secret, "staging", "db:read").status() == 503) return;
        }
        throw new AssertionError("the audit log never filled");
    }
}
