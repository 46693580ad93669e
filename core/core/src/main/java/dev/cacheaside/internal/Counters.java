package dev.cacheaside.internal;

import java.util.concurrent.atomic.LongAdder;

/** The engine's live counters; thread safe, contention-free increments. The facade reads their sums. */
public final class Counters {
    public final LongAdder hits = new LongAdder();
    public final LongAdder misses = new LongAdder();
    public final LongAdder staleHits = new LongAdder();
    public final LongAdder coalesced = new LongAdder();
    public final LongAdder leaseWaits = new LongAdder();
    public final LongAdder leaseWaitTimeouts = new LongAdder();
    public final LongAdder databaseLoads = new LongAdder();
    public final LongAdder databaseErrors = new LongAdder();
    public final LongAdder backgroundRefreshes = new LongAdder();
    public final LongAdder cacheReadErrors = new LongAdder();
    public final LongAdder cacheWriteErrors = new LongAdder();
    public final LongAdder corruptEntries = new LongAdder();
    public final LongAdder uncacheable = new LongAdder();
    public final LongAdder staleFillsRefused = new LongAdder();
    public final LongAdder breakerRejections = new LongAdder();
    /** The hits (counted in {@link #hits} too) served from the near tier. */
    public final LongAdder nearHits = new LongAdder();

    /** Counts one query answered from {@code source}: a hit, a stale hit, or a miss. */
    public void served(Origin source) {
        switch (source) {
            case CACHE_HIT:
                hits.increment();
                break;
            case NEAR_HIT:
                hits.increment();
                nearHits.increment();
                break;
            case CACHE_STALE:
                staleHits.increment();
                break;
            default:
                misses.increment();
        }
    }
}
