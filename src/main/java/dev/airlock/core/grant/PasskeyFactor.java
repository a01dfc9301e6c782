package dev.airlock.core.grant;

import java.util.concurrent.CompletableFuture;

/**
 * The passkey as an approval's fresh factor (issue 16): a WebAuthn assertion with user verification over the
 * challenge derived from the grant as stored ({@link ApprovalChallenge}) and a nonce issued to the approver's session
 * for that grant. Completes with the verdict; every refusal is already audited by the implementation.
 */
public interface PasskeyFactor {
    /** What {@code navigator.credentials.get} returned, base64url fields as the page sends them. */
    record Assertion(String credentialId, String clientDataJSON, String authenticatorData, String signature,
                     String userHandle) {}

    /** Accepted ({@code code} null), or refused with an HTTP status, a code and what the approver should do. */
    record Verdict(int status, String code, String message) {
        public static final Verdict OK = new Verdict(200, null, null);

        public boolean ok() {
            return code == null;
        }
    }

    /**
     * @param session the SHA-256 (hex) of the approver's ops session token: a nonce issued to another session does not
     *                count
     */
    CompletableFuture<Verdict> verify(String approver, String session, Grant g, Assertion assertion);

    /** Where no passkeys are configured (tests of other parts): every assertion is refused. */
    PasskeyFactor NONE = (approver, session, g, a) -> CompletableFuture.completedFuture(
            new Verdict(403, "passkey_unavailable", "passkeys are not available here"));
}
