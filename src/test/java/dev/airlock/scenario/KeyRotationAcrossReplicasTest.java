package dev.airlock.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.SignedJWT;
import dev.airlock.core.crypto.SecretBox;
import dev.airlock.core.token.KeyRotation;
import dev.airlock.core.token.KeySchedule;
import dev.airlock.core.token.StoredKey;
import dev.airlock.store.postgres.PgKeyStore;
import dev.airlock.store.postgres.PgLocation;
import dev.airlock.store.postgres.PgSettings;
import dev.airlock.store.postgres.PgStateStore;
import dev.airlock.testing.GatewayVerifier;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestPostgres;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, must-show 7: a key rotation across two replicas on one PostgreSQL, under load, fails no request.
 *
 * <ol>
 *   <li>Replicas A and B share the database and the master key (no key copied between them); two gateways cache the
 *       JWKS for its max-age, one fetching it from A, the other from B.</li>
 *   <li>Agents mint on A and B alternately; every token is verified by both gateways.</li>
 *   <li>A rotation is published through A's store (as {@code keys rotate --store} does); it must be in both replicas'
 *       JWKS before the clocks move.</li>
 *   <li>Both clocks move 30 s at a time until the old key has left both JWKS; live tokens of the old key are
 *       verified again at every step.</li>
 * </ol>
 */
class KeyRotationAcrossReplicasTest {
    static final String ISSUER = "https://airlock.rotation.test";
    static final String AUDIENCE = "urn:airlock:env:dev";
    static final int AGENTS = 2;
    static final int TOKENS_PER_STEP = 6;
    static final Duration STEP = Duration.ofSeconds(30);

    record Minted(String jwt, String kid, Instant iat, Instant exp) {}

    @TempDir
    Path dirA;
    @TempDir
    Path dirB;

    @Test
    void rotationAcrossTwoReplicasUnderLoadFailsNoRequestAndBothJwksLeadEverySigningKey() throws Exception {
        byte[] master = new byte[32];
        new SecureRandom().nextBytes(master);
        String masterKey = Base64.getEncoder().encodeToString(master);
        PgSettings shared = new PgSettings(PgLocation.parse(TestPostgres.freshDatabase().url()), null);
        try (TestAirlock a = TestAirlock.startShared(TestAirlock.EXAMPLE_POLICY, dirA, ISSUER, masterKey, shared);
             TestAirlock b = TestAirlock.startShared(TestAirlock.EXAMPLE_POLICY, dirB, ISSUER, masterKey, shared)) {
            b.clock.set(a.clock.instant()); // one time for both replicas, moved together below
            String secret = a.issueSecret("coding-agent");
            b.airlock.store.refresh();
            String oldKid = a.airlock.keys.active().kid();
            assertEquals(oldKid, b.airlock.keys.active().kid(), "one key for both, none copied");
            List<GatewayVerifier> gateways = List.of(new GatewayVerifier(a.base, ISSUER, AUDIENCE, a.clock),
                    new GatewayVerifier(b.base, ISSUER, AUDIENCE, a.clock));
            Queue<String> failures = new ConcurrentLinkedQueue<>();
            Queue<Minted> minted = new ConcurrentLinkedQueue<>();
            AtomicInteger count = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService agents = Executors.newFixedThreadPool(AGENTS);
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < AGENTS; i++) {
                running.add(agents.submit(() -> {
                    int n = 0;
                    while (!stop.get()) {
                        TestAirlock via = n++ % 2 == 0 ? a : b;
                        try {
                            TestAirlock.Reply r = via.token("coding-agent", secret, "dev", "db:read");
                            if (r.status() != 200) {
                                failures.add("token request answered " + r.status() + ": " + r.body());
                                continue;
                            }
                            String jwt = r.json().get("access_token").asText();
                            SignedJWT parsed = SignedJWT.parse(jwt);
                            String kid = parsed.getHeader().getKeyID();
                            for (GatewayVerifier g : gateways) {
                                try {
                                    g.verify(jwt);
                                } catch (Exception e) {
                                    failures.add("fresh token of " + kid + " failed at a gateway: " + e.getMessage());
                                }
                            }
                            minted.add(new Minted(jwt, kid, parsed.getJWTClaimsSet().getIssueTime().toInstant(),
                                    parsed.getJWTClaimsSet().getExpirationTime().toInstant()));
                            count.incrementAndGet();
                            Thread.sleep(5);
                        } catch (InterruptedException e) {
                            return null;
                        } catch (Exception e) {
                            failures.add("agent: " + e);
                        }
                    }
                    return null;
                }));
            }
            try {
                KeyRotationUnderLoadTest.await(() -> count.get() >= TOKENS_PER_STEP, "first tokens");
                SecretBox box = new SecretBox(master, new SecureRandom());
                PgStateStore pg = a.airlock.database().orElseThrow();
                StoredKey next = KeyRotation.publish(new PgKeyStore(pg), box, JWSAlgorithm.EdDSA,
                        KeySchedule.DEFAULT_PUBLICATION_DELAY, a.clock, new SecureRandom(), pg);
                for (TestAirlock r : List.of(a, b)) {
                    KeyRotationUnderLoadTest.await(() -> KeyRotationUnderLoadTest.jwksKids(r).contains(next.kid()),
                            "both replicas to publish the new key");
                }
                Instant firstServed = a.clock.instant();

                Instant oldGone = null;
                for (int step = 0; step < 80 && oldGone == null; step++) {
                    a.clock.advance(STEP);
                    b.clock.advance(STEP);
                    int target = count.get() + TOKENS_PER_STEP;
                    KeyRotationUnderLoadTest.await(() -> count.get() >= target, "tokens at step " + step);
                    Instant now = a.clock.instant();
                    if (!now.isBefore(next.activatesAt())) {
                        for (TestAirlock r : List.of(a, b)) {
                            KeyRotationUnderLoadTest.await(() -> r.airlock.keys.active().kid().equals(next.kid()),
                                    "both replicas to sign with the new key");
                        }
                    }
                    for (Minted m : minted) {
                        if (!m.kid().equals(oldKid) || !now.isBefore(m.exp())) continue;
                        for (GatewayVerifier g : gateways) {
                            try {
                                g.verify(m.jwt());
                            } catch (Exception e) {
                                failures.add("live token of " + oldKid + " failed at " + now + ": " + e.getMessage());
                            }
                        }
                    }
                    if (!KeyRotationUnderLoadTest.jwksKids(a).contains(oldKid)
                            && !KeyRotationUnderLoadTest.jwksKids(b).contains(oldKid)) {
                        oldGone = now;
                    }
                }
                stop.set(true);
                for (Future<?> f : running) f.get();

                assertEquals(List.of(), List.copyOf(failures).subList(0, Math.min(5, failures.size())),
                        failures.size() + " failures");
                Instant firstWithNew = minted.stream().filter(m -> m.kid().equals(next.kid())).map(Minted::iat)
                        .min(Instant::compareTo).orElse(null);
                assertNotNull(firstWithNew, "tokens signed by the new key");
                assertTrue(firstServed.isBefore(firstWithNew), "served at " + firstServed + ", first token " + firstWithNew);
                assertNotNull(oldGone, "the old key left both JWKS");
                Instant lastOldExp = minted.stream().filter(m -> m.kid().equals(oldKid)).map(Minted::exp)
                        .max(Instant::compareTo).orElseThrow();
                assertTrue(lastOldExp.isBefore(oldGone), "withdrawn at " + oldGone + ", last token expired " + lastOldExp);
                List<String> audit = a.auditLines();
                for (String type : List.of("key.published", "key.retired", "key.deleted")) {
                    assertEquals(1, audit.stream().filter(l -> l.contains("\"type\":\"" + type + "\"")).count(), type);
                }
                assertEquals(2, audit.stream().filter(l -> l.contains("\"type\":\"key.activated\"")).count(),
                        "the first key and the rotation, each activated once across the two replicas");
            } finally {
                stop.set(true);
                agents.shutdownNow();
            }
        }
    }
}
