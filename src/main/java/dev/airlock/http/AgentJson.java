package dev.airlock.http;

import dev.airlock.core.check.TokenAdmin;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Agents' run-time state as /v1/admin answers it, in the shape {@code airlock agent list --json} prints: one shape
 * whether the CLI read the data directory or asked a server.
 */
final class AgentJson {
    private AgentJson() {}

    static Map<String, Object> state(TokenAdmin admin, String id) {
        return admin.agents().stream().filter(a -> a.id().equals(id)).findFirst().map(TokenAdmin.AgentState::asMap)
                .orElseThrow(() -> new TokenAdmin.NoSuchAgent(id));
    }

    /** The secret, once, and what happened to the tokens the agent already holds (said, never left to guess). */
    static Map<String, Object> secret(String id, TokenAdmin.IssuedSecret issued) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("client_id", id);
        out.put("client_secret", issued.secret());
        out.put("tokens_void_until", issued.tokensVoidUntil() == null ? null : issued.tokensVoidUntil().toString());
        if (issued.revokeFailure() != null) out.put("revoke_tokens_failed", issued.revokeFailure());
        out.put("live_tokens", TokenAdmin.liveTokensNote(id, issued));
        return out;
    }
}
