package dev.airlock.core.ops;

import java.time.Instant;
import java.util.Objects;

/**
 * A server nonce handed to one ops session for one WebAuthn ceremony, stored with the account until it is used (once)
 * or expires. Stored, not kept in one replica's memory, so that a ceremony begun through one replica can finish
 * through another, and so that "used once" holds across replicas (the account's compare-and-set save consumes it).
 *
 * @param nonce   32 random bytes, base64url; for an enrolment it is the WebAuthn challenge itself, for an approval one
 *                input of the derived challenge ({@code ApprovalChallenge})
 * @param purpose what the nonce may be used for
 * @param grantId the grant an approval nonce was issued for; null for an enrolment
 * @param session the SHA-256 (hex) of the ops session token that asked for it: another session cannot use it
 */
public record PasskeyChallenge(String nonce, Purpose purpose, String grantId, String session, Instant expiresAt) {
    /** Pending ceremonies one account keeps; a further one drops the oldest (bounded storage per account). */
    public static final int MAX_PER_ACCOUNT = 8;

    public enum Purpose {
        ENROL, APPROVE;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static Purpose parse(String s) {
            return switch (s) {
                case "enrol" -> ENROL;
                case "approve" -> APPROVE;
                default -> throw new IllegalArgumentException("unknown passkey challenge purpose '" + s + "'");
            };
        }
    }

    public PasskeyChallenge {
        Objects.requireNonNull(nonce);
        Objects.requireNonNull(purpose);
        Objects.requireNonNull(session);
        Objects.requireNonNull(expiresAt);
        if ((purpose == Purpose.APPROVE) != (grantId != null)) {
            throw new IllegalArgumentException("an approval nonce names its grant, an enrolment nonce none");
        }
    }

    public boolean liveAt(Instant now) {
        return now.isBefore(expiresAt);
    }
}
