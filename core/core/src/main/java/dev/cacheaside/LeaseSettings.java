package dev.cacheaside;

import java.time.Duration;

/**
 * Stampede protection across instances: whether a miss takes a lease, how long a lease lives
 * and how long another caller waits for the holder's load. An immutable value of
 * {@link CacheAsideOptions} that is valid once made.
 *
 * @param leases whether misses take leases
 * @param leaseTtl how long a lease lives before it expires by itself; at least 1 s
 * @param leaseWait how long a caller waits for another's load before asking the database; not negative
 */
record LeaseSettings(boolean leases, Duration leaseTtl, Duration leaseWait) {

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException naming the setting and the value when one is invalid
     */
    LeaseSettings {
        if (leaseTtl == null || leaseTtl.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("leaseTtl must be at least 1 s, was " + leaseTtl);
        }
        if (leaseWait == null || leaseWait.isNegative()) {
            throw new IllegalArgumentException("leaseWait must not be negative, was " + leaseWait);
        }
    }
}
