package dev.airlock.core.token;

import com.nimbusds.jose.JWSAlgorithm;
import java.time.Instant;
import java.util.Objects;

/**
 * One signing key as a {@link KeyStore} holds it: the private key only sealed under the master key, and its
 * schedule.
 *
 * @param publishedAt when it was written (and so could first appear in the JWKS)
 * @param activatesAt the earliest moment it may sign: its publication plus the publication delay
 * @param activatedAt when a server actually made it the signing key (after auditing that); null while it has not.
 *                    Its predecessor's retirement, and so that key's deletion, counts from this moment, not from the
 *                    schedule, so a late activation (server down, audit log failing) never shortens it.
 */
public record StoredKey(String kid, JWSAlgorithm algorithm, Instant publishedAt, Instant activatesAt,
                        Instant activatedAt, byte[] sealed) {
    public StoredKey {
        Objects.requireNonNull(kid);
        Objects.requireNonNull(algorithm);
        Objects.requireNonNull(publishedAt);
        Objects.requireNonNull(activatesAt);
        Objects.requireNonNull(sealed);
        sealed = sealed.clone();
    }

    @Override
    public byte[] sealed() {
        return sealed.clone();
    }

    public StoredKey activated(Instant at) {
        return new StoredKey(kid, algorithm, publishedAt, activatesAt, at, sealed);
    }
}
