package dev.airlock.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import dev.airlock.core.crypto.MasterKey;
import dev.airlock.core.crypto.SecretBox;
import dev.airlock.core.token.KeyFolder;
import dev.airlock.core.token.KeyRotation;
import dev.airlock.core.token.KeySchedule;
import dev.airlock.core.token.StoredKey;
import dev.airlock.testing.GatewayVerifier;
import dev.airlock.testing.TestAirlock;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, key rotation under load: a real server, agents minting tokens over HTTP all along, and a gateway that
 * verifies each token independently with a JWKS it caches for Airlock's {@code max-age}, while a rotation runs through
 * every phase (published, activated, old key retired, old key deleted) on the server's own periodic refresh.
 *
 * <ol>
 *   <li>The gateway fetches the JWKS (old key only); agents start minting.</li>
 *   <li>Another process publishes the next key (as {@code airlock keys rotate} does) with the default delay.</li>
 *   <li>The clock moves 30 s at a time, with tokens minted and verified at every step, through the activation and
 *       until the old key has left the JWKS; tokens of the old key still alive are verified again at every step.</li>
 * </ol>
 * No request may fail, no token may fail to verify, the new kid must be served before any token carries it, and
 * the old kid must leave the JWKS only after its last token expired.
 */
class KeyRotationUnderLoadTest {
    static final int AGENTS = 3;
    static final int TOKENS_PER_STEP = 6;
    static final Duration STEP = Duration.ofSeconds(30);

    record Minted(String jwt, String kid, Instant iat, Instant exp) {}

    @Test
    void rotationUnderLoadThenNoRequestFailsNoTokenFailsAndTheJwksLeadsAndTrailsEverySigningKey() throws Exception {
        try (TestAirlock a = TestAirlock.start()) {
            String secret = a.issueSecret("coding-agent");
            String oldKid = a.airlock.keys.active().kid();
            GatewayVerifier gateway = new GatewayVerifier(a.base, "urn:airlock:env:dev", a.clock);
            Queue<String> failures = new ConcurrentLinkedQueue<>();
            Queue<Minted> minted = new ConcurrentLinkedQueue<>();
            AtomicInteger count = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService agents = Executors.newFixedThreadPool(AGENTS);
            List<Future<?>> running = new java.util.ArrayList<>();
            for (int i = 0; i < AGENTS; i++) {
                running.add(agents.submit(() -> {
                    while (!stop.get()) {
                        try {
                            TestAirlock.Reply r = a.token("coding-agent", secret, "dev", "db:read");
                            if (r.status() != 200) {
                                failures.add("token request answered " + r.status() + ": " + r.body());
                                continue;
                            }
                            String jwt = r.json().get("access_token").asText();
                            SignedJWT parsed = SignedJWT.parse(jwt);
                            String kid = parsed.getHeader().getKeyID();
                            try {
                                gateway.verify(jwt);
                            } catch (Exception e) {
                                failures.add("fresh token of " + kid + " failed at the gateway: " + e.getMessage());
                            }
                            minted.add(new Minted(jwt, kid, parsed.getJWTClaimsSet().getIssueTime().toInstant(),
                                    parsed.getJWTClaimsSet().getExpirationTime().toInstant()));
                            count.incrementAndGet();
                            // Load, not a flood: the machine is shared, and the server's refresh must get its turn.
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
                await(() -> count.get() >= TOKENS_PER_STEP, "first tokens");

                // Step 2: published by another process, with the default delay, on the server's data directory.
                SecretBox box = new SecretBox(MasterKey.load(a.dataDir, null, new SecureRandom()), new SecureRandom());
                StoredKey next = KeyRotation.publish(KeyFolder.of(a.dataDir), box, JWSAlgorithm.EdDSA,
                        KeySchedule.DEFAULT_PUBLICATION_DELAY, a.clock, new SecureRandom(), a.airlock.audit);
                await(() -> jwksKids(a).contains(next.kid()), "the server to publish the new key");
                Instant firstServed = a.clock.instant();

                // Step 3: the clock moves until the old key has gone from the JWKS.
                Instant oldGone = null;
                for (int step = 0; step < 80 && oldGone == null; step++) {
                    a.clock.advance(STEP);
                    int target = count.get() + TOKENS_PER_STEP;
                    await(() -> count.get() >= target, "tokens at step " + step);
                    Instant now = a.clock.instant();
                    if (!now.isBefore(next.activatesAt())) {
                        await(() -> a.airlock.keys.active().kid().equals(next.kid()), "the server to activate");
                    }
                    for (Minted m : minted) {
                        if (!m.kid().equals(oldKid) || !now.isBefore(m.exp())) continue;
                        try {
                            gateway.verify(m.jwt());
                        } catch (Exception e) {
                            failures.add("live token of " + oldKid + " (exp " + m.exp() + ") failed at " + now + ": "
                                    + e.getMessage());
                        }
                    }
                    if (!jwksKids(a).contains(oldKid)) oldGone = now;
                }
                stop.set(true);
                for (Future<?> f : running) f.get();

                assertEquals(List.of(), List.copyOf(failures).subList(0, Math.min(5, failures.size())),
                        failures.size() + " failures");
                Instant firstWithNew = minted.stream().filter(m -> m.kid().equals(next.kid())).map(Minted::iat)
                        .min(Instant::compareTo).orElse(null);
                assertNotNull(firstWithNew, "tokens signed by the new key");
                assertTrue(firstServed.isBefore(firstWithNew), "served at " + firstServed + ", first token " + firstWithNew);
                assertNotNull(oldGone, "the old key left the JWKS");
                Instant lastOldExp = minted.stream().filter(m -> m.kid().equals(oldKid)).map(Minted::exp)
                        .max(Instant::compareTo).orElseThrow();
                assertTrue(lastOldExp.isBefore(oldGone), "old key withdrawn at " + oldGone + ", its last token expired at "
                        + lastOldExp);
                assertTrue(gateway.fetches() > 1, "the gateway refreshed its JWKS along the way");
                assertFalse(Files.exists(a.dataDir.resolve("keys").resolve(oldKid + ".json")));
                String audit = String.join("\n", a.auditLines());
                for (String type : List.of("key.published", "key.activated", "key.retired", "key.deleted")) {
                    assertTrue(audit.contains("\"" + type + "\""), type);
                }
            } finally {
                stop.set(true);
                agents.shutdownNow();
            }
        }
    }

    static Set<String> jwksKids(TestAirlock a) {
        try {
            return JWKSet.parse(a.get("/.well-known/jwks.json").body()).getKeys().stream().map(JWK::getKeyID)
                    .collect(Collectors.toSet());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Waits for something the server does on its own refresh; a bound, not a timing assertion. */
    static void await(BooleanSupplier done, String what) throws InterruptedException {
        for (int i = 0; i < 1200; i++) {
            if (done.getAsBoolean()) return;
            Thread.sleep(50);
        }
        throw new AssertionError("gave up waiting for " + what);
    }
}
