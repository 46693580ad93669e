package dev.cacheaside.spring;

import dev.cacheaside.CacheAside;
import dev.cacheaside.CacheAsideStats;
import dev.cacheaside.Query;
import java.time.Duration;
import java.util.Objects;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import reactor.core.publisher.Mono;

/**
 * The health of a {@link CacheAside}'s cache: UP when a probe of the cache answers within the
 * timeout, DOWN otherwise. Details: {@code circuit} (CLOSED, OPEN, HALF_OPEN or DISABLED), {@code hitRatio}
 * and the {@code hits}, {@code misses} and {@code staleHits} counts from
 * {@link CacheAside#stats()}, {@code probeMillis}, with {@code cacheaside.cdc.enabled=true} a
 * {@code changeStream} map (the consumer's {@code status}: RUNNING, STANDBY, FAILED or STOPPED,
 * {@code leading}, {@code invalidations}, {@code conservativeInvalidations}, {@code leaderships},
 * {@code sourceFailures} and the class of its {@code lastError}; the change stream does not
 * change UP or DOWN, which is the cache's), and on DOWN the probe's {@code error} (its
 * class and message, any configured password removed). No address, user or password is ever
 * among the details.
 *
 * <p>The probe removes one key that no query uses ({@link CacheAside#invalidate(Query)} of a
 * fixed probe query): like every invalidation it bypasses the circuit breaker (so it tells
 * whether the cache answers even while the breaker keeps reads away) and is tried twice within
 * the invalidation timeout, and this indicator cuts it at its own timeout. Lazy: each subscription to {@link #health()} probes once; never blocks.
 * Thread safe.
 */
public final class CacheAsideHealthIndicator implements ReactiveHealthIndicator {

    /** The query whose key the probe removes. */
    static final Query PROBE = Query.of("SELECT 'cacheaside-health-probe'");

    private final CacheAside cacheAside;
    private final Duration timeout;
    private final String[] secrets;
    private final ChangeStreamStatus changeStream;

    /**
     * @param cacheAside the instance whose cache is probed
     * @param timeout    the longest a probe may take; a slower one reports DOWN
     * @param secrets    values that must never appear in a detail (passwords); nulls ignored
     */
    public CacheAsideHealthIndicator(CacheAside cacheAside, Duration timeout, String... secrets) {
        this.cacheAside = Objects.requireNonNull(cacheAside, "cacheAside");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("cacheaside.health.timeout=" + timeout + " must be positive");
        }
        this.secrets = secrets == null ? new String[0] : secrets.clone();
        this.changeStream = null;
    }

    private CacheAsideHealthIndicator(CacheAsideHealthIndicator base, ChangeStreamStatus changeStream) {
        this.cacheAside = base.cacheAside;
        this.timeout = base.timeout;
        this.secrets = base.secrets;
        this.changeStream = changeStream;
    }

    /** This indicator with the change-stream consumer's state as the {@code changeStream} detail (null: none). */
    CacheAsideHealthIndicator withChangeStream(ChangeStreamStatus changeStream) {
        return changeStream == null ? this : new CacheAsideHealthIndicator(this, changeStream);
    }

    @Override
    public Mono<Health> health() {
        return Mono.defer(() -> {
            long start = System.nanoTime();
            return cacheAside.invalidate(PROBE)
                    .timeout(timeout)
                    .then(Mono.fromSupplier(() -> details(Health.up(), start).build()))
                    .onErrorResume(e -> Mono.just(details(Health.down(), start)
                            .withDetail("error", scrub(e.getClass().getName() + ": " + e.getMessage()))
                            .build()));
        });
    }

    private Health.Builder details(Health.Builder builder, long start) {
        CacheAsideStats stats = cacheAside.stats();
        if (changeStream != null) {
            builder.withDetail("changeStream", changeStream.details());
        }
        return builder
                .withDetail("circuit", stats.circuitState())
                .withDetail("hitRatio", Math.round(stats.hitRatio() * 10_000) / 10_000.0)
                .withDetail("hits", stats.hits())
                .withDetail("misses", stats.misses())
                .withDetail("staleHits", stats.staleHits())
                .withDetail("probeMillis", Math.round((System.nanoTime() - start) / 10_000.0) / 100.0);
    }

    private String scrub(String text) {
        String out = text;
        for (String secret : secrets) {
            if (secret != null && !secret.isEmpty()) {
                out = out.replace(secret, CacheAsideProperties.REDACTED);
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "CacheAsideHealthIndicator[timeout=" + timeout + "]";
    }
}
