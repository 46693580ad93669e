package dev.cacheaside.caffeine;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The keys under one tag of {@link LocalCacheStore} and the ticker time at which the tag lapses
 * (moved only later, under the tag map's compute).
 */
final class TagSet {
    static final int MIN_PRUNE = 1024;
    final Set<String> members = ConcurrentHashMap.newKeySet();
    final AtomicBoolean pruning = new AtomicBoolean();
    volatile long expiresAt;
    volatile int pruneAt = MIN_PRUNE;

    boolean isLive(long now) {
        return expiresAt - now > 0;
    }
}
