package dev.cacheaside.internal;

/** Where the engine found the rows it serves; the facade reports it to users. */
public enum Origin {
    /** Read from the cache; the database was not asked. */
    CACHE_HIT,
    /** Read from the near tier (in process), kept exact by the store's invalidations; a cache hit. */
    NEAR_HIT,
    /** Read from the database. */
    CACHE_MISS,
    /** Read from the cache past its fresh time; one refresh runs in the background. */
    CACHE_STALE
}
