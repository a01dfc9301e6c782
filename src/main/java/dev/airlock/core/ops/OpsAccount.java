package dev.airlock.core.ops;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * A human approver: a separate realm from agents. Versioned like grants, so that accepting a TOTP code (which must
 * happen once) and counting failures are compare-and-set transitions.
 *
 * @param passphraseHash Argon2id, PHC string format ({@code $argon2id$v=19$m=...,t=...,p=...$salt$hash})
 * @param totpSealed     the TOTP secret sealed under the master key (base64), never stored in clear
 * @param lastTotpStep   the RFC 6238 time step of the last accepted code; only later steps are accepted (replay)
 * @param failures       consecutive failed sign-ins or approvals since the last success
 * @param lockedUntil    no sign-in before this instant (null when not locked)
 */
public record OpsAccount(String name, Set<String> groups, String passphraseHash, String totpSealed, long lastTotpStep,
                         int failures, Instant lockedUntil, Instant createdAt, boolean disabled, long version) {
    public OpsAccount {
        Objects.requireNonNull(name);
        groups = Set.copyOf(groups);
    }
}
