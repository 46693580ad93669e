package dev.cacheaside.internal;

import java.time.Duration;

/**
 * When an entry is fresh, stale or due for an early refresh, and how long a new one lives:
 * functions of the options' clock and random source, with no state of their own.
 *
 * <ul>
 *   <li>Stale while revalidate: an entry past its fresh time is served (as stale) while it is
 *       refreshed in the background, for {@link EngineSettings#staleWhileRevalidate()}.</li>
 *   <li>XFetch early refresh ({@link EngineSettings#earlyRefreshBeta()}).</li>
 *   <li>TTL jitter ({@link EngineSettings#ttlJitter()}).</li>
 * </ul>
 */
final class Freshness {

    private final EngineSettings options;

    Freshness(EngineSettings options) {
        this.options = options;
    }

    /** Now, epoch milliseconds, on the options' clock. */
    long now() {
        return options.clock().millis();
    }

    /** Whether {@code entry} is past its fresh time at {@code now} and may be served stale while it is refreshed. */
    boolean servedStale(CachedEntry entry, long now) {
        return entry.isStale(now) && !options.staleWhileRevalidate().isZero();
    }

    /**
     * XFetch (Vattani, Chierichetti, Lowenstein, VLDB 2015): refresh when
     * {@code now - delta * beta * ln(random) >= expiry}, where delta is how long the database took.
     * The closer the expiry and the slower the query, the likelier an early refresh.
     */
    boolean refreshEarly(CachedEntry entry, long now) {
        double beta = options.earlyRefreshBeta();
        if (beta == 0 || entry.freshUntilMillis() == 0 || entry.loadMillis() == 0) {
            return false;
        }
        double r = options.random().getAsDouble();
        double gap = -entry.loadMillis() * beta * Math.log(r <= 0 ? Double.MIN_VALUE : r);
        return now + gap >= entry.freshUntilMillis();
    }

    /** Shortens {@code ttl} by a random fraction up to {@link EngineSettings#ttlJitter()}. */
    Duration jitter(Duration ttl) {
        double jitter = options.ttlJitter();
        if (jitter == 0) {
            return ttl;
        }
        long millis = ttl.toMillis();
        long shortened = Math.round(millis * (1 - jitter * options.random().getAsDouble()));
        return Duration.ofMillis(Math.max(1, shortened));
    }

    /** How long the store keeps an entry fresh for {@code fresh}: that, and the stale window after it. */
    Duration kept(Duration fresh) {
        return fresh.plus(options.staleWhileRevalidate());
    }
}
