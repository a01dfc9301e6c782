package dev.airlock.core.ops;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * An approver's last accepted TOTP step lies ahead of this server's clock, beyond the {@link Totp#WINDOW}: the clock
 * was ahead when that code was accepted and has since been corrected backwards (issue 13, finding 6). Every code
 * the person's phone shows is then for a step at or before the last accepted one, refused as a replay (RFC 6238
 * §5.2), until the clock catches up: as long as the step was. Said plainly, with the operator command that lowers the
 * floor ({@link OpsAccounts#resetTotpStep}), rather than "wrong code".
 *
 * @param stepsAhead how many 30-second steps the last accepted step is ahead of the current one
 */
public record StepAhead(String name, long stepsAhead) {
    /** The operator command that clears it; named in every message, so the person can pass it on. */
    public static final String COMMAND = "airlock ops reset-totp-step";

    /**
     * Present when {@code lastStep} is ahead of {@code now}'s step by more than the window. Only then: a floor one step
     * ahead is an ordinary consequence of the window (a code for the next step was used) and clears within a minute.
     */
    static Optional<StepAhead> of(String name, long lastStep, Instant now) {
        long ahead = lastStep - Totp.step(now);
        return ahead > Totp.WINDOW ? Optional.of(new StepAhead(name, ahead)) : Optional.empty();
    }

    public Duration ahead() {
        return Duration.ofSeconds(stepsAhead * Totp.STEP_SECONDS);
    }

    /** Whole minutes, rounded up, so that "0 minutes" is never said. */
    public long minutesAhead() {
        return (ahead().toSeconds() + 59) / 60;
    }

    public String message() {
        return "the last code accepted for " + name + " was for a time " + minutesAhead() + " minute"
                + (minutesAhead() == 1 ? "" : "s") + " ahead of this server's clock; the clock was probably corrected"
                + " backwards; an operator can run `" + COMMAND + " " + name + "`";
    }
}
