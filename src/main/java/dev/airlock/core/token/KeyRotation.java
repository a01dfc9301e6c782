package dev.airlock.core.token;

import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.crypto.SecretBox;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Starts a rotation: publishes a new key that a running server will activate once {@code delay} has passed
 * ({@link KeyRing#refresh}). Publication first is the whole point: a verifier that caches the JWKS for its
 * {@code max-age} must have seen the new key before any token carries it, or it rejects every new token until its
 * cache expires (RFC 7517 gives no other way to learn a key). Works on the store of a running server: the server
 * picks the key up at its next refresh.
 */
public final class KeyRotation {
    private KeyRotation() {}

    /** A rotation refused before anything was written; the message is for the operator. */
    public static final class Refused extends Exception {
        Refused(String message) {
            super(message);
        }
    }

    /**
     * Generates a key of {@code algorithm} (either algorithm: verifiers pick the key by kid and check its alg), audits
     * {@code key.published}, then stores it with its activation time.
     *
     * @throws Refused if the delay is out of bounds, no key is active yet (start the server once), or a rotation
     *                 is already pending (two NEXT keys would make the order of activation ambiguous)
     */
    public static StoredKey publish(KeyStore store, SecretBox box, JWSAlgorithm algorithm, Duration delay, Clock clock,
                                    SecureRandom random, AuditSink audit) throws IOException, Refused {
        if (delay.isNegative() || delay.compareTo(KeySchedule.MAX_PUBLICATION_DELAY) > 0) {
            throw new Refused("the publication delay must be between 0 and " + KeySchedule.MAX_PUBLICATION_DELAY
                    .toHours() + " hours, not " + delay.toSeconds() + " s");
        }
        if (!JWSAlgorithm.EdDSA.equals(algorithm) && !JWSAlgorithm.ES256.equals(algorithm)) {
            throw new Refused("signing algorithm must be EdDSA or ES256, not " + algorithm);
        }
        Instant now = clock.instant();
        List<KeySchedule.Status> statuses = KeySchedule.at(store.list(), now);
        if (KeySchedule.active(statuses).isEmpty()) {
            throw new Refused("no signing key is active yet: start the server once, it creates the first key");
        }
        // A key sealed under another master key (a CLI run with the wrong AIRLOCK_MASTER_KEY or data directory) would
        // be published to every replica, none could unseal it, and every key refresh would fail from then on.
        KeyMaterial.unseal(KeySchedule.active(statuses).get().key(), box);
        for (KeySchedule.Status s : statuses) {
            if (s.state() == KeyState.NEXT) {
                throw new Refused("a rotation is already pending: key " + s.key().kid() + " activates at "
                        + s.key().activatesAt() + "; wait until it signs");
            }
        }
        StoredKey key = KeyMaterial.generate(algorithm, box, random, now, now.plus(delay), null);
        // Audited with the key (first, on the key folder): a published key the log does not know of would be a key
        // no one can account for.
        boolean stored = store.record(new KeyChange.Publish(key), List.of(AuditEvent.of("key.published")
                .with("kid", key.kid()).with("alg", algorithm.getName())
                .with("activates", key.activatesAt().toString()).build()), audit);
        if (!stored) throw new IOException("key " + key.kid() + " is already stored");
        return key;
    }

    /** As above, on the ring's own store. */
    public static StoredKey publish(KeyRing ring, JWSAlgorithm algorithm, Duration delay, Clock clock,
                                    SecureRandom random, AuditSink audit) throws IOException, Refused {
        return publish(ring.store(), ring.box(), algorithm, delay, clock, random, audit);
    }
}
