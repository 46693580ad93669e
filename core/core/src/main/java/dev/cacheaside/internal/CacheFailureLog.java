package dev.cacheaside.internal;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Logs cache failures without flooding the log while a cache is down: calls skipped by an open
 * circuit breaker at DEBUG, other failures at WARN at most once a second, each line saying how
 * many were left out since the last one.
 */
final class CacheFailureLog {

    private static final long INTERVAL_NANOS = 1_000_000_000L;

    private final Logger log;
    private final LongSupplier nanoTime;
    private final AtomicLong nextWarnAt;
    private final AtomicLong suppressed = new AtomicLong();

    public CacheFailureLog(Logger log, LongSupplier nanoTime) {
        this.log = log;
        this.nanoTime = nanoTime;
        this.nextWarnAt = new AtomicLong(nanoTime.getAsLong());
    }

    /** Logs {@code what} (for example "cache read of query:ab.. failed, the database answers"). */
    public void failed(String what, Throwable error) {
        if (error instanceof CallNotPermittedException) {
            log.debug("{}: {}", what, error.toString());
            return;
        }
        long now = nanoTime.getAsLong();
        long next = nextWarnAt.get();
        if (now - next >= 0 && nextWarnAt.compareAndSet(next, now + INTERVAL_NANOS)) {
            long left = suppressed.getAndSet(0);
            if (left > 0) {
                log.warn("{}: {} ({} more cache failures in the last second not logged)", what, error.toString(), left);
            } else {
                log.warn("{}: {}", what, error.toString());
            }
        } else {
            suppressed.incrementAndGet();
            log.debug("{}: {}", what, error.toString());
        }
    }
}
