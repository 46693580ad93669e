package dev.cacheaside;

/**
 * Counts of what a {@link CacheAside} has done since it was made: an immutable snapshot.
 *
 * @param hits             results served from the cache (fresh)
 * @param misses           results the database answered
 * @param staleHits        results served past their TTL while a refresh ran (stale-while-revalidate)
 * @param coalesced        misses that joined a load already in flight in this instance
 * @param leaseWaits       misses that waited for another caller's lease (another instance's load)
 * @param leaseWaitTimeouts lease waits that gave up and asked the database themselves
 * @param databaseLoads    queries sent to the database
 * @param databaseErrors   database queries that failed
 * @param backgroundRefreshes refreshes run in the background (stale-while-revalidate, early refresh)
 * @param cacheReadErrors  cache reads that failed or timed out (each answered by the database)
 * @param cacheWriteErrors cache writes that failed or timed out (each result still returned)
 * @param corruptEntries   entries that did not decode (each treated as a miss and replaced)
 * @param uncacheable      results not cached: too large, or holding a value of an unsupported type
 * @param staleFillsRefused fills refused because the key was invalidated (or its lease lost) during the load
 * @param breakerRejections cache calls skipped at once because the circuit breaker was open
 * @param loadsInFlight    database loads running now
 * @param circuitState     the cache's circuit breaker: CLOSED, OPEN, HALF_OPEN, or DISABLED
 */
public record CacheAsideStats(long hits, long misses, long staleHits, long coalesced, long leaseWaits,
                              long leaseWaitTimeouts, long databaseLoads, long databaseErrors,
                              long backgroundRefreshes, long cacheReadErrors, long cacheWriteErrors,
                              long corruptEntries, long uncacheable, long staleFillsRefused,
                              long breakerRejections, int loadsInFlight, String circuitState) {

    /** The share of results served from the cache (fresh or stale), 0 when there were none. */
    public double hitRatio() {
        long served = hits + staleHits + misses;
        return served == 0 ? 0 : (double) (hits + staleHits) / served;
    }
}
