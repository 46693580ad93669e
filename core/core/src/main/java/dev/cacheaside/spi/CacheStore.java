package dev.cacheaside.spi;

import java.time.Duration;
import reactor.core.publisher.Mono;

/**
 * The cache side of cache-aside: bytes by key with a time to live, plus leases.
 *
 * <p>Implementations (Redis and Valkey, Memcached, in-process) live in the cache adapter module.
 * Keys are short strings of printable ASCII without spaces (at most 250 bytes, Memcached's limit);
 * values are opaque bytes that the store keeps exactly, every byte value included.
 *
 * <p>This interface holds what every store must do; a store with more implements the capability
 * interfaces too, and the engine checks for them once, when it is built:
 * <ul>
 *   <li>{@link TaggedStore}: keys registered under tags and removed by tag, which invalidation
 *       by table needs;
 *   <li>{@link CompareAndSetStore}: an atomic compare-and-set, which background refreshes need;
 *   <li>{@link SelfBoundedStore}: reads bounded by the store itself, so the engine adds no timer;
 *   <li>{@link InvalidatingStore}: the keys that changed on the server, pushed, which the near
 *       tier needs.
 * </ul>
 *
 * <h2>Leases</h2>
 * A lease is the right to fill one missing key, held by one caller across every instance that
 * shares the store. {@link #getOrLease} returns the value when there is one; otherwise exactly
 * one caller wins a lease (with a token) and the others are told it is held. {@link #fill} stores
 * a value only while the caller's lease is still in place: a {@link #delete} in between removes
 * the value and any lease, so a fill from a load that began before the delete is refused. A
 * lease expires by itself after its time to live, so a holder that dies never blocks the key for
 * longer than that.
 *
 * <p>Every method is lazy: nothing reaches the store until subscription. Implementations are
 * thread safe and never block the subscribing thread. Errors (connection lost, timeout) are
 * signalled as {@code onError}; the engine turns them into misses, so implementations do not
 * swallow them.
 *
 * <h2>Timeouts</h2>
 * A command that got no answer in time must fail with an exception that is, or has in its cause
 * chain, a {@link java.util.concurrent.TimeoutException} or an exception whose class name ends
 * with {@code TimeoutException} (as Lettuce's {@code RedisCommandTimeoutException} does). The
 * engine then knows that the command may have reached the server: a {@link #getOrLease} may have
 * taken a lease whose reply nobody saw, so this instance does not wait for that key's lease.
 * A store should also release such a lease itself when its reply comes after the caller gave up
 * (timed out or cancelled), comparing the token so that it never removes another caller's lease.
 */
public interface CacheStore extends AutoCloseable {

    /**
     * Reads the value under {@code key}.
     *
     * @return the stored bytes, or an empty {@link Mono} when there is no value (nothing stored,
     *     expired, deleted, or only a lease held)
     */
    Mono<byte[]> get(String key);

    /**
     * Stores {@code value} under {@code key} unconditionally, replacing any value or lease.
     *
     * @param ttl the time to live, positive; the store drops the value after it
     */
    Mono<Void> set(String key, byte[] value, Duration ttl);

    /**
     * Removes the value and any lease under {@code key}.
     *
     * @return {@code true} when a value was removed, {@code false} when there was none
     */
    Mono<Boolean> delete(String key);

    /**
     * Reads the value under {@code key} or, when there is none, tries to take the key's lease.
     *
     * @param leaseTtl how long a lease won here lasts before it expires by itself, positive
     * @return a {@link CacheLookup}: {@link CacheLookup.Kind#HIT} with the value,
     *     {@link CacheLookup.Kind#LEASE_WON} with a token for {@link #fill}, or
     *     {@link CacheLookup.Kind#LEASE_HELD} when another caller holds the lease
     */
    Mono<CacheLookup> getOrLease(String key, Duration leaseTtl);

    /**
     * Stores {@code value} under {@code key} if, and only if, the lease with {@code leaseToken}
     * is still in place, releasing the lease; atomic on the server.
     *
     * @return {@code true} when the value was stored; {@code false} when the lease was lost
     *     (deleted, expired, or replaced by a {@link #set})
     */
    Mono<Boolean> fill(String key, String leaseToken, byte[] value, Duration ttl);

    /**
     * Releases what this store holds (connections, threads). Lazy and idempotent; after it,
     * every operation errors with {@link IllegalStateException}.
     */
    Mono<Void> closeAsync();

    /** Blocking twin of {@link #closeAsync()}; never call it on an event-loop thread. */
    @Override
    default void close() {
        closeAsync().block();
    }
}
