package dev.airlock.core.grant;

import java.util.Objects;

/** The fresh factor one approval carries: a TOTP code, or a passkey's assertion made in one ops session. */
public sealed interface ApprovalProof {
    /** The factor's name in grants.yaml's {@code approval_factor} and in the approval's audit event. */
    String factor();

    record Code(String code) implements ApprovalProof {
        @Override
        public String factor() {
            return "totp";
        }
    }

    /** @param session the SHA-256 (hex) of the ops session token the approval arrived with */
    record Passkey(String session, PasskeyFactor.Assertion assertion) implements ApprovalProof {
        public Passkey {
            Objects.requireNonNull(session);
            Objects.requireNonNull(assertion);
        }

        @Override
        public String factor() {
            return "passkey";
        }
    }
}
