package dev.airlock.core.grant;

import java.util.Map;

/**
 * The result of a grant operation: the grant, or a refusal the HTTP layer renders as problem details.
 *
 * @param status HTTP-like status of a refusal: 400 bad request, 403 not allowed, 404 unknown (or not yours),
 *               409 wrong state, 429 too many
 * @param code   stable machine-readable refusal code
 */
public record GrantOutcome(Grant grant, int status, String code, String message, Map<String, Object> extra) {
    public static GrantOutcome ok(Grant g) {
        return new GrantOutcome(g, 200, null, null, Map.of());
    }

    public static GrantOutcome refused(int status, String code, String message) {
        return new GrantOutcome(null, status, code, message, Map.of());
    }

    public boolean ok() {
        return grant != null;
    }
}
