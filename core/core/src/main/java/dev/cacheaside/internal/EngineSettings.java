package dev.cacheaside.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import reactor.core.scheduler.Scheduler;

/**
 * What the engine is configured with: the facade builds it once from its options, checked there.
 *
 * @param keyPrefix            the prefix of every key
 * @param leases               whether misses take a lease so that one caller, across instances, loads a key
 * @param leaseTtl             how long a lease lives before it expires by itself
 * @param leaseWait            how long a caller waits for another's load before asking the database itself
 * @param staleWhileRevalidate how long past its TTL an entry may still be served while one refresh runs; zero is off
 * @param earlyRefreshBeta     XFetch's beta for probabilistic early refresh; 0 is off
 * @param ttlJitter            the fraction by which TTLs are randomly shortened; 0 is off
 * @param circuitBreaker       the circuit breaker's settings, or {@code null} when the cache has none
 * @param cacheTimeout         the time limit of every cache operation
 * @param invalidationTimeout  the time limit of an invalidation, both attempts together
 * @param connectTimeout       how long the engine waits at start for the cache to answer
 * @param maxEntryBytes        the largest encoded entry that is cached
 * @param nearMaxBytes         the bound of the near tier, in estimated bytes; 0: no near tier
 * @param clock                the wall clock that entries' fresh times are written and read with
 * @param nanoTime             the monotonic clock, in nanoseconds, that latencies and waits are measured with
 * @param scheduler            the scheduler of timeouts and of the waits between retries and lease polls
 * @param random               the source of uniform random numbers in [0, 1) for jitter and early refresh
 */
public record EngineSettings(
        String keyPrefix,
        boolean leases,
        Duration leaseTtl,
        Duration leaseWait,
        Duration staleWhileRevalidate,
        double earlyRefreshBeta,
        double ttlJitter,
        CircuitBreakerConfig circuitBreaker,
        Duration cacheTimeout,
        Duration invalidationTimeout,
        Duration connectTimeout,
        int maxEntryBytes,
        long nearMaxBytes,
        Clock clock,
        LongSupplier nanoTime,
        Scheduler scheduler,
        DoubleSupplier random) {
}
