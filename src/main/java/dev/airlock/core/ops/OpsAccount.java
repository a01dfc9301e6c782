package dev.airlock.core.ops;

import java.time.Instant;
import java.util.List;
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
 * @param recentSteps    the last {@value #RECENT_STEPS} accepted steps, oldest first; a code for one of them is refused
 *                       even when an operator lowered {@code lastTotpStep} below it (issue 13: a code accepted while
 *                       the clock was ahead must not become valid again when real time reaches its step)
 * @param passkeys       enrolled WebAuthn credentials (issue 16), at most {@value Passkey#MAX_PER_ACCOUNT}
 * @param challenges     pending WebAuthn ceremonies, at most {@value PasskeyChallenge#MAX_PER_ACCOUNT}
 */
public record OpsAccount(String name, Set<String> groups, String passphraseHash, String totpSealed, long lastTotpStep,
                         int failures, Instant lockedUntil, Instant createdAt, boolean disabled, long version,
                         List<Long> recentSteps, List<Passkey> passkeys, List<PasskeyChallenge> challenges) {
    /**
     * How many accepted steps an account remembers. More codes than this accepted while a clock was ahead, then a
     * {@code reset-totp-step}: the oldest of them could be replayed once real time reaches its step (documented).
     */
    public static final int RECENT_STEPS = 32;

    public OpsAccount {
        Objects.requireNonNull(name);
        groups = Set.copyOf(groups);
        recentSteps = List.copyOf(recentSteps);
        if (recentSteps.size() > RECENT_STEPS) {
            recentSteps = recentSteps.subList(recentSteps.size() - RECENT_STEPS, recentSteps.size());
        }
        passkeys = List.copyOf(passkeys);
        challenges = List.copyOf(challenges);
        if (challenges.size() > PasskeyChallenge.MAX_PER_ACCOUNT) {
            challenges = challenges.subList(challenges.size() - PasskeyChallenge.MAX_PER_ACCOUNT, challenges.size());
        }
    }

    /** Without passkeys or pending ceremonies. */
    public OpsAccount(String name, Set<String> groups, String passphraseHash, String totpSealed, long lastTotpStep,
                      int failures, Instant lockedUntil, Instant createdAt, boolean disabled, long version,
                      List<Long> recentSteps) {
        this(name, groups, passphraseHash, totpSealed, lastTotpStep, failures, lockedUntil, createdAt, disabled, version,
                recentSteps, List.of(), List.of());
    }

    /** A newly enrolled secret: no step of it was ever accepted. */
    public OpsAccount(String name, Set<String> groups, String passphraseHash, String totpSealed, long lastTotpStep,
                      int failures, Instant lockedUntil, Instant createdAt, boolean disabled, long version) {
        this(name, groups, passphraseHash, totpSealed, lastTotpStep, failures, lockedUntil, createdAt, disabled, version,
                List.of());
    }

    /** The next version with these passkeys and pending ceremonies, everything else unchanged. */
    public OpsAccount withPasskeys(List<Passkey> keys, List<PasskeyChallenge> pending) {
        return new OpsAccount(name, groups, passphraseHash, totpSealed, lastTotpStep, failures, lockedUntil, createdAt,
                disabled, version + 1, recentSteps, keys, pending);
    }

    public java.util.Optional<Passkey> passkey(String id) {
        return passkeys.stream().filter(p -> p.id().equals(id)).findFirst();
    }

    /** Whether a code for {@code step} may be accepted: after the floor, and never one accepted before. */
    public boolean fresh(long step) {
        return step > lastTotpStep && !recentSteps.contains(step);
    }
}
