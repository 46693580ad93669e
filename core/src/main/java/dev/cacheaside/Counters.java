package dev.cacheaside;

import java.util.concurrent.atomic.LongAdder;

/** The live counters behind {@link CacheAsideStats}; thread safe, contention-free increments. */
final class Counters {
    final LongAdder hits = new LongAdder();
    final LongAdder misses = new LongAdder();
    final LongAdder staleHits = new LongAdder();
    final LongAdder coalesced = new LongAdder();
    final LongAdder leaseWaits = new LongAdder();
    final LongAdder leaseWaitTimeouts = new LongAdder();
    final LongAdder databaseLoads = new LongAdder();
    final LongAdder databaseErrors = new LongAdder();
    final LongAdder backgroundRefreshes = new LongAdder();
    final LongAdder cacheReadErrors = new LongAdder();
    final LongAdder cacheWriteErrors = new LongAdder();
    final LongAdder corruptEntries = new LongAdder();
    final LongAdder uncacheable = new LongAdder();
    final LongAdder staleFillsRefused = new LongAdder();
    final LongAdder breakerRejections = new LongAdder();

    CacheAsideStats snapshot(int loadsInFlight, String circuitState) {
        return new CacheAsideStats(hits.sum(), misses.sum(), staleHits.sum(), coalesced.sum(), leaseWaits.sum(),
                leaseWaitTimeouts.sum(), databaseLoads.sum(), databaseErrors.sum(), backgroundRefreshes.sum(),
                cacheReadErrors.sum(), cacheWriteErrors.sum(), corruptEntries.sum(), uncacheable.sum(),
                staleFillsRefused.sum(), breakerRejections.sum(), loadsInFlight, circuitState);
    }
}
