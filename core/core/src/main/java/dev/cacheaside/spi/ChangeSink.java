package dev.cacheaside.spi;

import reactor.core.publisher.Mono;

/**
 * Where a {@link ChangeSource} delivers committed changes: the cache invalidates every cached
 * query over their tables, in every instance sharing the cache.
 *
 * <p>Lazy: nothing happens until the returned {@link Mono} is subscribed. Thread safe. A source
 * calls it after the changes committed, and must not store a position past changes whose
 * {@link Mono} did not complete: when it errors, the source delivers them again (or reports a
 * conservative {@link TableChanges#everything}) so no change is lost.
 */
@FunctionalInterface
public interface ChangeSink {

    /**
     * Invalidates every cached query over {@code changes}' tables.
     *
     * @return a {@link Mono} completing once the invalidation is done; it errors when it could
     *     not be done (the entries may then remain)
     */
    Mono<Void> accept(TableChanges changes);
}
