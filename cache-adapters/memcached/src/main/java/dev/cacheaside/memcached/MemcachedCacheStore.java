package dev.cacheaside.memcached;

import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.CompareAndSetStore;
import dev.cacheaside.spi.SelfBoundedStore;
import dev.cacheaside.spi.TaggedStore;
import java.time.Duration;
import java.util.Collection;
import java.util.Objects;
import reactor.core.publisher.Mono;

/**
 * A {@link CacheStore} on one or more memcached servers (1.6 or later), speaking memcached's meta
 * text protocol through a non-blocking client on Vert.x's {@code NetClient}, with memcached's own
 * leases and compare-and-set. How each operation is built from meta commands is drawn in
 * {@code docs/design.md}, section "Memcached store".
 *
 * <h2>Servers</h2>
 * Keys are spread over the servers by consistent hashing (ketama), so adding or removing a server
 * moves only about its share of the keys. Each operation has its own timeout
 * ({@link MemcachedStoreOptions#timeout()}). A server that goes away makes its operations fail at
 * once (a {@link java.net.ConnectException}) until a reconnection, attempted with a bounded
 * exponential backoff, succeeds; its keys are not moved to the other servers, so they are misses
 * meanwhile.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>{@link #getOrLease} gives a missing key's lease to exactly one caller; {@link #fill}
 *       stores only while that lease is in place; {@link #get} never returns a lease.
 *   <li>Among concurrent {@link #replace} calls from one expected value, exactly one succeeds;
 *       any write to the key after the read makes a replace return {@code false}.
 *   <li>TTLs are whole seconds, rounded up (a sub-second TTL lasts one second).
 *   <li>A value larger than {@link MemcachedStoreOptions#maxValueSize()}, or one the server
 *       refuses as too large, is not cached: {@link #set} completes without error,
 *       {@link #fill} and {@link #replace} return {@code false}, and a warning names the key and
 *       the size (never the value). A value over the client limit is never sent, so what the key
 *       holds stays; one the server refuses leaves the key empty, so the next read is a miss,
 *       never a stale hit.
 *   <li>Keys registered while {@link #invalidateTag} runs either are removed or stay registered
 *       for the next invalidation. A tag is one item, so it holds about
 *       {@code itemSize / (keyLength + 1)} keys that hold a value or a lease at once (about
 *       14,700 keys of the form {@code query:<sha256>} under memcached's default 1 MB item size);
 *       past that {@link #tag} fails with an {@link IllegalStateException}. Like any item, a tag
 *       evicted when memcached runs out of memory forgets its registrations.
 * </ul>
 *
 * <h2>Threads and errors</h2>
 * Thread safe. Every method is lazy (nothing is sent before subscription) and never blocks;
 * results are delivered on a Vert.x event-loop thread, where subscribers must not block. A
 * command without an answer in time fails with a {@link java.util.concurrent.TimeoutException}.
 * Invalid keys (empty, over 250 bytes, spaces or control characters) are signalled as an
 * {@link IllegalArgumentException}. After {@link #closeAsync()} every operation signals an
 * {@link IllegalStateException}.
 */
public final class MemcachedCacheStore implements TaggedStore, CompareAndSetStore, SelfBoundedStore {

    private final MemcachedStoreOptions options;
    private final ServerRouter router;
    private final MetaOperations operations;
    private final TagLists tags;

    private MemcachedCacheStore(MemcachedStoreOptions options) {
        this.options = options;
        this.router = new ServerRouter(options);
        this.operations = new MetaOperations(router, options);
        this.tags = new TagLists(router, operations, options);
    }

    /**
     * A store on the servers of {@code options}. Connections are opened by the first operation
     * on each server; when {@code options} carries no Vert.x instance, one is created here (with
     * its event-loop threads) and closed by {@link #closeAsync()}.
     */
    public static MemcachedCacheStore create(MemcachedStoreOptions options) {
        return new MemcachedCacheStore(Objects.requireNonNull(options, "options"));
    }

    /** The options this store was created with. */
    public MemcachedStoreOptions options() {
        return options;
    }

    @Override
    public Mono<byte[]> get(String key) {
        return operations.get(key);
    }

    @Override
    public Mono<Void> set(String key, byte[] value, Duration ttl) {
        return operations.set(key, value, ttl);
    }

    @Override
    public Mono<Boolean> delete(String key) {
        return operations.delete(key);
    }

    /**
     * {@inheritDoc} An item under the key that would otherwise block it for good (one this store
     * did not write, or a lease without expiry or expiring later than {@code leaseTtl}) is
     * removed, only while unchanged, and reported as a held lease, so the next lookup wins one.
     */
    @Override
    public Mono<CacheLookup> getOrLease(String key, Duration leaseTtl) {
        return operations.getOrLease(key, leaseTtl);
    }

    @Override
    public Mono<Boolean> fill(String key, String leaseToken, byte[] value, Duration ttl) {
        return operations.fill(key, leaseToken, value, ttl);
    }

    @Override
    public Mono<Boolean> replace(String key, byte[] expected, byte[] value, Duration ttl) {
        return operations.replace(key, expected, value, ttl);
    }

    /** {@inheritDoc} Every request fails by itself after the per-operation timeout ({@link MemcachedStoreOptions#timeout()}). */
    @Override
    public Duration operationTimeout() {
        return options.timeout();
    }

    /**
     * {@inheritDoc} A tag lasts at least {@code ttl}; its lifetime only ever grows.
     *
     * @return completes once every registration is in place; errors with
     *     {@link IllegalStateException} when a tag's list is at the server's item size limit
     */
    @Override
    public Mono<Void> tag(Collection<String> tags, String key, Duration ttl) {
        return this.tags.tag(tags, key, ttl);
    }

    /**
     * {@inheritDoc}
     *
     * @return how many of the registered keys held a value (not a lease) that was removed
     */
    @Override
    public Mono<Long> invalidateTag(String tag) {
        return tags.invalidateTag(tag);
    }

    @Override
    public Mono<Void> closeAsync() {
        return router.close();
    }

    @Override
    public String toString() {
        return "MemcachedCacheStore" + options.servers();
    }

    /** Sets the list size at which tags are first compacted; for tests. */
    void minCompactionBytes(long bytes) {
        tags.minCompactionBytes(bytes);
    }
}
