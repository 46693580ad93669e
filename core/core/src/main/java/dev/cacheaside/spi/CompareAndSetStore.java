package dev.cacheaside.spi;

import java.time.Duration;
import reactor.core.publisher.Mono;

/**
 * A {@link CacheStore} with an atomic compare-and-set. A background refresh (stale-while-revalidate,
 * early refresh) writes with it, so that a refresh that read the database before an
 * invalidation (or before a newer fill) never overwrites what came after. Without this
 * capability the engine refreshes nothing in the background: a stale entry stays as it is
 * (logged) and expires as usual. Every store of this library has it.
 */
public interface CompareAndSetStore extends CacheStore {

    /**
     * Stores {@code value} under {@code key} if, and only if, the key holds exactly the bytes
     * {@code expected}; atomic on the server. A lease never matches.
     *
     * @param ttl the time to live of the new value, positive
     * @return {@code true} when the value was replaced; {@code false} when the key held anything
     *     else or nothing
     */
    Mono<Boolean> replace(String key, byte[] expected, byte[] value, Duration ttl);
}
