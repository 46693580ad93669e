package dev.cacheaside;

import java.time.Duration;

/**
 * The time limits of {@link CacheAsideOptions}: of one cache operation, of one invalidation
 * (its retry included) and of the wait for the cache connection at start. An immutable value
 * that is valid once made.
 *
 * @param cacheTimeout the time limit of every cache operation; positive
 * @param invalidationTimeout the time limit of one invalidation; positive
 * @param connectTimeout how long {@link CacheAside#connectAtStart()} waits for the cache; positive
 */
record TimeLimits(Duration cacheTimeout, Duration invalidationTimeout, Duration connectTimeout) {

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException naming the setting and the value when one is not positive
     */
    TimeLimits {
        positive("cacheTimeout", cacheTimeout);
        positive("invalidationTimeout", invalidationTimeout);
        positive("connectTimeout", connectTimeout);
    }

    private static void positive(String name, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
    }
}
