package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.app.PolicyReload;
import dev.airlock.store.postgres.PgLocation;
import dev.airlock.store.postgres.PgSettings;
import dev.airlock.testing.PolicyCopy;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestPostgres;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, must-shows 4 and 8: policy versions across replicas. A and B share PostgreSQL, each with its own policy
 * folder; a reload on one is announced through the store's change feed and every replica reloads its own folder.
 *
 * <ol>
 *   <li>Both folders get the same edit; A reloads; B follows by itself and both report the new hash in /readyz.</li>
 *   <li>Only A's folder gets the next edit; A reloads; B's folder yields another hash: B reports both hashes and is
 *       not ready, A stays ready.</li>
 *   <li>B's folder catches up: B reloads by itself and is ready again.</li>
 * </ol>
 */
class PolicyAcrossReplicasTest {
    @TempDir
    Path tmp;
    TestAirlock a;
    TestAirlock b;
    PolicyCopy policyA;
    PolicyCopy policyB;

    @BeforeEach
    void start() throws Exception {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        String masterKey = Base64.getEncoder().encodeToString(key);
        PgSettings shared = new PgSettings(PgLocation.parse(TestPostgres.freshDatabase().url()), null);
        policyA = PolicyCopy.ofShipped(tmp);
        policyB = PolicyCopy.ofShipped(tmp);
        a = TestAirlock.startShared(policyA.dir, tmp.resolve("a"), "https://airlock.policy.test", masterKey, shared);
        b = TestAirlock.startShared(policyB.dir, tmp.resolve("b"), "https://airlock.policy.test", masterKey, shared);
    }

    @AfterEach
    void stop() throws Exception {
        if (a != null) a.close();
        if (b != null) b.close();
    }

    @Test
    void aReloadOnOneReplicaReloadsEveryReplicaAndAReplicaWhoseFolderDiffersSaysSoAndIsNotReady() throws Exception {
        String h0 = a.airlock.policyHash();
        assertEquals(h0, b.airlock.policyHash());

        // 1. The same edit in both folders; the reload is asked of A only.
        policyA.append("environments.yaml", "\n# revision 1\n");
        policyB.append("environments.yaml", "\n# revision 1\n");
        PolicyReload done = a.airlock.reloadPolicy();
        assertTrue(done.reloaded(), done.describe());
        String h1 = done.after();
        assertNotEquals(h0, h1);
        await(() -> h1.equals(b.airlock.policyHash()), "B to follow A's reload");
        for (TestAirlock r : new TestAirlock[] {a, b}) {
            TestAirlock.Reply ready = r.get("/readyz");
            assertEquals(200, ready.status(), ready.body());
            assertEquals(h1, ready.json().path("policy_hash").asText());
        }
        assertEquals(1, a.auditLines().stream().filter(l -> l.contains("\"type\":\"policy.reloaded\"")
                && l.contains("\"following\":true")).count(), "B's own swap is on the record");

        // 2. Only A's folder moves on.
        policyA.append("environments.yaml", "# revision 2\n");
        String h2 = a.airlock.reloadPolicy().after();
        await(() -> b.airlock.policyHashAnnouncedElsewhere().isPresent(), "B to read the announcement");
        TestAirlock.Reply notReady = b.get("/readyz");
        assertEquals(503, notReady.status(), notReady.body());
        JsonNode body = notReady.json();
        assertEquals(h1, body.path("policy_hash").asText(), body.toString());
        assertEquals(h2, body.path("policy_hash_announced").asText(), body.toString());
        assertEquals(200, a.get("/readyz").status(), "the announcer serves what it announced");
        assertEquals(h1, b.airlock.policyHash(), "B keeps serving the policy it has");

        // 3. B's folder catches up.
        policyB.append("environments.yaml", "# revision 2\n");
        await(() -> h2.equals(b.airlock.policyHash()), "B to reload once its folder yields the announced hash");
        assertEquals(200, b.get("/readyz").status());
        assertFalse(b.airlock.policyHashAnnouncedElsewhere().isPresent());
    }

    /** Waits for what the replica does on its own periodic refresh; a bound, not a timing assertion. */
    static void await(BooleanSupplier done, String what) throws InterruptedException {
        for (int i = 0; i < 600; i++) {
            if (done.getAsBoolean()) return;
            Thread.sleep(50);
        }
        throw new AssertionError("gave up waiting for " + what);
    }
}
