package dev.airlock.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.airlock.core.policy.PolicyException;
import dev.airlock.testing.PolicyProxyFixture;
import dev.airlock.testing.TestAirlock;
import java.nio.file.Path;
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
}
