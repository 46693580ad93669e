package dev.cacheaside;

/** Where a {@link QueryResult} came from. */
public enum Source {
    /** Read from the cache; the database was not asked. */
    CACHE_HIT,
    /** Read from the database (a miss, a force refresh, or a cache that could not answer). */
    CACHE_MISS
}
