package dev.cacheaside;

/** Where a {@link QueryResult} came from. */
public enum Source {
    /** Read from the cache; the database was not asked for this result. */
    CACHE_HIT,
    /**
     * Read from the database (a miss, a force refresh, a cache that could not answer, or a query
     * inside a transaction that the database executor joined).
     */
    CACHE_MISS,
    /**
     * Read from the cache past its fresh time, within the stale-while-revalidate window; one
     * refresh runs in the background. Only when stale-while-revalidate is turned on.
     */
    CACHE_STALE
}
