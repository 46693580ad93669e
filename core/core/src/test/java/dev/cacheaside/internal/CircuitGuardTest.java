package dev.cacheaside.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.CacheAsideOptions;
import dev.cacheaside.MutableClock;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * {@link CircuitGuard}: successes that cannot change a full, clean count-based window are left
 * out, and the breaker's state, rates and answers stay those of a breaker that records every call.
 */
class CircuitGuardTest {

    private static final long FAST = 1_000;
    private static final Duration SLOW_THRESHOLD = Duration.ofMillis(50);

    @Test
    void onAHealthyCacheOnlyTheSuccessesThatFillTheWindowAreRecorded() {
        CircuitGuard guard = new CircuitGuard(CacheAsideOptions.DEFAULT_CIRCUIT_BREAKER, new MutableClock());
        AtomicInteger recorded = new AtomicInteger();
        guard.breaker().getEventPublisher().onSuccess(e -> recorded.incrementAndGet());
        int window = CacheAsideOptions.DEFAULT_CIRCUIT_BREAKER.getSlidingWindowSize();

        succeed(guard, 1_000);
        assertThat(recorded).as("successes recorded of 1,000").hasValue(window);

        assertThat(guard.permit()).isTrue();
        guard.failed(FAST, new IllegalStateException("Connection reset"));
        succeed(guard, 1_000);
        assertThat(recorded).as("after a failure, the successes that push it out of the window are recorded again")
                .hasValue(2 * window);
        assertThat(guard.breaker().getMetrics().getNumberOfFailedCalls()).as("failures left in the window").isZero();
    }

    @Test
    void aTimeBasedWindowRecordsEveryCall() {
        CircuitBreakerConfig timeBased = CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.TIME_BASED).slidingWindowSize(10).build();
        CircuitGuard guard = new CircuitGuard(timeBased, new MutableClock());
        AtomicInteger recorded = new AtomicInteger();
        guard.breaker().getEventPublisher().onSuccess(e -> recorded.incrementAndGet());
        succeed(guard, 100);
        assertThat(recorded).hasValue(100);
    }

    /**
     * Any sequence of calls (fast and slow successes, failures, ignored errors, time passing)
     * leaves the guarded breaker in the same state, with the same metrics and the same answers to
     * {@code permit}, as a breaker of the same settings that records every call.
     */
    @Property(tries = 300)
    void theBreakerBehavesAsIfEveryCallWereRecorded(@ForAll @IntRange(min = 2, max = 12) int window,
            @ForAll @IntRange(min = 1, max = 12) int minimumCalls,
            @ForAll @Size(max = 400) List<@IntRange(min = 0, max = 9) Integer> steps) {
        CircuitBreakerConfig config = CircuitBreakerConfig.from(CacheAsideOptions.DEFAULT_CIRCUIT_BREAKER)
                .slidingWindowSize(window).minimumNumberOfCalls(Math.min(minimumCalls, window))
                .slowCallDurationThreshold(SLOW_THRESHOLD).slowCallRateThreshold(50)
                .waitDurationInOpenState(Duration.ofSeconds(1)).permittedNumberOfCallsInHalfOpenState(2).build();
        MutableClock clock = new MutableClock();
        CircuitGuard guard = new CircuitGuard(config, clock);
        CircuitBreaker every = CircuitBreaker.of("reference", CircuitBreakerConfig.from(config).clock(clock).build());

        for (int step : steps) {
            if (step == 9) {
                clock.advance(Duration.ofMillis(600));
                continue;
            }
            boolean permitted = guard.permit();
            assertThat(every.tryAcquirePermission()).as("permitted").isEqualTo(permitted);
            if (!permitted) {
                continue;
            }
            switch (step) {
                case 6 -> guard.succeeded(SLOW_THRESHOLD.toNanos() * 2);
                case 7 -> guard.failed(FAST, new IllegalStateException("Connection refused"));
                case 8 -> guard.failed(FAST, new IllegalArgumentException("ignored by the breaker"));
                default -> guard.succeeded(FAST);
            }
            switch (step) {
                case 6 -> every.onSuccess(SLOW_THRESHOLD.toNanos() * 2, java.util.concurrent.TimeUnit.NANOSECONDS);
                case 7 -> every.onError(FAST, java.util.concurrent.TimeUnit.NANOSECONDS, new IllegalStateException("x"));
                case 8 -> every.onError(FAST, java.util.concurrent.TimeUnit.NANOSECONDS, new IllegalArgumentException("x"));
                default -> every.onSuccess(FAST, java.util.concurrent.TimeUnit.NANOSECONDS);
            }
            CircuitBreaker.Metrics got = guard.breaker().getMetrics();
            CircuitBreaker.Metrics want = every.getMetrics();
            assertThat(guard.state()).as("state").isEqualTo(every.getState());
            assertThat(got.getFailureRate()).as("failure rate").isEqualTo(want.getFailureRate());
            assertThat(got.getSlowCallRate()).as("slow call rate").isEqualTo(want.getSlowCallRate());
            assertThat(got.getNumberOfBufferedCalls()).as("buffered calls").isEqualTo(want.getNumberOfBufferedCalls());
            assertThat(got.getNumberOfFailedCalls()).as("failed calls").isEqualTo(want.getNumberOfFailedCalls());
            assertThat(got.getNumberOfSlowCalls()).as("slow calls").isEqualTo(want.getNumberOfSlowCalls());
        }
    }

    private static void succeed(CircuitGuard guard, int calls) {
        for (int i = 0; i < calls; i++) {
            assertThat(guard.permit()).isTrue();
            guard.succeeded(FAST);
        }
    }
}
