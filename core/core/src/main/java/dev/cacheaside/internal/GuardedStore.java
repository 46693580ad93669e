package dev.cacheaside.internal;

import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.CompareAndSetStore;
import dev.cacheaside.spi.SelfBoundedStore;
import dev.cacheaside.spi.TaggedStore;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import java.time.Duration;
import java.util.Collection;
import java.util.function.Function;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

/**
 * A {@link CacheStore} that bounds, guards and times every call to the store it wraps: each call
 * is bounded by {@link EngineSettings#cacheTimeout()}, passes through the circuit breaker
 * (while it is open a call fails at once with {@link CallNotPermittedException}, so a dead cache
 * costs no timeout per query) unless its {@link StoreOperation} bypasses it, and has its time
 * recorded by the installed {@link Recorder}.
 *
 * <p>Which capabilities the wrapped store has is decided once, here: {@link #tag} and the tag
 * invalidations need a {@link TaggedStore} ({@link #hasTags()}), {@link #replace} a
 * {@link CompareAndSetStore} ({@link #hasCompareAndSet()}); without them they signal an error
 * and reach no store. Reads are not given a timer of their own when the store is a
 * {@link SelfBoundedStore} whose timeout is within the cache timeout. A fill ({@link #fill}) and a
 * {@link #release} end what a permitted read began and bypass the breaker, as invalidations
 * ({@link #invalidation}) do. {@link #closeAsync()} closes the wrapped store, unguarded.
 *
 * <p>A read can also be guarded inline, by a subscriber that calls the store itself
 * ({@link HitPath}): {@link #readLimit}, {@link #permitRead} or {@link #readRefused} before it,
 * {@link #readEnded} or {@link #readAbandoned} after it, with the same timeout, breaker and
 * counts as {@link #get} and {@link #getOrLease}.
 *
 * <p>Thread safe; every method returning a {@link Mono} is lazy, as the wrapped store's are.
 */
public final class GuardedStore implements CacheStore {

    private final CacheStore store;
    /** The store as a {@link TaggedStore}, or {@code null} when it has no tags. */
    private final TaggedStore tagged;
    /** The store as a {@link CompareAndSetStore}, or {@code null} when it has no compare-and-set. */
    private final CompareAndSetStore compareAndSet;
    private final EngineSettings options;
    private final Counters counters;
    /** The circuit breaker, or {@code null} when the options have none. */
    private final CircuitGuard breaker;
    /** Whether the store fails every read command by itself within the cache timeout. */
    private final boolean storeBoundsItself;
    private volatile Recorder recorder = Recorder.NONE;

    public GuardedStore(CacheStore store, EngineSettings options, Counters counters) {
        this.store = store;
        this.options = options;
        this.counters = counters;
        this.tagged = store instanceof TaggedStore t ? t : null;
        this.compareAndSet = store instanceof CompareAndSetStore c ? c : null;
        Duration storeTimeout = store instanceof SelfBoundedStore s ? s.operationTimeout() : null;
        this.storeBoundsItself = storeTimeout != null && storeTimeout.compareTo(options.cacheTimeout()) <= 0;
        this.breaker = options.circuitBreaker() == null ? null
                : new CircuitGuard(options.circuitBreaker(), options.clock());
    }

    /** The store this one guards. */
    public CacheStore delegate() {
        return store;
    }

    /** Whether the wrapped store is a {@link TaggedStore}. */
    public boolean hasTags() {
        return tagged != null;
    }

    /** Whether the wrapped store is a {@link CompareAndSetStore}. */
    public boolean hasCompareAndSet() {
        return compareAndSet != null;
    }

    @Override
    public Mono<byte[]> get(String key) {
        return guard(StoreOperation.READ, () -> store.get(key));
    }

    @Override
    public Mono<CacheLookup> getOrLease(String key, Duration leaseTtl) {
        return guard(StoreOperation.READ, () -> store.getOrLease(key, leaseTtl));
    }

    @Override
    public Mono<Void> set(String key, byte[] value, Duration ttl) {
        return guard(StoreOperation.WRITE, () -> store.set(key, value, ttl));
    }

    /**
     * The store's compare-and-set ({@link CompareAndSetStore#replace}); errors with
     * {@link IllegalStateException} when the store has none ({@link #hasCompareAndSet()}).
     */
    public Mono<Boolean> replace(String key, byte[] expected, byte[] value, Duration ttl) {
        if (compareAndSet == null) {
            return Mono.error(noCompareAndSet());
        }
        return guard(StoreOperation.WRITE, () -> compareAndSet.replace(key, expected, value, ttl));
    }

    /** Fills the lease this caller holds; bypasses the breaker ({@link StoreOperation#LEASE_FILL}). */
    @Override
    public Mono<Boolean> fill(String key, String leaseToken, byte[] value, Duration ttl) {
        return guard(StoreOperation.LEASE_FILL, () -> store.fill(key, leaseToken, value, ttl));
    }

    /** A delete through the breaker; for a lease this caller holds use {@link #release}. */
    @Override
    public Mono<Boolean> delete(String key) {
        return guard(StoreOperation.DELETE, () -> store.delete(key));
    }

    /** Deletes {@code key}, whose lease this caller holds; bypasses the breaker ({@link StoreOperation#LEASE_RELEASE}). */
    public Mono<Boolean> release(String key) {
        return guard(StoreOperation.LEASE_RELEASE, () -> store.delete(key));
    }

    /**
     * Registers {@code key} under {@code tags} ({@link TaggedStore#tag}); errors with
     * {@link UnsupportedOperationException} when the store has no tags ({@link #hasTags()}).
     */
    public Mono<Void> tag(Collection<String> tags, String key, Duration ttl) {
        if (tagged == null) {
            return Mono.error(noTags());
        }
        return guard(StoreOperation.TAG, () -> tagged.tag(tags, key, ttl));
    }

    /** An invalidation of one tag within the cache timeout; see {@link #tagInvalidation}. */
    public Mono<Long> invalidateTag(String tag) {
        return tagInvalidation(raw -> raw.invalidateTag(tag), options.cacheTimeout());
    }

    /**
     * Like {@link #invalidation}, on the store's tags; errors with
     * {@link UnsupportedOperationException} when the store has none ({@link #hasTags()}).
     */
    public <T> Mono<T> tagInvalidation(Function<TaggedStore, Mono<T>> call, Duration limit) {
        if (tagged == null) {
            return Mono.error(noTags());
        }
        return guard(StoreOperation.INVALIDATE, () -> call.apply(tagged), limit);
    }

    /**
     * One invalidation attempt: {@code call} on the wrapped store, bounded by {@code limit},
     * bypassing the breaker ({@link StoreOperation#INVALIDATE}); {@code call} runs at subscription.
     */
    public <T> Mono<T> invalidation(Function<CacheStore, Mono<T>> call, Duration limit) {
        return guard(StoreOperation.INVALIDATE, () -> call.apply(store), limit);
    }

    @Override
    public Mono<Void> closeAsync() {
        return store.closeAsync();
    }

    /** The state of the circuit breaker: CLOSED, OPEN, HALF_OPEN, or DISABLED. */
    public String circuitState() {
        return breaker == null ? "DISABLED" : breaker.state().name();
    }

    /** The recorder of timings, database and cache alike; {@link Recorder#NONE} until one is installed. */
    public Recorder recorder() {
        return recorder;
    }

    /** Installs the recorder of timings. */
    public void recorder(Recorder recorder) {
        this.recorder = recorder;
    }

    // ---------------------------------------------------------------- a read guarded inline
    // What guard() does for a READ with operators, as calls that one subscriber (HitPath) makes
    // itself, in this order: readLimit and permitRead (or readRefused) before the read,
    // readEnded or readAbandoned after it.

    /** The limit the engine puts on a read: the cache timeout, or null when the store bounds its reads itself. */
    Duration readLimit() {
        return storeBoundsItself ? null : options.cacheTimeout();
    }

    /** Whether the breaker lets a read through now (always, without a breaker); a permitted read must end in {@link #readEnded} or {@link #readAbandoned}. */
    boolean permitRead() {
        return breaker == null || breaker.permit();
    }

    /** The error of a read the breaker refused ({@link #permitRead}), counted as a rejection. */
    CallNotPermittedException readRefused() {
        CallNotPermittedException refused = breaker.refused();
        failed(refused);
        return refused;
    }

    /**
     * A permitted read ended, at {@code startNanos} on {@link System#nanoTime()} when it began:
     * with its value or empty ({@code error} null), or with {@code error}; the breaker records it.
     */
    void readEnded(long startNanos, Throwable error) {
        if (error == null) {
            if (breaker != null) {
                breaker.succeeded(System.nanoTime() - startNanos);
            }
            return;
        }
        if (breaker != null) {
            breaker.failed(System.nanoTime() - startNanos, error);
        }
        failed(error);
    }

    /** A permitted read was cancelled: its permission goes back to the breaker. */
    void readAbandoned() {
        if (breaker != null) {
            breaker.released();
        }
    }

    private <T> Mono<T> guard(StoreOperation op, Supplier<Mono<T>> call) {
        return guard(op, call, storeBoundsItself && op == StoreOperation.READ ? null : options.cacheTimeout());
    }

    /** {@code call} bounded by {@code limit} ({@code null}: the store bounds it), guarded as {@code op} says. */
    private <T> Mono<T> guard(StoreOperation op, Supplier<Mono<T>> call, Duration limit) {
        Mono<T> bounded = limit == null ? Mono.defer(call) : Mono.defer(call).timeout(limit, options.scheduler());
        if (breaker != null && op.throughBreaker()) {
            Mono<T> permitted = bounded;
            bounded = Mono.defer(() -> {
                if (!breaker.permit()) {
                    return Mono.error(breaker.refused());
                }
                long start = System.nanoTime();
                return permitted
                        .doOnSuccess(value -> breaker.succeeded(System.nanoTime() - start))
                        .doOnError(e -> breaker.failed(System.nanoTime() - start, e))
                        .doOnCancel(breaker::released);
            });
        }
        bounded = bounded.doOnError(this::failed);
        Recorder r = recorder;
        if (r == Recorder.NONE) {
            return bounded;
        }
        Mono<T> measured = bounded;
        String metric = op.metric();
        return Mono.defer(() -> {
            long t0 = options.nanoTime().getAsLong();
            return measured.doFinally(signal ->
                    r.cache(metric, options.nanoTime().getAsLong() - t0, signal != SignalType.ON_ERROR));
        });
    }

    /** The error of a call that needs tags on a store without them. */
    UnsupportedOperationException noTags() {
        return new UnsupportedOperationException(store.getClass().getName()
                + " has no tags, so queries cannot be invalidated by table");
    }

    /** The error of a compare-and-set on a store without one. */
    IllegalStateException noCompareAndSet() {
        return new IllegalStateException(store.getClass().getName()
                + " has no atomic replace, so entries are not refreshed in the background");
    }

    private void failed(Throwable e) {
        if (e instanceof CallNotPermittedException) {
            counters.breakerRejections.increment();
        }
    }

    @Override
    public String toString() {
        return store.toString();
    }
}
