package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.core.audit.AuditVerifier;
import dev.airlock.core.journal.AppendOnlyFile;
import dev.airlock.store.embedded.FileStateStore;
import dev.airlock.testing.SmallDisk;
import dev.airlock.testing.TestAirlock;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, findings 2 and 4: storage faults become clear refusals (503, Retry-After, the endpoint's own error form,
 * one log line per condition, readiness off), and service resumes by itself once the fault clears.
 */
class StoreFaultTest {
    private final List<LogRecord> logged = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            synchronized (logged) {
                logged.add(r);
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeEach
    void captureLogs() {
        Logger.getLogger("").addHandler(capture);
    }

    @AfterEach
    void releaseLogs() {
        Logger.getLogger("").removeHandler(capture);
    }

    @Test
    void diskFullThen503WithRetryAfterOneLogLineNotReadyAndResumesWhenSpaceReturns() throws Exception {
        try (SmallDisk disk = SmallDisk.mount(16)) {
            Path data = disk.root.resolve("data");
            String secret;
            String token;
            long delivered = 0;
            try (TestAirlock a = TestAirlock.start(TestAirlock.EXAMPLE_POLICY, data, JWSAlgorithm.EdDSA)) {
                secret = a.issueSecret("coding-agent");
                TestAirlock.Reply ok = a.token("coding-agent", secret, "staging", "db:read");
                assertEquals(200, ok.status(), ok.body());
                token = ok.json().get("access_token").asText();
                delivered++;

                disk.fill();
                // tmpfs allocates whole pages: the audit log's last page may take a few more lines before ENOSPC.
                TestAirlock.Reply first = null;
                for (int i = 0; i < 200 && first == null; i++) {
                    TestAirlock.Reply r = a.token("coding-agent", secret, "staging", "db:read");
                    if (r.status() != 200) first = r;
                    else delivered++;
                }
                assertNotNull(first, "the disk never filled");
                assertOAuthUnavailable(first);
                for (int i = 0; i < 30; i++) assertOAuthUnavailable(a.token("coding-agent", secret, "staging", "db:read"));

                TestAirlock.Reply check = a.check(token, "staging", "db:read", null);
                assertEquals(503, check.status(), check.body());
                assertEquals("5", check.header("Retry-After"));
                assertEquals("storage_unavailable", check.json().path("code").asText());
                assertNoStackTrace(check.body());


                TestAirlock.Reply notReady = a.get("/readyz");
                assertEquals(503, notReady.status(), notReady.body());
                assertTrue(notReady.body().contains("audit.log cannot be written"), notReady.body());
                assertEquals(200, a.get("/healthz").status(), "alive, only not ready");

                synchronized (logged) {
                    assertEquals(1, logged.stream().filter(r -> String.valueOf(r.getMessage())
                            .startsWith("storage fault: audit.log")).count(), "one log line for the condition");
                    assertFalse(logged.stream().anyMatch(r -> r.getThrown() != null
                            && String.valueOf(r.getMessage()).startsWith("internal error")), "no 500s logged");
                }

                disk.free();
                assertEquals(200, a.get("/readyz").status(), "ready again once a probe write succeeds");
                TestAirlock.Reply again = a.token("coding-agent", secret, "staging", "db:read");
                assertEquals(200, again.status(), again.body());
                delivered++;
                assertEquals(200, a.check(token, "staging", "db:read", null).status());
                synchronized (logged) {
                    assertTrue(logged.stream().anyMatch(r -> String.valueOf(r.getMessage())
                            .startsWith("storage fault cleared: audit.log")), "the clearing is logged");
                }
            }
            // What was answered agrees with the files: the chain verifies, the journal opens, and every token
            // delivered (and only those) has its audit event; a 503 delivered nothing.
            assertTrue(AuditVerifier.verify(data.resolve("audit.log"), java.util.Set.of(), null).ok());
            long mintedEvents = Files.readAllLines(data.resolve("audit.log")).stream()
                    .filter(l -> l.contains("\"type\":\"token.minted\"")).count();
            assertEquals(delivered, mintedEvents);
            try (FileStateStore store = FileStateStore.open(data, Clock.systemUTC())) {
                assertTrue(store.agentSecretHash("coding-agent").isPresent());
            }
        }
    }

    /** The same fault injected in the journal layer, so that it is covered where no tmpfs can be mounted. */
    @Test
    void injectedWriteFailureThen503WithRetryAfterOneLogLineNotReadyAndResumesWhenItClears() throws Exception {
        try (TestAirlock a = TestAirlock.start()) {
            String secret = a.issueSecret("coding-agent");
            TestAirlock.Reply ok = a.token("coding-agent", secret, "staging", "db:read");
            assertEquals(200, ok.status(), ok.body());
            String token = ok.json().get("access_token").asText();
            long linesBefore = a.auditLines().size();
            AppendOnlyFile.failWritesForTesting(a.dataDir, true);
            try {
                for (int i = 0; i < 30; i++) {
                    assertOAuthUnavailable(a.token("coding-agent", secret, "staging", "db:read"));
                }
                TestAirlock.Reply check = a.check(token, "staging", "db:read", null);
                assertEquals(503, check.status(), check.body());
                assertEquals("5", check.header("Retry-After"));
                assertNoStackTrace(check.body());
                TestAirlock.Reply revoke = a.postForm("/oauth2/revoke", TestAirlock.basic("coding-agent", secret),
                        java.util.Map.of("token", token));
                assertEquals(503, revoke.status(), revoke.body());
                assertEquals("temporarily_unavailable", revoke.json().path("error").asText());
                assertEquals(503, a.get("/readyz").status());
                assertEquals(503, a.get("/readyz").status(), "the probe does not clear an injected fault");
                synchronized (logged) {
                    assertEquals(1, logged.stream().filter(r -> String.valueOf(r.getMessage())
                            .startsWith("storage fault: audit.log")).count(), "one log line for the condition");
                    assertFalse(logged.stream().anyMatch(r -> String.valueOf(r.getMessage())
                            .startsWith("internal error")), "no 500s logged");
                }
            } finally {
                AppendOnlyFile.failWritesForTesting(a.dataDir, false);
            }
            assertEquals(200, a.get("/readyz").status());
            assertEquals(200, a.token("coding-agent", secret, "staging", "db:read").status());
            TestAirlock.Reply after = a.check(token, "staging", "db:read", null);
            assertEquals(200, after.status(), after.body());
            assertTrue(after.json().path("allowed").asBoolean(), "the revocation answered 503 changed nothing");
            assertTrue(AuditVerifier.verify(a.dataDir.resolve("audit.log"), java.util.Set.of(), null).ok());
            assertEquals(linesBefore + 2, a.auditLines().size(), "only the two answered requests were recorded");
        }
    }

    @Test
    void journalLineThisServerCannotReadAtRunTimeThenDecisionsRefusedNotReadyAndResumesWhenRepaired()
            throws Exception {
        try (TestAirlock a = TestAirlock.start()) {
            String secret = a.issueSecret("coding-agent");
            TestAirlock.Reply ok = a.token("coding-agent", secret, "staging", "db:read");
            assertEquals(200, ok.status(), ok.body());
            String token = ok.json().get("access_token").asText();

            Path journal = a.dataDir.resolve("state.journal");
            long before = Files.size(journal);
            // As a newer CLI would write it: an op this version does not know (perhaps a revocation).
            Files.writeString(journal, "{\"op\":\"revoke_all\",\"agent\":\"coding-agent\"}\n", StandardOpenOption.APPEND);
            a.airlock.store.refresh(); // what the server's poller does four times a second

            TestAirlock.Reply minted = a.token("coding-agent", secret, "staging", "db:read");
            assertEquals(503, minted.status(), "no token is minted from a memory behind the journal: " + minted.body());
            assertEquals("temporarily_unavailable", minted.json().path("error").asText());
            assertTrue(minted.json().path("error_description").asText().contains("cannot read"));
            TestAirlock.Reply check = a.check(token, "staging", "db:read", null);
            assertEquals(503, check.status(), check.body());
            assertNoStackTrace(check.body());
            assertEquals(503, a.get("/readyz").status());
            assertEquals(200, a.get("/healthz").status());
            assertEquals(200, a.get("/.well-known/jwks.json").status());

            try (FileChannel ch = FileChannel.open(journal, StandardOpenOption.WRITE)) {
                ch.truncate(before); // the operator removes the line (or upgrades the server)
            }
            a.airlock.store.refresh();
            assertEquals(200, a.get("/readyz").status());
            assertEquals(200, a.token("coding-agent", secret, "staging", "db:read").status());
        }
    }

    /** Issue 13, finding 3: a start repairs a torn end only by moving it aside, and the repair is on the record. */
    @Test
    void startOnATornJournalEndMovesItAsideAndAuditsTheRepairBeforeServing() throws Exception {
        Path data = Files.createTempDirectory("airlock-test");
        try (TestAirlock a = TestAirlock.start(TestAirlock.EXAMPLE_POLICY, data, JWSAlgorithm.EdDSA)) {
            a.issueSecret("coding-agent");
        }
        String torn = "{\"op\":\"revoke\",\"jti\":\"x\",\"e";
        Files.writeString(data.resolve("state.journal"), torn, StandardOpenOption.APPEND);
        try (TestAirlock a = TestAirlock.start(TestAirlock.EXAMPLE_POLICY, data, JWSAlgorithm.EdDSA)) {
            List<String> events = a.auditLines().stream().filter(l -> l.contains("\"type\":\"storage.repaired\""))
                    .toList();
            assertEquals(1, events.size());
            com.fasterxml.jackson.databind.JsonNode e = TestAirlock.JSON.readTree(events.get(0));
            assertEquals("state.journal", e.path("file").asText());
            assertEquals(dev.airlock.core.crypto.Hashes.sha256Hex(torn), e.path("sha256").asText());
            assertEquals(torn, Files.readString(data.resolve(e.path("moved_to").asText())));
        }
    }

    @Test
    void aTornJournalEndFoundAtRunTimeIsMovedAsideAndAudited() throws Exception {
        try (TestAirlock a = TestAirlock.start()) {
            String secret = a.issueSecret("coding-agent");
            String torn = "{\"op\":\"revoke\",\"jti\":\"y\",\"e"; // a CLI killed mid-write
            Files.writeString(a.dataDir.resolve("state.journal"), torn, StandardOpenOption.APPEND);
            a.airlock.store.refresh();
            // The repair's event was queued before this request's own, so it is durable once this answers.
            assertEquals(200, a.token("coding-agent", secret, "staging", "db:read").status());
            List<String> events = a.auditLines().stream().filter(l -> l.contains("\"type\":\"storage.repaired\""))
                    .toList();
            assertEquals(1, events.size(), String.join("\n", a.auditLines()));
            assertTrue(events.get(0).contains(dev.airlock.core.crypto.Hashes.sha256Hex(torn)));
        }
    }

    private static void assertOAuthUnavailable(TestAirlock.Reply r) {
        assertEquals(503, r.status(), r.body());
        assertEquals("5", r.header("Retry-After"));
        assertEquals("temporarily_unavailable", r.json().path("error").asText(), r.body());
        assertNoStackTrace(r.body());
    }

    private static void assertNoStackTrace(String body) {
        assertFalse(body.contains("Exception") || body.contains("\tat ") || body.contains("dev.airlock."), body);
        assertTrue(body.getBytes(StandardCharsets.UTF_8).length < 400, body);
    }
}
