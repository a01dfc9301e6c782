package dev.airlock.testing;

import dev.airlock.core.store.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A UTC clock that tests move by hand; safe to read and move from several threads. It keeps monotonic time too
 * ({@link Ticker}), so that a test can tell time passing ({@link #advance}, {@link #set} forward: both move) from a
 * step of the wall clock ({@link #step}, {@link #set} backward: only the wall clock moves), as NTP or an operator
 * would make one.
 */
public final class MutableClock extends Clock implements Ticker {

    private final AtomicReference<Instant> now;
    private final AtomicLong nanos;
    private final ZoneId zone;

    public MutableClock(Instant start) {
        this(new AtomicReference<>(start), new AtomicLong(), ZoneOffset.UTC);
    }

    private MutableClock(AtomicReference<Instant> now, AtomicLong nanos, ZoneId zone) {
        this.now = now;
        this.nanos = nanos;
        this.zone = zone;
    }

    /** E.g. {@code MutableClock.at("2030-01-01T00:00:00Z")}. */
    public static MutableClock at(String isoInstant) {
        return new MutableClock(Instant.parse(isoInstant));
    }

    /** Time passes: both clocks move forward. A negative duration is a backward step (monotonic time stays). */
    public synchronized MutableClock advance(Duration by) {
        now.updateAndGet(t -> t.plus(by));
        if (!by.isNegative()) nanos.addAndGet(by.toNanos());
        return this;
    }

    /** To a later instant: time passes. To an earlier one: a backward step. */
    public synchronized MutableClock set(Instant instant) {
        Instant before = now.getAndSet(instant);
        if (instant.isAfter(before)) nanos.addAndGet(Duration.between(before, instant).toNanos());
        return this;
    }

    /** A step of the wall clock, either way, while no time passes. */
    public synchronized MutableClock step(Duration by) {
        now.updateAndGet(t -> t.plus(by));
        return this;
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    @Override
    public long nanoTime() {
        return nanos.get();
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    /** Shares the same moving instant and monotonic time. */
    @Override
    public Clock withZone(ZoneId other) {
        return new MutableClock(now, nanos, other);
    }
}
