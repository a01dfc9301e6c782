package dev.airlock.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.audit.AuditLog;
import dev.airlock.core.crypto.Hashes;
import dev.airlock.core.policy.PolicyLoader;
import dev.airlock.core.store.RefreshOnMiss;
import dev.airlock.store.embedded.FileStateStore;
import dev.airlock.testing.HeldScheduler;
import dev.airlock.testing.MutableClock;
import dev.airlock.testing.TestAirlock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The token endpoint's authenticator re-checks a refused secret on a fresh read of the store (issue 14, item 6): a
 * secret another process (the CLI) wrote after the server's last refresh is accepted, and nothing else changes. Two
 * real file stores on one data directory, as a server and {@code airlock agent add} have; the refresh round is
 * run by the test, so "before" and "after" the fresh read are exact.
 */
class SecretOnFreshReadTest {
    @TempDir
    Path data;

    final MutableClock clock = MutableClock.at("2026-12-07T02:00:00Z");
    final HeldScheduler rounds = new HeldScheduler();
    FileStateStore server;
    FileStateStore cli;
    AuditLog audit;
    ClientAuthenticator authenticator;

    @BeforeEach
    void open() throws Exception {
        server = FileStateStore.open(data, clock);
        cli = FileStateStore.open(data, clock);
        audit = AuditLog.open(data.resolve("audit.log"), clock);
        var policy = PolicyLoader.load(TestAirlock.EXAMPLE_POLICY);
        long[] now = {0};
        authenticator = new ClientAuthenticator(policy, server, audit,
                new FailureThrottle(FailureThrottle.Limits.PER_CLIENT, clock),
                new FailureThrottle(FailureThrottle.Limits.PER_ADDRESS, clock), clock,
                new RefreshOnMiss(server::refresh, () -> now[0], Duration.ofMillis(10), rounds),
                List.of("https://airlock.test"));
    }

    @AfterEach
    void close() {
        audit.close();
        cli.close();
        server.close();
    }

    CompletableFuture<AuthOutcome> basic(String secret) {
        return authenticator.authenticate(new ClientCredentials.SecretBasic("coding-agent", secret), "192.0.2.7");
    }

    @Test
    void secretWhenIssuedByTheCliAfterTheServersLastRefreshThenAcceptedOnTheFreshRead() throws Exception {
        String secret = "airlock_sk_" + "a".repeat(43);
        cli.putAgentSecretHash("coding-agent", Hashes.sha256Hex(secret)).get();
        assertTrue(server.agentSecretHash("coding-agent").isEmpty(), "precondition: the server has not read it yet");

        CompletableFuture<AuthOutcome> outcome = basic(secret);
        assertFalse(outcome.isDone(), "answered before a fresh read");
        rounds.runNext();
        AuthOutcome o = outcome.get();
        assertTrue(o.ok(), "refused a secret issued before the request was sent: " + o.reason());
        assertEquals("coding-agent", o.agent().id());
    }

    /** Issue 16: the fresh read that lets a new secret in also brings a disable written with it. */
    @Test
    void secretWhenIssuedAndTheAgentDisabledAfterTheServersLastRefreshThenRefusedAsDisabledOnTheFreshRead()
            throws Exception {
        String secret = "airlock_sk_" + "b".repeat(43);
        cli.putAgentSecretHash("coding-agent", Hashes.sha256Hex(secret)).get();
        cli.setAgentDisabled("coding-agent", true).get();

        CompletableFuture<AuthOutcome> outcome = basic(secret);
        rounds.runNext();
        AuthOutcome o = outcome.get();
        assertFalse(o.ok(), "a disabled agent's secret let in on the fresh read");
        assertTrue(o.reason().contains("disabled"), o.reason());
    }

    @Test
    void secretWhenWrongThenStillRefusedAfterTheFreshReadAndAuditedOnce() throws Exception {
        cli.putAgentSecretHash("coding-agent", Hashes.sha256Hex("airlock_sk_" + "b".repeat(43))).get();
        CompletableFuture<AuthOutcome> outcome = basic("airlock_sk_" + "c".repeat(43));
        rounds.runNext();
        AuthOutcome o = outcome.get();
        assertFalse(o.ok());
        assertEquals("invalid client credentials", o.reason());
        List<String> failures = Files.readAllLines(data.resolve("audit.log")).stream()
                .filter(l -> l.contains("client.auth_failed")).toList();
        assertEquals(1, failures.size(), String.join("\n", failures));
        assertTrue(failures.get(0).contains("wrong client secret"), failures.get(0));
    }

    @Test
    void secretWhenTheRightOneIsPresentedThenNoWaitAndNoRefresh() throws Exception {
        String secret = "airlock_sk_" + "d".repeat(43);
        cli.putAgentSecretHash("coding-agent", Hashes.sha256Hex(secret)).get();
        server.refresh();
        assertTrue(basic(secret).get().ok());
        assertTrue(rounds.tasks.isEmpty(), "an accepted secret must cost no refresh");
    }

    @Test
    void guessesSentTogetherAreCountedByTheThrottleBeforeTheyWait() throws Exception {
        // Five free failures per client and address (FailureThrottle.Limits.PER_CLIENT): with the count taken only
        // after the wait, every guess sent while a round is pending would pass the throttle's check and wait too.
        int free = FailureThrottle.Limits.PER_CLIENT.freeFailures();
        List<CompletableFuture<AuthOutcome>> guesses = new ArrayList<>();
        for (int i = 0; i < 12; i++) guesses.add(basic("airlock_sk_guess_" + i));
        for (int i = free; i < guesses.size(); i++) {
            // Answered with the round still held: throttled without waiting (a timeout here means it waited).
            AuthOutcome o = guesses.get(i).get(30, TimeUnit.SECONDS);
            assertNotNull(o.retryAfter(), "guess " + i + " was checked, not throttled: " + o.reason());
        }
        for (int i = 0; i < free; i++) assertFalse(guesses.get(i).isDone(), "guess " + i + " answered before a fresh read");
        assertEquals(1, rounds.tasks.size());
        rounds.runNext();
        for (CompletableFuture<AuthOutcome> g : guesses) assertFalse(g.get(30, TimeUnit.SECONDS).ok());
    }
}
