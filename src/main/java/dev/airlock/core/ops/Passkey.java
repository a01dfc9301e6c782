package dev.airlock.core.ops;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A WebAuthn credential enrolled by an approver (a platform authenticator or a security key), stored with their
 * {@link OpsAccount}. Nothing here is secret: the private key never leaves the authenticator.
 *
 * @param id             the credential id, base64url without padding (WebAuthn §6.1 credentialId)
 * @param credentialData the attested credential data (AAGUID, credential id, COSE public key) as the library's
 *                       {@code AttestedCredentialDataConverter} writes it, base64url: the library reads it back, so no
 *                       CBOR or COSE is parsed by hand
 * @param signCount      the last signature counter seen (WebAuthn §6.1.1); only a greater one is accepted when either
 *                       side is non-zero
 * @param transports     what the browser reported at enrolment (usb, nfc, ble, internal, hybrid), a hint for
 *                       {@code allowCredentials}
 * @param uvInitialized  user verification was performed at enrolment (required: it always is here)
 * @param backupEligible the BE flag at enrolment; WebAuthn §6.3.3 says it never changes for a credential
 * @param backedUp       the BS flag as last seen
 * @param label          the approver's own name for it ("laptop", "yubikey"), shown on the ops page
 * @param lastUsedAt     the last approval it signed; null before the first
 */
public record Passkey(String id, String credentialData, long signCount, List<String> transports, boolean uvInitialized,
                      boolean backupEligible, boolean backedUp, String label, Instant createdAt, Instant lastUsedAt) {
    /** Bounds what one account stores, and what one page of excludeCredentials carries. */
    public static final int MAX_PER_ACCOUNT = 10;
    public static final int MAX_LABEL = 64;

    public Passkey {
        Objects.requireNonNull(id);
        Objects.requireNonNull(credentialData);
        Objects.requireNonNull(label);
        Objects.requireNonNull(createdAt);
        transports = List.copyOf(transports);
    }

    /** This credential after a verified assertion: its new counter and backup state, used now. */
    public Passkey used(long counter, boolean nowBackedUp, Instant at) {
        return new Passkey(id, credentialData, counter, transports, uvInitialized, backupEligible, nowBackedUp, label,
                createdAt, at);
    }

    /** For tests and the counter-regression scenario: the same credential with another stored counter. */
    public Passkey withSignCount(long counter) {
        return new Passkey(id, credentialData, counter, transports, uvInitialized, backupEligible, backedUp, label,
                createdAt, lastUsedAt);
    }
}
