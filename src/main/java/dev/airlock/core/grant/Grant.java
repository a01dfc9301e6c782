package dev.airlock.core.grant;

import dev.airlock.core.token.OnBehalfOf;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A human grant: one agent asks for exact scopes on exact resources in one environment, for a stated reason.
 * Immutable; every change is a new version written with compare-and-set ({@code version} is the store's guard, so two
 * approvers racing, or two redemptions, produce exactly one transition).
 *
 * @param expiresAt       when a pending or approved-but-unredeemed grant expires
 * @param tokenJti        the one-shot token's jti once redeemed
 * @param usesLeft        uses of the redeemed token still allowed (decremented atomically by checks)
 * @param tokenExpiresAt  when the one-shot token expires, once redeemed
 * @param onBehalfOf      the user for whom the agent filed it (with a token from RFC 8693 token exchange), or null;
 *                        that user can never approve it ({@link GrantDecisions})
 */
public record Grant(String id, String agentId, String environment, List<String> scopes, List<String> resources,
                    String reason, String command, int requiredApprovals, List<Approval> approvals,
                    GrantStatus status, Instant createdAt, Instant expiresAt, String decidedBy, String denyReason,
                    Instant decidedAt, String tokenJti, int usesLeft, Instant tokenExpiresAt, long version,
                    OnBehalfOf onBehalfOf) {
    public Grant {
        Objects.requireNonNull(id);
        Objects.requireNonNull(agentId);
        Objects.requireNonNull(environment);
        Objects.requireNonNull(status);
        scopes = List.copyOf(scopes);
        resources = List.copyOf(resources);
        approvals = List.copyOf(approvals);
    }

    /** A grant the agent filed for itself. */
    public Grant(String id, String agentId, String environment, List<String> scopes, List<String> resources,
                 String reason, String command, int requiredApprovals, List<Approval> approvals,
                 GrantStatus status, Instant createdAt, Instant expiresAt, String decidedBy, String denyReason,
                 Instant decidedAt, String tokenJti, int usesLeft, Instant tokenExpiresAt, long version) {
        this(id, agentId, environment, scopes, resources, reason, command, requiredApprovals, approvals, status,
                createdAt, expiresAt, decidedBy, denyReason, decidedAt, tokenJti, usesLeft, tokenExpiresAt, version, null);
    }

    public boolean approvedBy(String person) {
        for (Approval a : approvals) {
            if (a.by().equals(person)) return true;
        }
        return false;
    }

    public List<String> approverNames() {
        List<String> out = new ArrayList<>();
        for (Approval a : approvals) out.add(a.by());
        return out;
    }

    /** The status as of {@code now}: a pending or approved grant past its expiry is expired even before it is saved so. */
    public GrantStatus statusAt(Instant now) {
        if ((status == GrantStatus.PENDING || status == GrantStatus.APPROVED) && !now.isBefore(expiresAt)) {
            return GrantStatus.EXPIRED;
        }
        return status;
    }

    Grant next(GrantStatus s, List<Approval> a, String decidedBy, String denyReason, Instant decidedAt, String jti,
               int uses, Instant tokenExp) {
        return new Grant(id, agentId, environment, scopes, resources, reason, command, requiredApprovals, a, s,
                createdAt, expiresAt, decidedBy, denyReason, decidedAt, jti, uses, tokenExp, version + 1, onBehalfOf);
    }
}
