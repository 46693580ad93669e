package dev.cacheaside.internal;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The circuit breaker in front of the cache, as the engine asks and tells it: resilience4j's
 * breaker keeps the state and the rates; this class leaves out the calls that cannot change them.
 *
 * <p>With a count-based window of {@code n} calls, once the breaker is {@code CLOSED} and its
 * window holds {@code n} calls that all succeeded below the slow-call threshold, one more such
 * success leaves the window exactly as it was (the last {@code n} calls, all fast successes), so
 * it is not recorded: a hit on a healthy cache then costs the breaker two reads and no write.
 * Any error, slow success or state other than {@code CLOSED} is recorded as usual and ends the
 * leaving out until the window is again full of fast successes. A skipped success is ordered
 * before any error recorded concurrently, where it changes nothing either, so the breaker's state
 * and rates are the ones it would have with every call recorded. A time-based window records
 * every call (there a success left out would raise the rate of a later failure).
 *
 * <p>Thread safe; never blocks and, while it leaves successes out, allocates nothing.
 */
final class CircuitGuard {

    private final CircuitBreaker breaker;
    /** The window's size when count-based, else 0: every call is recorded. */
    private final int window;
    private final long slowNanos;
    /**
     * Bit 0: fast successes are left out. The rest counts the recorded calls that ended the
     * leaving out, so a decision to start it, made from the metrics before such a call, is lost.
     */
    private final AtomicLong clean = new AtomicLong();

    CircuitGuard(CircuitBreakerConfig config, Clock clock) {
        this.breaker = CircuitBreaker.of("cache", CircuitBreakerConfig.from(config).clock(clock).build());
        this.window = config.getSlidingWindowType() == CircuitBreakerConfig.SlidingWindowType.COUNT_BASED
                ? config.getSlidingWindowSize() : 0;
        this.slowNanos = config.getSlowCallDurationThreshold().toNanos();
    }

    /** Whether a call may go to the cache now; a permitted call ends in exactly one of the three below. */
    boolean permit() {
        return breaker.tryAcquirePermission();
    }

    /** The error of a call that was not permitted. */
    CallNotPermittedException refused() {
        return CallNotPermittedException.createCallNotPermittedException(breaker);
    }

    /** A permitted call succeeded after {@code nanos}. */
    void succeeded(long nanos) {
        long seen = clean.get();
        boolean fast = nanos < slowNanos;
        if ((seen & 1) != 0 && fast && breaker.getState() == CircuitBreaker.State.CLOSED) {
            return;
        }
        breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
        if (window == 0) {
            return;
        }
        if (!fast) {
            dirty();
        } else if ((seen & 1) == 0 && windowIsClean()) {
            // lost when an error, slow call or opening was recorded since {@code seen} was read
            clean.compareAndSet(seen, seen | 1);
        }
    }

    /** A permitted call failed with {@code error} after {@code nanos}. */
    void failed(long nanos, Throwable error) {
        breaker.onError(nanos, TimeUnit.NANOSECONDS, error);
        dirty();
    }

    /** A permitted call was cancelled: its permission goes back. */
    void released() {
        breaker.releasePermission();
    }

    /** The breaker's state: CLOSED, OPEN, HALF_OPEN, ... */
    CircuitBreaker.State state() {
        return breaker.getState();
    }

    /** The breaker itself; for tests. */
    CircuitBreaker breaker() {
        return breaker;
    }

    /** Records that a call which may change the window was recorded: successes are recorded again. */
    private void dirty() {
        if (window != 0) {
            clean.updateAndGet(v -> (v | 1) + 1);
        }
    }

    /** Whether the breaker is closed and its window full of fast successes. */
    private boolean windowIsClean() {
        if (breaker.getState() != CircuitBreaker.State.CLOSED) {
            return false;
        }
        CircuitBreaker.Metrics metrics = breaker.getMetrics();
        return metrics.getNumberOfBufferedCalls() >= window && metrics.getNumberOfFailedCalls() == 0
                && metrics.getNumberOfSlowCalls() == 0 && breaker.getState() == CircuitBreaker.State.CLOSED;
    }
}
