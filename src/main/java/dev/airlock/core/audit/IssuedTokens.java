package dev.airlock.core.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * Whether Airlock ever issued a token with a given jti. Airlock stores no issued token (a JWT is checked by its
 * signature), but every issuance is an audit event carrying the jti, so the audit trail answers: the file
 * ({@link AuditLog}) or the PostgreSQL store's table. An operator's {@code revoke --jti} asks it before writing a
 * revocation, so that a mistyped or foreign id is told as such instead of "revoked" (issue 16).
 *
 * <p>Cost: the trail has no index by jti, so one answer reads the whole trail once (a sequential read of the file, or
 * one scan of the table): about a second per few hundred MB. That is paid only by an operator's revocation, a rare
 * command, never by a check or a token request.
 */
public interface IssuedTokens {
    /**
     * The audit event types that record a token's issuance, each with a {@code jti} field: the token endpoint's
     * ({@code token.minted}), a token exchange ({@code token.exchanged}) and a grant's redemption
     * ({@code grant.redeemed}). A new way to issue tokens adds its event
     * here, or its tokens cannot be revoked by jti.
     */
    Set<String> ISSUANCE_EVENTS = Set.of("token.minted", "token.exchanged", "grant.redeemed");

    /**
     * The shape of every jti Airlock issues (16 random bytes, unpadded base64url: {@code TokenMinter}). An id of any
     * other shape was never issued here, and is refused without reading the trail.
     */
    Pattern JTI_SHAPE = Pattern.compile("[A-Za-z0-9_-]{22}");

    /** Completes with whether an issuance event names {@code jti}; fails if the trail cannot be read. */
    CompletableFuture<Boolean> issued(String jti);

    /** Whether one audit line (as the trail stores it) records the issuance of {@code jti}. */
    static boolean records(String line, String jti) {
        // Cheap test first: almost every line does not contain the id at all.
        if (line.indexOf(jti) < 0) return false;
        try {
            JsonNode e = Json.MAPPER.readTree(line);
            return e != null && ISSUANCE_EVENTS.contains(e.path("type").asText()) && jti.equals(e.path("jti").asText());
        } catch (IOException torn) {
            return false; // a torn last line (a crash mid-write) records nothing
        }
    }

    /** Holder: an interface cannot have private fields. */
    final class Json {
        private static final ObjectMapper MAPPER = new ObjectMapper();

        private Json() {}
    }
}
