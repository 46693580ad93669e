package dev.cacheaside;

import dev.cacheaside.internal.Counters;
import dev.cacheaside.internal.EngineSettings;
import dev.cacheaside.internal.InvalidationFailure;
import dev.cacheaside.internal.Origin;
import dev.cacheaside.internal.QueryEngine;

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
                options.connectTimeout(), options.maxEntryBytes(),
                options.nearCache() ? options.nearCacheMaxBytes() : 0, options.clock(), options.nanoTime(),
                options.scheduler(), options.random());
    }

    /** The public name of where the engine found an answer. */
    static Source source(Origin origin) {
        return switch (origin) {
            case CACHE_HIT, NEAR_HIT -> Source.CACHE_HIT;
            case CACHE_STALE -> Source.CACHE_STALE;
            case CACHE_MISS -> Source.CACHE_MISS;
        };
    }

    /** A snapshot of {@code engine}'s counts. */
    static CacheAsideStats stats(QueryEngine engine) {
        Counters c = engine.counters();
        return new CacheAsideStats(c.hits.sum(), c.misses.sum(), c.staleHits.sum(), c.coalesced.sum(),
                c.leaseWaits.sum(), c.leaseWaitTimeouts.sum(), c.databaseLoads.sum(), c.databaseErrors.sum(),
                c.backgroundRefreshes.sum(), c.cacheReadErrors.sum(), c.cacheWriteErrors.sum(),
                c.corruptEntries.sum(), c.uncacheable.sum(), c.staleFillsRefused.sum(), c.breakerRejections.sum(),
                engine.flights().size(), engine.store().circuitState());
    }

    /** The public exception for an invalidation the engine could not complete: same message, cause and tables. */
    static CacheInvalidationException invalidation(InvalidationFailure failure) {
        CacheInvalidationException e = new CacheInvalidationException(failure.brief(), failure.rowsUpdated(),
                failure.tables(), failure.getCause());
        for (Throwable suppressed : failure.getSuppressed()) {
            e.addSuppressed(suppressed);
        }
        return e;
    }
}
