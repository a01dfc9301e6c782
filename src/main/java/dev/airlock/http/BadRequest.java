package dev.airlock.http;

/**
 * The caller's fault: rendered as a 4xx in the endpoint's own error format by {@link Responses#failure}. Messages are
 * written for the caller and must never contain a secret or a stack trace.
 */
public final class BadRequest extends RuntimeException {
    private final int status;
    private final String oauthError;

    public BadRequest(int status, String oauthError, String message) {
        super(message, null, false, false);
        this.status = status;
        this.oauthError = oauthError;
    }

    public BadRequest(String message) {
        this(400, "invalid_request", message);
    }

    public int status() {
        return status;
    }

    public String oauthError() {
        return oauthError;
    }
}
