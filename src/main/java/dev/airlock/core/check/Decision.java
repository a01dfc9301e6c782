package dev.airlock.core.check;

import dev.airlock.core.token.AccessToken;
import java.util.Map;

/**
 * The answer to "may this token do this action on this resource in this environment?".
 *
 * @param code     stable, machine-readable: {@code allowed} or the refusal kind
 * @param reason   for people: says exactly what is wrong ("resource vol-7f3a belongs to production")
 * @param token    the verified token, when it verified
 * @param guidance how to get a human grant, for refusals a grant would fix; else null
 */
public record Decision(boolean allowed, String code, String reason, AccessToken token, Map<String, Object> guidance) {
    public static Decision allow(AccessToken token, String reason) {
        return new Decision(true, "allowed", reason, token, null);
    }

    public static Decision deny(String code, String reason, AccessToken token) {
        return new Decision(false, code, reason, token, null);
    }

    public Decision withGuidance(Map<String, Object> g) {
        return new Decision(allowed, code, reason, token, g);
    }
}
