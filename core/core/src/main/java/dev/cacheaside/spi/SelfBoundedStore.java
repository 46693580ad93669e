package dev.cacheaside.spi;

import java.time.Duration;

/**
 * A {@link CacheStore} that bounds each of its commands itself: every command fails by itself
 * once {@link #operationTimeout()} has passed without an answer. When that timeout is no longer
 * than the engine's cache timeout, the engine adds no timer of its own to reads
 * ({@link #get}, {@link #getOrLease}), since a timer per call is measurable on the hit path;
 * every other operation keeps the engine's timer. A store that is not a {@code SelfBoundedStore}
 * has every call bounded by the engine. Every store of this library bounds itself.
 */
public interface SelfBoundedStore extends CacheStore {

    /**
     * How long each command this store sends may take before it fails by itself; never null or
     * negative. The store bounds each read by it as a whole, a wait for its connection included,
     * and signals a timeout as {@link CacheStore} describes. An in-process store that never waits
     * returns {@link Duration#ZERO}.
     */
    Duration operationTimeout();
}
