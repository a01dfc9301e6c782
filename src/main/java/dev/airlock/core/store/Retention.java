package dev.airlock.core.store;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * When a store may forget a revocation or a used client-assertion id (one rule for both, and for every store).
 * Forgetting one too early undoes it: the token, or the assertion (RFC 7523 §3: used once), is accepted again as soon
 * as the clock reads a time before its {@code exp}. The wall clock alone cannot decide that, because it steps: stepped
 * forward past a revoked token's {@code exp}, the revocation was purged; stepped back, the token was good again (issue
 * 13, finding 6). So an entry is forgotten only when the wall clock and monotonic time ({@link Ticker}) both say it
 * is long dead:
 * <ol>
 *   <li>the wall clock reads more than {@link #TOLERATED_STEP} past its {@code exp}, so a backward step of up to that
 *       much, later, still finds the token expired;</li>
 *   <li>it has been held, in monotonic time, for as long as its {@code exp} was ahead of the wall clock when the store
 *       learned it, plus any forward step seen since the store opened (at most {@link #LONGEST_LIFETIME}), plus
 *       {@link #TOLERATED_STEP}: a forward step of any size satisfies (1) at once, never this;</li>
 *   <li>nothing is forgotten in the first {@link #LONGEST_LIFETIME} plus {@link #TOLERATED_STEP} after the store
 *       opened: a process started with its clock already ahead cannot see that step, but every credential issued
 *       before the start expired, in real time, within {@link #LONGEST_LIFETIME} of it.</li>
 * </ol>
 * The bound: no backward step of up to {@link #TOLERATED_STEP}, and no forward step of any size (while running or
 * across a restart), revives an entry. Outside it: a backward step larger than {@link #TOLERATED_STEP} after an entry
 * was forgotten, and credentials issued while the clock was ahead, which carry that future time in their own claims.
 * The cost: an entry is held {@link #TOLERATED_STEP} past its {@code exp} (and through the start-up period), which
 * the caps of {@link AssertionLimits} count.
 */
public final class Retention {
    /**
     * The largest backward step of the wall clock that revives nothing: 5 minutes, the default clock skew of MIT
     * Kerberos (300 s), whose replay cache faces the same problem, and larger than the steps NTP makes on a running
     * host (ntpd steps past 128 ms of offset, and gives up beyond 1000 s).
     */
    public static final Duration TOLERATED_STEP = Duration.ofMinutes(5);
    /**
     * No credential Airlock accepts lives longer: tokens 15 minutes ({@code Policy.MAX_TOKEN_LIFETIME}, also the
     * default {@code exp} of an operator's revocation by jti), client assertions 10
     * ({@code ClientAuthenticator.MAX_ASSERTION_LIFETIME}).
     */
    public static final Duration LONGEST_LIFETIME = Duration.ofMinutes(15);

    private static final long STEP_SECONDS = TOLERATED_STEP.toSeconds();
    private static final long STEP_NANOS = TOLERATED_STEP.toNanos();
    private static final long LONGEST_NANOS = LONGEST_LIFETIME.toNanos();
    /** An {@code exp} further ahead than this is held by the wall clock's condition alone; keeps the sums finite. */
    private static final long MAX_AHEAD_SECONDS = Duration.ofDays(366).toSeconds();

    /** Both clocks, read once. {@code aheadNanos}: how far the wall clock stepped forward since open, capped. */
    public record Reading(long wallSecond, long monoNanos, long aheadNanos) {}

    private final Clock wall;
    private final Ticker ticker;
    private final long graceEndsNanos;
    private final long originSecond;
    /** The smallest (wall - monotonic) seen: a larger one now means the wall clock stepped forward since. */
    private final AtomicLong minOffset;

    public Retention(Clock wall, Ticker ticker) {
        this.wall = wall;
        this.ticker = ticker;
        Instant w = wall.instant();
        long m = ticker.nanoTime();
        this.originSecond = w.getEpochSecond();
        this.graceEndsNanos = m + LONGEST_NANOS + STEP_NANOS;
        this.minOffset = new AtomicLong(w.getNano() - m);
    }

    /** The store's clock and, if it has one, its own ticker (else {@link Ticker#SYSTEM}). */
    public static Retention of(Clock clock) {
        return new Retention(clock, Ticker.of(clock));
    }

    public Reading read() {
        Instant w = wall.instant();
        long m = ticker.nanoTime();
        // Relative to the second the store opened, so that the nanosecond sums cannot overflow for centuries.
        long offset = (w.getEpochSecond() - originSecond) * 1_000_000_000L + w.getNano() - m;
        long min = minOffset.accumulateAndGet(offset, Math::min);
        return new Reading(w.getEpochSecond(), m, Math.min(offset - min, LONGEST_NANOS));
    }

    /** The monotonic time before which an entry with this {@code exp}, learned at {@code now}, must be kept. */
    public long holdUntil(long expSecond, Reading now) {
        long aheadSeconds = Math.max(0, Math.min(expSecond - now.wallSecond(), MAX_AHEAD_SECONDS));
        long hold = now.monoNanos() + aheadSeconds * 1_000_000_000L + now.aheadNanos() + STEP_NANOS;
        return hold - graceEndsNanos < 0 ? graceEndsNanos : hold;
    }

    public boolean mayForget(long expSecond, long holdUntil, Reading now) {
        return now.wallSecond() - expSecond > STEP_SECONDS && now.monoNanos() - holdUntil >= 0;
    }

    /** How long until {@link #mayForget} turns true, if the clocks run normally meanwhile; at least a second. */
    public Duration untilForgettable(long expSecond, long holdUntil, Reading now) {
        long byWall = expSecond + STEP_SECONDS + 1 - now.wallSecond();
        long byMono = Math.floorDiv(holdUntil - now.monoNanos() + 999_999_999L, 1_000_000_000L);
        return Duration.ofSeconds(Math.max(1, Math.max(byWall, byMono)));
    }
}
