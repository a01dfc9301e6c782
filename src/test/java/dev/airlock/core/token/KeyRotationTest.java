package dev.airlock.core.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditLog;
import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.crypto.SecretBox;
import dev.airlock.testing.MutableClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key schedule on the real key folder and the real audit log, with a clock the test moves. */
class KeyRotationTest {
    static final SecureRandom RANDOM = new SecureRandom();
    @TempDir
    Path data;
    final MutableClock clock = MutableClock.at("2026-01-01T00:00:00Z");
    final SecretBox box = new SecretBox(new byte[32], RANDOM);
    AuditLog log;
    /** The real log, plus what the ring looked like when each event was appended; can be made to fail. */
    Recording audit;

    static final class Recording implements AuditSink {
        final AuditSink real;
        KeyRing ring;
        boolean failing;
        final List<String> seen = new ArrayList<>();

        Recording(AuditSink real) {
            this.real = real;
        }

        @Override
        public CompletableFuture<Void> append(AuditEvent e) {
            if (failing) return CompletableFuture.failedFuture(new IOException("No space left on device"));
            seen.add(e.type() + " " + e.fields().get("kid") + " while " + (ring == null ? "-" : ring.active().kid())
                    + " signs");
            return real.append(e);
        }
    }

    @BeforeEach
    void open() throws IOException {
        log = AuditLog.open(data.resolve("audit.log"), clock);
        audit = new Recording(log);
    }

    @AfterEach
    void close() {
        log.close();
    }

    KeyRing ring(JWSAlgorithm alg) throws IOException {
        KeyRing r = KeyRing.open(data, box, alg, clock, RANDOM);
        audit.ring = r;
        return r;
    }

    List<String> published(KeyRing r) {
        return r.publicJwks().getKeys().stream().map(k -> k.getKeyID()).toList();
    }

    @Test
    void rotateThenTheNewKeyIsPublishedAtOnceButTheOldOneSignsUntilThePublicationDelayHasPassed() throws Exception {
        KeyRing ring = ring(JWSAlgorithm.EdDSA);
        String old = ring.active().kid();
        StoredKey next = KeyRotation.publish(ring, JWSAlgorithm.EdDSA, KeySchedule.DEFAULT_PUBLICATION_DELAY, clock,
                RANDOM, audit);
        ring.refresh(audit);
        assertTrue(published(ring).contains(next.kid()), "published before it signs");
        assertEquals(old, ring.active().kid());
        clock.advance(KeySchedule.DEFAULT_PUBLICATION_DELAY.minusSeconds(1));
        ring.refresh(audit);
        assertEquals(old, ring.active().kid(), "still within the publication delay");
        clock.advance(Duration.ofSeconds(1));
        ring.refresh(audit);
        assertEquals(next.kid(), ring.active().kid());
        assertTrue(published(ring).contains(old), "retired, still published");
    }

    @Test
    void theDefaultPublicationDelayOutlastsTheJwksMaxAge() {
        assertTrue(KeySchedule.DEFAULT_PUBLICATION_DELAY.compareTo(KeySchedule.JWKS_MAX_AGE) > 0);
        assertTrue(KeySchedule.RETIREMENT.compareTo(dev.airlock.core.policy.Policy.MAX_TOKEN_LIFETIME) > 0);
    }

    @Test
    void retiredKeyLeavesTheJwksAndTheFolderOnlyAfterItsLastTokenExpired() throws Exception {
        KeyRing ring = ring(JWSAlgorithm.EdDSA);
        String old = ring.active().kid();
        KeyRotation.publish(ring, JWSAlgorithm.EdDSA, Duration.ZERO, clock, RANDOM, audit);
        ring.refresh(audit);
        // The last token the old key signed was minted just before this refresh and lives 15 minutes.
        clock.advance(dev.airlock.core.policy.Policy.MAX_TOKEN_LIFETIME);
        ring.refresh(audit);
        assertTrue(published(ring).contains(old), "a token signed at retirement is alive until now");
        assertTrue(Files.exists(data.resolve("keys").resolve(old + ".json")));
        clock.advance(KeySchedule.RETIREMENT.minus(dev.airlock.core.policy.Policy.MAX_TOKEN_LIFETIME).plusSeconds(1));
        ring.refresh(audit);
        assertFalse(published(ring).contains(old));
        assertFalse(Files.exists(data.resolve("keys").resolve(old + ".json")));
        assertEquals(1, published(ring).size());
    }

    @Test
    void retirementCountsFromTheActualActivationNotTheScheduleWhenNoServerRanMeanwhile() throws Exception {
        KeyRing ring = ring(JWSAlgorithm.EdDSA);
        String old = ring.active().kid();
        KeyRotation.publish(ring, JWSAlgorithm.EdDSA, Duration.ofMinutes(5), clock, RANDOM, audit);
        // No refresh for an hour (the server was down): the old key signed all along, until this refresh.
        clock.advance(Duration.ofHours(1));
        ring.refresh(audit);
        assertNotEquals(old, ring.active().kid());
        assertTrue(published(ring).contains(old), "its tokens from a moment ago are alive");
    }

    @Test
    void eachTransitionIsAuditedBeforeItTakesEffect() throws Exception {
        KeyRing ring = ring(JWSAlgorithm.EdDSA);
        String old = ring.active().kid();
        String next = KeyRotation.publish(ring, JWSAlgorithm.EdDSA, Duration.ofMinutes(6), clock, RANDOM, audit).kid();
        clock.advance(Duration.ofMinutes(6));
        ring.refresh(audit);
        clock.advance(KeySchedule.RETIREMENT);
        ring.refresh(audit);
        assertEquals(List.of("key.published " + next + " while " + old + " signs",
                "key.activated " + next + " while " + old + " signs",
                "key.retired " + old + " while " + old + " signs",
                "key.deleted " + old + " while " + next + " signs"), audit.seen);
        String text = Files.readString(data.resolve("audit.log"));
        for (String type : List.of("key.published", "key.activated", "key.retired", "key.deleted")) {
            assertTrue(text.contains(type), type);
        }
    }

    @Test
    void activationWhenTheAuditLogCannotBeWrittenWaitsAndTheOldKeyGoesOnSigning() throws Exception {
        KeyRing ring = ring(JWSAlgorithm.EdDSA);
        String old = ring.active().kid();
        String next = KeyRotation.publish(ring, JWSAlgorithm.EdDSA, Duration.ZERO, clock, RANDOM, audit).kid();
        audit.failing = true;
        assertThrows(RuntimeException.class, () -> ring.refresh(audit));
        assertEquals(old, ring.active().kid());
        clock.advance(KeySchedule.RETIREMENT.plusHours(1));
        assertThrows(RuntimeException.class, () -> ring.refresh(audit));
        assertEquals(old, ring.active().kid(), "nothing changes without its record");
        audit.failing = false;
        ring.refresh(audit);
        assertEquals(next, ring.active().kid());
        assertTrue(published(ring).contains(old), "retired now, not an hour ago");
    }

    @Test
    void publishWhenTheAuditLogCannotBeWrittenStoresNoKey() throws Exception {
        KeyRing ring = ring(JWSAlgorithm.EdDSA);
        audit.failing = true;
        assertThrows(RuntimeException.class,
                () -> KeyRotation.publish(ring, JWSAlgorithm.EdDSA, Duration.ZERO, clock, RANDOM, audit));
        ring.refresh(audit);
        assertEquals(1, published(ring).size());
    }

    @Test
    void rotateWhileARotationIsPendingThenRefused() throws Exception {
        KeyRing ring = ring(JWSAlgorithm.EdDSA);
        KeyRotation.publish(ring, JWSAlgorithm.EdDSA, Duration.ofMinutes(6), clock, RANDOM, audit);
        KeyRotation.Refused e = assertThrows(KeyRotation.Refused.class,
                () -> KeyRotation.publish(ring, JWSAlgorithm.EdDSA, Duration.ZERO, clock, RANDOM, audit));
        assertTrue(e.getMessage().contains("already pending"), e.getMessage());
    }

    @Test
    void rotateWithADelayBeyondTheLimitThenRefused() throws Exception {
        KeyRing ring = ring(JWSAlgorithm.EdDSA);
        assertThrows(KeyRotation.Refused.class, () -> KeyRotation.publish(ring, JWSAlgorithm.EdDSA,
                KeySchedule.MAX_PUBLICATION_DELAY.plusSeconds(1), clock, RANDOM, audit));
        assertThrows(KeyRotation.Refused.class, () -> KeyRotation.publish(ring, JWSAlgorithm.EdDSA,
                Duration.ofSeconds(-1), clock, RANDOM, audit));
    }

    @Test
    void rotationToTheOtherAlgorithmSignsWithItAndKeepsTheOldKeyVerifiable() throws Exception {
        KeyRing ring = ring(JWSAlgorithm.EdDSA);
        TokenVerifier verifier = new TokenVerifier(ring, "https://airlock.test", clock);
        String before = TestMint.mint(ring, clock);
        KeyRotation.publish(ring, JWSAlgorithm.ES256, Duration.ZERO, clock, RANDOM, audit);
        ring.refresh(audit);
        assertEquals(JWSAlgorithm.ES256, ring.active().algorithm());
        String after = TestMint.mint(ring, clock);
        assertTrue(verifier.verify(before).ok(), "EdDSA token of before the rotation");
        assertTrue(verifier.verify(after).ok(), "ES256 token of after it");
    }

    @Test
    void anotherProcessesRotationIsPickedUpByTheRunningRingsRefresh() throws Exception {
        KeyRing server = ring(JWSAlgorithm.EdDSA);
        KeyRing cli = KeyRing.open(data, box, JWSAlgorithm.EdDSA, clock, RANDOM);
        String next = KeyRotation.publish(cli, JWSAlgorithm.EdDSA, Duration.ofMinutes(1), clock, RANDOM, audit).kid();
        assertFalse(published(server).contains(next));
        server.refresh(audit);
        assertTrue(published(server).contains(next));
    }

    @Test
    void openingWithAnotherAlgorithmKeepsTheActiveKeyAsOnlyARotationMayChangeIt() throws Exception {
        String ed = ring(JWSAlgorithm.EdDSA).active().kid();
        KeyRing again = KeyRing.open(data, box, JWSAlgorithm.ES256, clock, RANDOM);
        assertEquals(ed, again.active().kid());
    }

    @Test
    void activationWithinTheSameClockTickAsThePreviousStillOrdersTheNewKeyLast() throws Exception {
        // Repeated: with equal activation times the order fell to the kids, which are random.
        for (int i = 0; i < 12; i++) {
            Path dir = java.nio.file.Files.createTempDirectory(data, "tick");
            KeyRing r = KeyRing.open(dir, box, JWSAlgorithm.EdDSA, clock, RANDOM);
            String next = KeyRotation.publish(r, JWSAlgorithm.EdDSA, Duration.ZERO, clock, RANDOM, audit).kid();
            r.refresh(audit);
            assertEquals(next, r.active().kid());
        }
    }

    @Test
    void twoRotationsThatRacedThenTheLaterPublishedSignsAndTheOtherIsWithdrawnUnsigned() throws Exception {
        KeyRing ring = ring(JWSAlgorithm.EdDSA);
        StoredKey first = KeyRotation.publish(ring, JWSAlgorithm.EdDSA, Duration.ofMinutes(6), clock, RANDOM, audit);
        clock.advance(Duration.ofSeconds(1));
        // The second command checked for a pending key before the first wrote its file: both are stored.
        StoredKey second = KeyMaterial.generate(JWSAlgorithm.EdDSA, box, RANDOM, clock.instant(),
                clock.instant().plus(Duration.ofMinutes(6)), null);
        KeyFolder.of(data).put(second);
        clock.advance(Duration.ofMinutes(7));
        ring.refresh(audit);
        assertEquals(second.kid(), ring.active().kid());
        assertFalse(published(ring).contains(first.kid()), "never signed, withdrawn");
        assertFalse(Files.exists(data.resolve("keys").resolve(first.kid() + ".json")));
    }

    @Test
    void keyFileOfBeforeRotationsLoadsAsActive() throws Exception {
        String kid = ring(JWSAlgorithm.EdDSA).active().kid();
        Path f = data.resolve("keys").resolve(kid + ".json");
        String text = Files.readString(f);
        String legacy = text.replaceAll(",\"activates\":\"[^\"]+\"", "").replaceAll(",\"activated\":\"[^\"]+\"", "");
        assertFalse(legacy.contains("activate"), legacy);
        Files.writeString(f, legacy);
        assertEquals(kid, KeyRing.open(data, box, JWSAlgorithm.EdDSA, clock, RANDOM).active().kid());
    }
}
