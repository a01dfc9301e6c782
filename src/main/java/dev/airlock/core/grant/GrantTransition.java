package dev.airlock.core.grant;

import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;

/**
 * Every way a grant may change, each with the states it may start from, the states it may lead to, its audit event
 * and its notification (issue 13, must-show 1: a transition type that makes an illegal move unrepresentable, applied by
 * the one write path, {@link GrantLedger#apply}). A move not listed here cannot be written.
 */
enum GrantTransition {
    /** A new grant: starts from nothing. */
    REQUEST("grant.requested", "created", Set.of(), EnumSet.of(GrantStatus.PENDING)),
    /** One approval; the grant stays pending until the quorum, then is approved. */
    APPROVE("grant.approved", "approved", EnumSet.of(GrantStatus.PENDING),
            EnumSet.of(GrantStatus.PENDING, GrantStatus.APPROVED)),
    DENY("grant.denied", "denied", EnumSet.of(GrantStatus.PENDING), EnumSet.of(GrantStatus.DENIED)),
    CANCEL("grant.cancelled", "cancelled", EnumSet.of(GrantStatus.PENDING, GrantStatus.APPROVED),
            EnumSet.of(GrantStatus.CANCELLED)),
    /** Only a grant whose expiry has passed; every other move from a live state needs it not to have passed. */
    EXPIRE("grant.expired", "expired", EnumSet.of(GrantStatus.PENDING, GrantStatus.APPROVED),
            EnumSet.of(GrantStatus.EXPIRED)),
    /** CIBA poll (OpenID CIBA §10.1): the one-shot token is minted for an approved grant, once. */
    REDEEM("grant.redeemed", "redeemed", EnumSet.of(GrantStatus.APPROVED), EnumSet.of(GrantStatus.REDEEMED)),
    /** One use of the redeemed grant's token; only while a use is left. */
    USE("grant.used", "used", EnumSet.of(GrantStatus.REDEEMED), EnumSet.of(GrantStatus.REDEEMED));

    private final String auditType;
    private final String notification;
    private final Set<GrantStatus> from;
    private final Set<GrantStatus> to;

    GrantTransition(String auditType, String notification, Set<GrantStatus> from, Set<GrantStatus> to) {
        this.auditType = auditType;
        this.notification = notification;
        this.from = from;
        this.to = to;
    }

    /** The audit event that records this move. */
    String auditType() {
        return auditType;
    }

    /** The notification vocabulary ({@code Webhook.EVENTS}; {@code used} is sent to none of them). */
    String notification() {
        return notification;
    }

    /** Whether {@code current} (null: no such grant) is a legal starting point at {@code now}. */
    boolean legalFrom(Grant current, Instant now) {
        if (current == null) return this == REQUEST;
        if (!from.contains(current.status())) return false;
        boolean expired = current.statusAt(now) == GrantStatus.EXPIRED;
        return switch (this) {
            case REQUEST -> false;
            case EXPIRE -> expired;
            case USE -> current.usesLeft() > 0;
            case APPROVE, DENY, CANCEL, REDEEM -> !expired;
        };
    }

    /** Whether {@code next} is a legal result of this move from {@code current}: a guard against a wrong step. */
    boolean legalTo(Grant current, Grant next) {
        if (!to.contains(next.status())) return false;
        if (current == null) return next.version() == 1;
        if (!next.id().equals(current.id()) || next.version() != current.version() + 1) return false;
        return this != USE || next.usesLeft() == current.usesLeft() - 1;
    }
}
