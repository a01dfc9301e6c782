package dev.airlock.core.oauth;

import java.util.Map;

/**
 * An RFC 6749 §5.2 error. {@code extra} holds extension members (e.g. how to request a human grant) that clients which
 * do not know them ignore. {@code retryAfterSeconds} is set when the client is throttled.
 */
public record OAuthError(int status, String error, String description, Map<String, Object> extra, Long retryAfterSeconds) {
    public OAuthError {
        extra = extra == null ? Map.of() : Map.copyOf(extra);
    }

    public static OAuthError of(String error, String description) {
        return new OAuthError(400, error, description, null, null);
    }

    public static OAuthError invalidRequest(String description) {
        return of("invalid_request", description);
    }

    public static OAuthError invalidClient(String description) {
        // RFC 6749 §5.2: 401 when the client tried HTTP Basic; we answer 401 for every method, with WWW-Authenticate.
        return new OAuthError(401, "invalid_client", description, null, null);
    }

    public static OAuthError throttled(long retryAfterSeconds) {
        return new OAuthError(429, "invalid_client", "too many failed attempts; retry after " + retryAfterSeconds + " s",
                null, retryAfterSeconds);
    }
}
