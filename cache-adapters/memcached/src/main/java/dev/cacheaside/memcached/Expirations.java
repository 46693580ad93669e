package dev.cacheaside.memcached;

import java.time.Clock;
import java.time.Duration;

/**
 * Memcached's expiration times: whole seconds, where a number over 30 days (2,592,000 s) is read
 * by the server as an absolute Unix time.
 */
final class Expirations {

    /** The largest relative expiration memcached accepts; larger numbers are Unix times. */
    static final long MAX_RELATIVE_SECONDS = 60L * 60 * 24 * 30;

    private Expirations() {
    }

    /**
     * The expiration to send for {@code ttl}: its seconds rounded up (so a sub-second TTL
     * becomes 1 s, never 0, which would mean "never expires"), turned into an absolute Unix time
     * read from {@code clock} when it is longer than 30 days.
     *
     * @throws IllegalArgumentException when {@code ttl} is not positive
     */
    static long of(Duration ttl, Clock clock) {
        if (ttl == null || ttl.isZero() || ttl.isNegative()) {
            throw new IllegalArgumentException("ttl must be positive, was " + ttl);
        }
        long seconds = ttl.getSeconds() + (ttl.getNano() > 0 ? 1 : 0);
        if (seconds <= MAX_RELATIVE_SECONDS) {
            return seconds;
        }
        return Math.addExact(clock.instant().getEpochSecond(), seconds);
    }
}
