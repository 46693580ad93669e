package dev.cacheaside;

/**
 * The near tier: decoded hot entries kept in process, exact through the store's invalidations.
 * An immutable value of {@link CacheAsideOptions} that is valid once made.
 *
 * @param enabled  whether the near tier is on (it needs a store that reports invalidations)
 * @param maxBytes its bound, in estimated bytes of the entries it keeps; at least 1024
 */
record NearCacheSettings(boolean enabled, long maxBytes) {

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException naming the setting and the value when one is invalid
     */
    NearCacheSettings {
        if (maxBytes < 1024) {
            throw new IllegalArgumentException("nearCacheMaxBytes must be at least 1024, was " + maxBytes);
        }
    }
}
