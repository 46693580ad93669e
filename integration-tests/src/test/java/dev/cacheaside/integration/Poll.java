package dev.cacheaside.integration;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.assertj.core.api.Assertions;

/** Bounded waiting on a condition, for the integration tests: never a sleep for timing. */
final class Poll {

    /** How often a condition is checked. */
    private static final long INTERVAL_NANOS = Duration.ofMillis(5).toNanos();

    private Poll() {
    }

    /**
     * Checks {@code condition} until it holds, for at most {@code timeout}.
     *
     * @return how long it took
     * @throws AssertionError naming {@code what} when the condition still does not hold at the deadline
     */
    static Duration until(String what, Duration timeout, BooleanSupplier condition) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                Assertions.fail("waited " + timeout + " for: " + what);
            }
            LockSupport.parkNanos(INTERVAL_NANOS);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
