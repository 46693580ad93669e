package dev.cacheaside.caffeine;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The keys under one tag of {@link LocalCacheStore} and the ticker time at which the tag lapses
 * (moved only later, under the tag map's compute). Each member maps to the generation of its
 * latest registration, so that a member is unregistered only if it was not tagged again since
 * its entry was removed.
 */
final class TagSet {
    static final int MIN_PRUNE = 1024;
    /** Key to the generation of its latest registration; written under the key's cache lock. */
    final ConcurrentHashMap<String, Long> members = new ConcurrentHashMap<>();
    final AtomicLong generations = new AtomicLong();
    final AtomicBoolean pruning = new AtomicBoolean();
    volatile long expiresAt;
    volatile int pruneAt = MIN_PRUNE;

    boolean isLive(long now) {
        return expiresAt - now > 0;
    }
}
