package dev.airlock.core.auth;

/** What a client presented at the token, introspection or revocation endpoint. */
public sealed interface ClientCredentials {
    /** The client id the credentials claim, before they are checked (for throttling and the audit log). */
    String claimedClientId();

    /** RFC 6749 §2.3.1 HTTP Basic. */
    record SecretBasic(String clientId, String secret) implements ClientCredentials {
        @Override
        public String claimedClientId() {
            return clientId;
        }

        @Override
        public String toString() {
            return "SecretBasic[" + clientId + ", secret=***]";
        }
    }

    /** RFC 7523 §2.2 / RFC 7521 §4.2: {@code client_assertion} with an optional {@code client_id}. */
    record Assertion(String clientIdParam, String assertionType, String assertion)
            implements ClientCredentials {
        @Override
        public String claimedClientId() {
            return clientIdParam;
        }

        @Override
        public String toString() {
            return "Assertion[" + claimedClientId() + "]";
        }
    }
}
