package dev.airlock.core.store;

import java.time.Clock;

/**
 * Monotonic time: how much time passed, which a wall-clock step (NTP, an operator's {@code date -s}, a VM resumed)
 * does not change. {@link System#nanoTime()} in production; a clock that tells a step from time passing (the tests'
 * clock) supplies its own by implementing this interface too.
 */
@FunctionalInterface
public interface Ticker {
    Ticker SYSTEM = System::nanoTime;

    /** Nanoseconds from an arbitrary origin; only differences mean anything (compare with {@code a - b < 0}). */
    long nanoTime();

    /** The clock's own ticker if it has one, else {@link #SYSTEM}. */
    static Ticker of(Clock clock) {
        return clock instanceof Ticker own ? own : SYSTEM;
    }
}
