package dev.cacheaside;

import dev.cacheaside.internal.EngineSettings;
import dev.cacheaside.internal.Origin;

/**
 * The facade's side of the engine boundary: the engine ({@code dev.cacheaside.internal}) knows
 * nothing of this package, so what crosses it in either direction is translated here.
 */
final class EngineMapping {

    private EngineMapping() {
    }

    /** The engine's settings taken from {@code options}. */
    static EngineSettings settings(CacheAsideOptions options) {
        return new EngineSettings(options.keyPrefix(), options.leases(), options.leaseTtl(), options.leaseWait(),
                options.staleWhileRevalidate(), options.earlyRefreshBeta(), options.ttlJitter(),
                options.circuitBreaker(), options.cacheTimeout(), options.invalidationTimeout(),
                options.connectTimeout(), options.maxEntryBytes(), options.clock(), options.nanoTime(),
                options.scheduler(), options.random());
    }

    /** The public name of where the engine found an answer. */
    static Source source(Origin origin) {
        switch (origin) {
            case CACHE_HIT:
                return Source.CACHE_HIT;
            case CACHE_STALE:
                return Source.CACHE_STALE;
            default:
                return Source.CACHE_MISS;
        }
    }
}
