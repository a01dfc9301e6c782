package dev.airlock.core.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.audit.AuditLog;
import dev.airlock.core.grant.Grant;
import dev.airlock.core.grant.GrantStatus;
import dev.airlock.core.grant.PasskeyFactor;
import dev.airlock.store.embedded.FileStateStore;
import dev.airlock.testing.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Passkeys} at its own layer (issue 16): ceremonies against a software authenticator with a real key, the real
 * file store and audit log, a movable clock. The nonce's bindings (session, grant terms, single use, 5 minutes) and the
 * checks on enrolment, each of which the browser test cannot reach as directly.
 */
class PasskeysTest {
    static final String ISSUER = "https://airlock.example.com";
    static final String SESSION = "a".repeat(64);
    static final String OTHER_SESSION = "b".repeat(64);

    @TempDir
    Path dir;
    final MutableClock clock = MutableClock.at("2030-01-01T00:00:00Z");
    FileStateStore store;
    AuditLog audit;
    Passkeys passkeys;
    SoftwareAuthenticator authenticator;

    @BeforeEach
    void open() throws Exception {
        store = FileStateStore.open(dir, clock);
        audit = AuditLog.open(dir.resolve("audit.log"), clock);
        passkeys = new Passkeys(store, audit, clock, new SecureRandom(), ISSUER);
        assertTrue(store.saveOpsAccount(new OpsAccount("carol", Set.of("prod-ops"), "$argon2id$unused", "unused", 0, 0,
                null, clock.instant(), false, 1)).get());
        authenticator = new SoftwareAuthenticator(ISSUER, "airlock.example.com");
    }

    @AfterEach
    void close() {
        audit.close();
        store.close();
    }

    @Test
    void enrolThenApproveRecordsTheCounterAndConsumesTheNonce() throws Exception {
        enrol();
        Grant g = grant("gr_a", "why");
        PasskeyFactor.Assertion as = sign(g, SESSION, flags(true));
        ok(passkeys.verifyApproval("carol", SESSION, g, as).get());
        Passkey stored = store.opsAccount("carol").orElseThrow().passkeys().get(0);
        assertEquals(1, stored.signCount());
        assertEquals(clock.instant(), stored.lastUsedAt());
        assertTrue(store.opsAccount("carol").orElseThrow().challenges().isEmpty(), "the nonce is gone");
        assertTrue(lines("passkey.used").get(0).contains("\"grant_id\":\"gr_a\""));
    }

    @Test
    void approvalWhenTheSameAssertionIsSentAgainThenRefused() throws Exception {
        enrol();
        Grant g = grant("gr_a", "why");
        PasskeyFactor.Assertion as = sign(g, SESSION, flags(true));
        ok(passkeys.verifyApproval("carol", SESSION, g, as).get());
        refused("challenge_mismatch", passkeys.verifyApproval("carol", SESSION, g, as).get());
    }

    @Test
    void approvalWhenTheNonceWasIssuedToAnotherSessionThenRefused() throws Exception {
        enrol();
        Grant g = grant("gr_a", "why");
        PasskeyFactor.Assertion as = sign(g, SESSION, flags(true));
        refused("challenge_mismatch", passkeys.verifyApproval("carol", OTHER_SESSION, g, as).get());
        ok(passkeys.verifyApproval("carol", SESSION, g, as).get());
    }

    @Test
    void approvalWhenTheGrantAsStoredHasOtherTermsThenRefused() throws Exception {
        enrol();
        PasskeyFactor.Assertion as = sign(grant("gr_a", "why"), SESSION, flags(true));
        refused("challenge_mismatch", passkeys.verifyApproval("carol", SESSION, grant("gr_a", "another why"), as).get());
    }

    @Test
    void approvalWhenFiveMinutesPassedThenRefused() throws Exception {
        enrol();
        Grant g = grant("gr_a", "why");
        PasskeyFactor.Assertion as = sign(g, SESSION, flags(true));
        clock.advance(Passkeys.CEREMONY);
        refused("challenge_mismatch", passkeys.verifyApproval("carol", SESSION, g, as).get());
    }

    @Test
    void approvalWhenTheOriginIsAnotherSiteThenRefused() throws Exception {
        enrol();
        Grant g = grant("gr_a", "why");
        String challenge = challenge(g, SESSION);
        // The same key, but the browser reports another origin: a look-alike page relaying Airlock's challenge.
        authenticator.origin = "https://airlock.example.com.evil.test";
        refused("passkey_invalid", passkeys.verifyApproval("carol", SESSION, g, authenticator.get(challenge, flags(true))).get());
    }

    @Test
    void enrolmentWhenTheAuthenticatorDidNotVerifyTheUserThenRefusedAndAudited() throws Exception {
        String challenge = ok(passkeys.beginEnrolment("carol", SESSION).get()).challenge();
        refused("user_not_verified", passkeys.finishEnrolment("carol", SESSION,
                authenticator.create(challenge, SoftwareAuthenticator.UP)).get());
        assertTrue(store.opsAccount("carol").orElseThrow().passkeys().isEmpty());
        assertTrue(lines("passkey.refused").get(0).contains("user_not_verified"));
    }

    @Test
    void enrolmentWhenTheChallengeBelongsToAnotherSessionThenRefused() throws Exception {
        String challenge = ok(passkeys.beginEnrolment("carol", SESSION).get()).challenge();
        refused("challenge_unknown", passkeys.finishEnrolment("carol", OTHER_SESSION,
                authenticator.create(challenge, flags(true))).get());
    }

    @Test
    void removeTakesThePasskeyOffTheAccountAndAuditsIt() throws Exception {
        enrol();
        ok(passkeys.remove("carol", authenticator.id()).get());
        assertTrue(store.opsAccount("carol").orElseThrow().passkeys().isEmpty());
        assertEquals(1, lines("passkey.removed").size());
        refused("passkey_unknown", passkeys.remove("carol", authenticator.id()).get());
    }

    // --- helpers ---

    void enrol() throws Exception {
        String challenge = ok(passkeys.beginEnrolment("carol", SESSION).get()).challenge();
        ok(passkeys.finishEnrolment("carol", SESSION, authenticator.create(challenge, flags(true))).get());
    }

    String challenge(Grant g, String session) throws Exception {
        return ok(passkeys.beginApproval("carol", session, g).get()).challenge();
    }

    PasskeyFactor.Assertion sign(Grant g, String session, byte flags) throws Exception {
        return authenticator.get(challenge(g, session), flags);
    }

    static byte flags(boolean uv) {
        return (byte) (SoftwareAuthenticator.UP | (uv ? SoftwareAuthenticator.UV : 0));
    }

    static Grant grant(String id, String reason) {
        Instant t = Instant.parse("2030-01-01T00:00:00Z");
        return new Grant(id, "coding-agent", "production", List.of("volume:delete"), List.of("vol-7f3a"), reason, null,
                1, List.of(), GrantStatus.PENDING, t, t.plus(Duration.ofMinutes(15)), null, null, null, null, 0, null, 1);
    }

    @SuppressWarnings("unchecked")
    static <T> T ok(Passkeys.Outcome<T> o) {
        assertInstanceOf(Passkeys.Outcome.Ok.class, o, o.toString());
        return ((Passkeys.Outcome.Ok<T>) o).value();
    }

    static void refused(String code, Passkeys.Outcome<?> o) {
        Passkeys.Outcome.Refused<?> r = assertInstanceOf(Passkeys.Outcome.Refused.class, o, o.toString());
        assertEquals(code, r.code(), r.toString());
    }

    List<String> lines(String type) throws Exception {
        return Files.readAllLines(dir.resolve("audit.log")).stream()
                .filter(l -> l.contains("\"type\":\"" + type + "\"")).toList();
    }
}
