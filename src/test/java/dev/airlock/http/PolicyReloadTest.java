package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.app.PolicyReload;
import dev.airlock.testing.IndependentPolicyHash;
import dev.airlock.testing.PolicyCopy;
import dev.airlock.testing.TestAirlock;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, policy reload on a real server: the policy folder is a copy the test edits, and the reload is the one
 * the SIGHUP handler and {@code airlock policy reload} call.
 */
class PolicyReloadTest {
    static final String DEV_SCOPES = "      dev:\n        scopes: [db:read, db:write, volume:read, volume:write, service:read, service:restart]";
    static final String DEV_SCOPES_WITHOUT_VOLUME_WRITE = "      dev:\n        scopes: [db:read, db:write, volume:read, service:read, service:restart]";

    static TestAirlock start(PolicyCopy policy) throws Exception {
        return TestAirlock.start(policy.dir, Files.createTempDirectory("airlock-reload"), JWSAlgorithm.EdDSA);
    }

    @Test
    void reloadWhenAScopeAnAgentUsesIsRemovedThenTheNextTokenRequestForItIsRefused() throws Exception {
        PolicyCopy policy = PolicyCopy.ofShipped();
        try (TestAirlock a = start(policy)) {
            String secret = a.issueSecret("coding-agent");
            assertEquals(200, a.token("coding-agent", secret, "dev", "volume:write").status());
            policy.replace("agents.yaml", DEV_SCOPES, DEV_SCOPES_WITHOUT_VOLUME_WRITE);
            PolicyReload r = a.airlock.reloadPolicy();
            assertTrue(r.reloaded(), r.describe());
            TestAirlock.Reply refused = a.token("coding-agent", secret, "dev", "volume:write");
            assertEquals(400, refused.status(), refused.body());
            assertEquals("invalid_scope", refused.json().path("error").asText());
            assertEquals(200, a.token("coding-agent", secret, "dev", "volume:read").status(), "the rest still served");
            String audit = String.join("\n", a.auditLines());
            assertTrue(audit.contains("\"policy.reloaded\""), audit);
            assertTrue(audit.contains(r.before()) && audit.contains(r.after()), "hash before and after in the event");
        }
    }

    @Test
    void reloadWhenTheEditIsBrokenThenRefusedWithLocatedErrorsAndTheRunningPolicyStillServes() throws Exception {
        PolicyCopy policy = PolicyCopy.ofShipped();
        try (TestAirlock a = start(policy)) {
            String secret = a.issueSecret("coding-agent");
            String served = a.get("/readyz").json().path("policy_hash").asText();
            // A scope removed (would refuse volume:write) and, in the same save, a key the loader does not know.
            policy.replace("agents.yaml", DEV_SCOPES, DEV_SCOPES_WITHOUT_VOLUME_WRITE)
                    .replace("agents.yaml", "    owner: alice\n", "    owner: alice\n    colour: blue\n");
            PolicyReload r = a.airlock.reloadPolicy();
            assertFalse(r.reloaded());
            String problems = String.join("\n", r.problems());
            assertTrue(problems.contains("agents.yaml") && problems.contains("colour"), problems);
            assertTrue(problems.matches("(?s).*agents\\.yaml:\\d+.*"), "located by line: " + problems);
            assertEquals(200, a.token("coding-agent", secret, "dev", "volume:write").status(), "old policy serves");
            assertEquals(served, a.get("/readyz").json().path("policy_hash").asText());
            String audit = String.join("\n", a.auditLines());
            assertTrue(audit.contains("\"policy.reload_refused\"") && audit.contains("colour"), audit);
        }
    }

    @Test
    void reloadWhenAProviderNoLongerLoadsThenRefusedAndTheRunningPolicyStays() throws Exception {
        PolicyCopy policy = PolicyCopy.ofShipped();
        try (TestAirlock a = start(policy)) {
            String before = a.airlock.policyHash();
            policy.append("providers/railway.yaml", "\nsurprise: true\n");
            PolicyReload r = a.airlock.reloadPolicy();
            assertFalse(r.reloaded());
            assertTrue(String.join("\n", r.problems()).contains("railway.yaml"), r.describe());
            assertEquals(before, a.airlock.policyHash());
        }
    }

    @Test
    void reloadWhenItsAuditEventCannotBeWrittenThenRefusedAndTheRunningPolicyStays() throws Exception {
        PolicyCopy policy = PolicyCopy.ofShipped();
        try (TestAirlock a = start(policy)) {
            String secret = a.issueSecret("coding-agent");
            String before = a.airlock.policyHash();
            policy.replace("agents.yaml", DEV_SCOPES, DEV_SCOPES_WITHOUT_VOLUME_WRITE);
            dev.airlock.core.journal.AppendOnlyFile.failWritesForTesting(a.dataDir, true);
            PolicyReload r;
            try {
                r = a.airlock.reloadPolicy();
            } finally {
                dev.airlock.core.journal.AppendOnlyFile.failWritesForTesting(a.dataDir, false);
            }
            assertFalse(r.reloaded(), r.describe());
            assertTrue(String.join("\n", r.problems()).contains("audit log"), r.describe());
            assertEquals(before, a.airlock.policyHash());
            assertEquals(200, a.token("coding-agent", secret, "dev", "volume:write").status(), "not swapped");
        }
    }

    @Test
    void readyzReportsThePolicyHashWhichChangesOnReloadToTheHashOfTheNewFiles() throws Exception {
        PolicyCopy policy = PolicyCopy.ofShipped();
        try (TestAirlock a = start(policy)) {
            TestAirlock.Reply ready = a.get("/readyz");
            assertEquals(200, ready.status());
            String before = ready.json().path("policy_hash").asText();
            assertEquals(IndependentPolicyHash.of(policy.dir), before);
            policy.replace("agents.yaml", DEV_SCOPES, DEV_SCOPES_WITHOUT_VOLUME_WRITE);
            assertTrue(a.airlock.reloadPolicy().reloaded());
            String after = a.get("/readyz").json().path("policy_hash").asText();
            assertNotEquals(before, after);
            assertEquals(IndependentPolicyHash.of(policy.dir), after);
            assertEquals(after, a.airlock.policyHash(), "the getter metrics read");
        }
    }

    @Test
    void reloadSwapsTheDiscoveryMetadataWithThePolicy() throws Exception {
        PolicyCopy policy = PolicyCopy.ofShipped();
        try (TestAirlock a = start(policy)) {
            assertTrue(a.get("/.well-known/oauth-authorization-server").body().contains("\"railway\""));
            Files.delete(policy.dir.resolve("providers/railway.yaml"));
            assertTrue(a.airlock.reloadPolicy().reloaded());
            assertFalse(a.get("/.well-known/oauth-authorization-server").body().contains("\"railway\""));
        }
    }
}
