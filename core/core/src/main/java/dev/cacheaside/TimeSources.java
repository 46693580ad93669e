package dev.cacheaside;

import java.time.Clock;
import java.util.Objects;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import reactor.core.scheduler.Scheduler;

/**
 * Where {@link CacheAsideOptions} take time and chance from, so that tests can replace them:
 * the wall clock of fresh times, the monotonic clock of latencies, the scheduler of timeouts and
 * lease-poll waits, and uniform random numbers for jitter and early refresh. An immutable value.
 *
 * @param clock the wall clock that entries' fresh times are written and read with
 * @param nanoTime the monotonic clock, in nanoseconds
 * @param scheduler the scheduler of timeouts and of the waits between lease polls
 * @param random uniform random numbers in [0, 1)
 */
record TimeSources(Clock clock, LongSupplier nanoTime, Scheduler scheduler, DoubleSupplier random) {

    /**
     * Checks the values.
     *
     * @throws NullPointerException naming the setting that is {@code null}
     */
    TimeSources {
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(nanoTime, "nanoTime");
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(random, "random");
    }
}
