package dev.airlock.core.proxy;

import dev.airlock.core.token.AccessToken;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the proxy does with one request: forward it with the provider's credential, or refuse it, and why.
 *
 * @param kind       forward, or which kind of refusal (the HTTP layer picks the status from it)
 * @param code       stable for machines: {@code allowed}, a check code ({@code resource_in_other_environment}), a
 *                   mapping code ({@code unmapped_request}) or a proxy code ({@code credential_unavailable})
 * @param reason     for people; never holds a credential or a body
 * @param guidance   how to ask people for a grant, when a grant would fix the refusal; else null
 * @param actions    what the request was mapped to; empty when it was not mapped
 * @param refused    the action the refusal fell on; null when it fell on the request as a whole
 * @param token      the agent's verified token, when it verified
 * @param credential the header to add upstream; only on {@link Kind#FORWARD}
 */
public record ProxyVerdict(Kind kind, String code, String reason, Map<String, Object> guidance,
                           List<ProxyAction> actions, ProxyAction refused, AccessToken token, Credential credential) {
    public enum Kind {
        FORWARD,
        /** No usable Airlock token: missing, malformed, expired, foreign or revoked (RFC 6750 §3.1 invalid_token). */
        UNAUTHENTICATED,
        /** The token is fine; what the request would do is not allowed, or cannot be told. */
        FORBIDDEN,
        /** Allowed, but the provider's credential cannot be read: the operator's problem, not the agent's. */
        CREDENTIAL_UNAVAILABLE
    }

    public ProxyVerdict {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(reason, "reason");
        actions = List.copyOf(actions);
        if ((kind == Kind.FORWARD) != (credential != null)) {
            throw new IllegalArgumentException("a credential exactly when forwarding");
        }
    }

    public boolean forward() {
        return kind == Kind.FORWARD;
    }

    /**
     * The rendered header to set on the forwarded request. {@link #toString} hides the value, so that a verdict
     * that ends up in a log message or an assertion failure does not carry the credential with it.
     */
    public record Credential(String header, String value) {
        public Credential {
            Objects.requireNonNull(header, "header");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String toString() {
            return header + ": [redacted]";
        }
    }
}
