package dev.airlock.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.core.policy.PolicyException;
import dev.airlock.testing.PolicyCopy;
import dev.airlock.testing.PolicyProxyFixture;
import dev.airlock.testing.TestAirlock;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 12's findings, as reported: policies that {@code airlock lint} certified although a staging token could delete
 * production through them. Each is now refused by lint (exit 1, located) and by {@code serve} (it does not start).
 */
class DerivedDestructivenessFindingsTest {
    static final String DATABASE_DELETE_RULE = """
              - method: DELETE
                path: /v1/databases/{id}
                scope: db:drop
                resources:
                  - from: path
                    name: id
            """;
    static final String DATABASE_DELETE_AS_WRITE = """
              - method: DELETE
                path: /v1/databases/{id}
                scope: db:write
            """;

    @TempDir
    Path tmp;

    /** Finding 1: DELETE mapped to a write scope without resources, and mutation volumeDelete to volume:write. */
    PolicyCopy finding1() {
        return PolicyCopy.ofShipped(tmp)
                .replace("providers/generic-rest.yaml", DATABASE_DELETE_RULE, DATABASE_DELETE_AS_WRITE)
                .replace("providers/railway.yaml", "  - mutation: volumeDelete\n    scope: volume:delete",
                        "  - mutation: volumeDelete\n    scope: volume:write");
    }

    @Test
    void lintWhenDeleteAndVolumeDeleteMapToWriteScopesThenExitsOneNamingTheShape() {
        PolicyCopy p = finding1();
        LintRun run = LintRun.of(p.dir);
        assertEquals(1, run.exit(), run.all());
        assertTrue(run.err().contains(p.dir.resolve("providers/generic-rest.yaml") + ":"), run.all());
        assertTrue(run.err().contains("DELETE /v1/databases/{id} is destructive by its shape (method DELETE)"), run.all());
        assertTrue(run.err().contains(p.dir.resolve("providers/railway.yaml") + ":"), run.all());
        assertTrue(run.err().contains("mutation volumeDelete is destructive by its shape (field name 'volumeDelete' contains the"
                + " destructive word 'delete')"),
                run.all());
    }

    @Test
    void serveRefusesToStartOnFinding1InsteadOfForwardingAStagingDeleteOfProduction() throws Exception {
        PolicyCopy p = finding1();
        PolicyProxyFixture started;
        try {
            started = PolicyProxyFixture.start(p.dir);
        } catch (PolicyException e) {
            assertTrue(e.getMessage().contains("generic-rest.yaml"), e.getMessage());
            return;
        }
        try (PolicyProxyFixture f = started) {
            String secret = f.airlock.issueSecret("coding-agent");
            String token = f.airlock.token("coding-agent", secret, "staging",
                    "db:read db:write volume:read volume:write service:read service:restart").json().get("access_token").asText();
            TestAirlock.Reply r = f.airlock.send(f.airlock.request("/proxy/generic-rest/v1/databases/db-prod-main")
                    .header("Authorization", "Bearer " + token).DELETE().build());
            fail("Airlock started on finding 1's policy; a staging token's DELETE of db-prod-main answered " + r.status()
                    + " (" + r.body() + ") and " + f.upstream.received().size() + " request(s) reached the upstream");
        }
    }

    /** Finding 2: verbs with a destructive part, declared write and listed as automatic for a staging agent. */
    @ParameterizedTest
    @ValueSource(strings = {"volume:destroy_all=destroy", "volume:delete_all=delete", "volume:force-delete=delete",
            "volume:rm=rm", "db:drop_table=drop", "db:expunge=expunge"})
    void lintWhenAVerbWithADestructivePartIsDeclaredWriteThenExitsOneNamingTheWord(String scopeAndWord) {
        String scope = scopeAndWord.substring(0, scopeAndWord.indexOf('='));
        String word = scopeAndWord.substring(scopeAndWord.indexOf('=') + 1);
        PolicyCopy p = PolicyCopy.ofShipped(tmp)
                .append("scopes.yaml", "  - name: " + scope + "\n    risk: write\n")
                .replace("agents.yaml",
                        "      staging:\n        scopes: [db:read, db:write, volume:read, volume:write, service:read, service:restart]",
                        "      staging:\n        scopes: [db:read, db:write, volume:read, volume:write, service:read, service:restart, "
                                + scope + "]");
        LintRun run = LintRun.of(p.dir);
        assertEquals(1, run.exit(), run.all());
        assertTrue(run.err().contains(p.dir.resolve("scopes.yaml") + ":"), run.all());
        assertTrue(run.err().contains("'" + scope + "'") && run.err().contains("'" + word + "'"), run.all());
        assertTrue(run.err().contains("cannot be risk write"), run.all());
    }

    /** volume:destroy_all, declared destructive as it must be, grantable to coding-agent in staging. */
    PolicyCopy grantableDestroyAll() {
        return PolicyCopy.ofShipped(tmp)
                .append("scopes.yaml", "  - name: volume:destroy_all\n    risk: destructive\n")
                .replace("agents.yaml", "        default_scopes: [db:read, volume:read, service:read]\n"
                                + "        grantable: [db:drop, volume:delete, service:delete]\n      production:",
                        "        default_scopes: [db:read, volume:read, service:read]\n"
                                + "        grantable: [db:drop, volume:delete, service:delete, volume:destroy_all]\n      production:");
    }

    @Test
    void tokenWhenAScopeIsDestructiveByAWordOfItsVerbThenInvalidScopeNamesTheWord() throws Exception {
        try (TestAirlock airlock = TestAirlock.start(grantableDestroyAll().dir, tmp.resolve("data"),
                JWSAlgorithm.EdDSA)) {
            String secret = airlock.issueSecret("coding-agent");
            TestAirlock.Reply r = airlock.token("coding-agent", secret, "staging", "volume:destroy_all");
            assertEquals(400, r.status(), r.body());
            assertEquals("invalid_scope", r.json().path("error").asText());
            assertTrue(r.json().path("error_description").asText().contains("(volume:destroy_all is destructive: its verb"
                    + " contains the built-in destructive word 'destroy'): it needs approval by people"), r.body());
        }
    }

    @Test
    void checkWhenAGrantTokenForSuchAScopeNamesNoResourceThenTheRefusalNamesTheWord() throws Exception {
        try (TestAirlock airlock = TestAirlock.start(grantableDestroyAll().dir, tmp.resolve("data"),
                JWSAlgorithm.EdDSA)) {
            String agent = TestAirlock.basic("coding-agent", airlock.issueSecret("coding-agent"));
            TestAirlock.OpsUser carol = airlock.addOps("carol", "ops");
            // 1. The agent asks; 2. one person of group ops approves (staging needs one); 3. the agent redeems.
            TestAirlock.Reply asked = airlock.agentPost("/v1/grants", agent, Map.of("environment", "staging",
                    "scopes", List.of("volume:destroy_all"), "resources", List.of("vol-7f3a-stg"),
                    "reason", "the staging volume holds a broken copy of the migration test data"));
            assertEquals(201, asked.status(), asked.body());
            String id = asked.json().get("auth_req_id").asText();
            String session = airlock.opsSignIn(carol);
            TestAirlock.Reply approved = airlock.opsPost("/v1/grants/" + id + "/approve", session,
                    Map.of("code", airlock.freshCode(carol)));
            assertEquals(200, approved.status(), approved.body());
            TestAirlock.Reply redeemed = airlock.postForm("/oauth2/token", agent, Map.of(
                    "grant_type", "urn:openid:params:grant-type:ciba", "auth_req_id", id));
            assertEquals(200, redeemed.status(), redeemed.body());
            // 4. A check that names no resource is refused, and says which word made the scope destructive.
            TestAirlock.Reply check = airlock.check(redeemed.json().get("access_token").asText(), "staging",
                    "volume:destroy_all", null);
            assertEquals("resource_required", check.json().path("code").asText(), check.body());
            assertEquals("volume:destroy_all is destructive: its verb contains the built-in destructive word 'destroy';"
                    + " name the resource", check.json().path("reason").asText());
        }
    }
}
