package dev.airlock.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.testing.PolicyCopy;
import dev.airlock.testing.PolicyProxyFixture;
import dev.airlock.testing.TestAirlock;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rule's template is classified by its literal segments at load; a template parameter that names no resource lets
 * the request choose the operation. {@code POST /v1/volumes/{id}/{action}} mapped to {@code volume:write} is a lint-clean
 * rule, and before this guard a staging token with only automatic scopes got {@code .../vol-7f3a-stg/purge} forwarded.
 */
class DestructiveParameterTest {
    static final String ACTION_RULE = """
              - method: POST
                path: /v1/volumes/{id}/{action}
                scope: volume:write
                resources:
                  - from: path
                    name: id
            """;

    @TempDir
    static Path tmp;
    static PolicyProxyFixture f;
    static String token;

    @BeforeAll
    static void start() throws Exception {
        PolicyCopy p = PolicyCopy.ofShipped(tmp).append("providers/generic-rest.yaml", ACTION_RULE);
        LintRun lint = LintRun.of(p.dir);
        assertEquals(0, lint.exit(), "the rule is lint-clean, so only the request can show what it does: " + lint.all());
        f = PolicyProxyFixture.start(p.dir);
        String secret = f.airlock.issueSecret("coding-agent");
        token = f.airlock.token("coding-agent", secret, "staging", "volume:read volume:write")
                .json().get("access_token").asText();
    }

    @AfterAll
    static void stop() throws Exception {
        if (f != null) f.close();
    }

    @BeforeEach
    void clear() {
        f.upstream.clear();
    }

    TestAirlock.Reply post(String path) throws Exception {
        return f.airlock.send(f.airlock.request("/proxy/generic-rest" + path).header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    @Test
    void proxyWhenAFreeParameterNamesADestructiveOperationOnAWriteRuleThenRefusedAndNothingForwarded() throws Exception {
        for (String action : new String[] {"purge", "force-delete", "wipeAll", "PURGE", "drop_snapshots"}) {
            TestAirlock.Reply r = post("/v1/volumes/vol-7f3a-stg/" + action);
            assertEquals(403, r.status(), action + ": " + r.body());
            assertTrue(r.body().contains("destructive_by_shape"), r.body());
            assertTrue(r.body().contains("{action}"), r.body());
            assertEquals(0, f.upstream.received().size(), action + " reached the upstream");
        }
    }

    @Test
    void proxyWhenAFreeParameterNamesAHarmlessOperationThenForwarded() throws Exception {
        TestAirlock.Reply r = post("/v1/volumes/vol-7f3a-stg/resize");
        assertEquals(1, f.upstream.received().size(), r.status() + " " + r.body());
        assertEquals("/v1/volumes/vol-7f3a-stg/resize", f.upstream.only().rawPath());
    }
}
