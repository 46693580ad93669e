package dev.cacheaside;

import java.time.Duration;

/**
 * How long a cached result is fresh and how it is renewed: the default TTL, the
 * stale-while-revalidate window, XFetch's beta for early refresh and the TTL jitter of
 * {@link CacheAsideOptions}. An immutable value that is valid once made.
 *
 * @param defaultTtl the TTL of a query that does not set its own; at least 1 ms
 * @param staleWhileRevalidate how long past its TTL a result may be served while it is refreshed; not negative
 * @param earlyRefreshBeta XFetch's beta, 0 (off) to 10
 * @param ttlJitter the largest random fraction a TTL is shortened by, 0 (off) to 0.5
 */
record FreshnessSettings(Duration defaultTtl, Duration staleWhileRevalidate, double earlyRefreshBeta, double ttlJitter) {

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException naming the setting and the value when one is invalid
     */
    FreshnessSettings {
        if (defaultTtl == null || defaultTtl.isNegative() || defaultTtl.toMillis() < 1) {
            throw new IllegalArgumentException("defaultTtl must be at least 1 ms, was " + defaultTtl);
        }
        if (staleWhileRevalidate == null || staleWhileRevalidate.isNegative()) {
            throw new IllegalArgumentException("staleWhileRevalidate must not be negative, was "
                    + staleWhileRevalidate);
        }
        if (!(earlyRefreshBeta >= 0 && earlyRefreshBeta <= 10)) {
            throw new IllegalArgumentException("earlyRefreshBeta must be from 0 to 10, was " + earlyRefreshBeta);
        }
        if (!(ttlJitter >= 0 && ttlJitter <= 0.5)) {
            throw new IllegalArgumentException("ttlJitter must be from 0 to 0.5, was " + ttlJitter);
        }
    }
}
