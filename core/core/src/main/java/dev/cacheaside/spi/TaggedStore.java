package dev.cacheaside.spi;

import java.time.Duration;
import java.util.Collection;
import reactor.core.publisher.Mono;

/**
 * A {@link CacheStore} whose keys can be registered under tags and removed by tag: the engine
 * tags each key with the tables its query reads, and invalidation by table removes a table's
 * tag. Without this capability the engine registers nothing and {@code invalidateTable} fails,
 * saying that the store has no tags. Every store of this library has tags.
 *
 * <p>As for every store, both methods are lazy, thread safe and never block.
 */
public interface TaggedStore extends CacheStore {

    /**
     * Registers {@code key} under each of {@code tags}, so that {@link #invalidateTag} of any of
     * them removes it, and keeps each tag for at least {@code ttl}. The engine tags a key with the
     * tables its query reads when it takes the key's lease, before it reads the database.
     *
     * @return a {@link Mono} completing once every registration is in place
     */
    Mono<Void> tag(Collection<String> tags, String key, Duration ttl);

    /**
     * Removes every key registered under {@code tag} (values and leases alike, as
     * {@link #delete} does) and unregisters them. Keys registered while it runs either are removed
     * or stay registered for the next call: none is lost.
     *
     * @return how many of the registered keys held a value that was removed
     */
    Mono<Long> invalidateTag(String tag);
}
