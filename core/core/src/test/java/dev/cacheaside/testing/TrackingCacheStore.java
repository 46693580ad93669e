package dev.cacheaside.testing;

import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CompareAndSetStore;
import dev.cacheaside.spi.InvalidatingStore;
import dev.cacheaside.spi.TaggedStore;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * One instance's view of an {@link InMemoryCacheStore} shared by several, reporting invalidations
 * as a tracking server would: every write, delete or tag invalidation through any view calls
 * {@link InvalidatingStore.Listener#invalidated} on every view's listener, after the change and
 * before the write completes. Reads can be shaped (delayed, or given a hook that runs between the
 * read's send and its reply).
 */
public final class TrackingCacheStore implements InvalidatingStore, TaggedStore, CompareAndSetStore {

    private final InMemoryCacheStore memory;
    private final List<TrackingCacheStore> views;
    private volatile Listener listener;
    /** Whether changes are reported at all; a test turns it off to see what the engine does alone. */
    public volatile boolean pushes = true;
    /** Applied to every read; identity unless the test says otherwise. */
    public volatile Function<Mono<?>, Mono<?>> reads = Function.identity();

    private TrackingCacheStore(InMemoryCacheStore memory, List<TrackingCacheStore> views) {
        this.memory = memory;
        this.views = views;
        views.add(this);
    }

    /** A first view of {@code memory}. */
    public static TrackingCacheStore over(InMemoryCacheStore memory) {
        return new TrackingCacheStore(memory, new CopyOnWriteArrayList<>());
    }

    /** Another instance's view of the same memory, told of the same changes. */
    public TrackingCacheStore another() {
        return new TrackingCacheStore(memory, views);
    }

    /** The listener the engine registered; null before. */
    public Listener listener() {
        return listener;
    }

    /** The shared memory. */
    public InMemoryCacheStore memory() {
        return memory;
    }

    @Override
    public void listen(String keyPrefix, Listener l) {
        this.listener = l;
    }

    private void changed(String key) {
        if (!pushes) {
            return;
        }
        for (TrackingCacheStore v : views) {
            Listener l = v.listener;
            if (l != null) {
                l.invalidated(key);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private <T> Mono<T> shaped(Mono<T> read) {
        return Mono.defer(() -> (Mono<T>) reads.apply(read));
    }

    @Override
    public Mono<byte[]> get(String key) {
        return shaped(memory.get(key));
    }

    @Override
    public Mono<CacheLookup> getOrLease(String key, Duration leaseTtl) {
        return shaped(memory.getOrLease(key, leaseTtl));
    }

    @Override
    public Mono<Void> set(String key, byte[] value, Duration ttl) {
        return memory.set(key, value, ttl).doOnSuccess(v -> changed(key));
    }

    @Override
    public Mono<Boolean> delete(String key) {
        return memory.delete(key).doOnSuccess(v -> changed(key));
    }

    @Override
    public Mono<Boolean> fill(String key, String leaseToken, byte[] value, Duration ttl) {
        return memory.fill(key, leaseToken, value, ttl).doOnSuccess(v -> changed(key));
    }

    @Override
    public Mono<Boolean> replace(String key, byte[] expected, byte[] value, Duration ttl) {
        return memory.replace(key, expected, value, ttl).doOnSuccess(v -> changed(key));
    }

    @Override
    public Mono<Void> tag(Collection<String> tags, String key, Duration ttl) {
        return memory.tag(tags, key, ttl);
    }

    @Override
    public Mono<Long> invalidateTag(String tag) {
        return Mono.defer(() -> {
            Set<String> keys = Set.copyOf(memory.tagged(tag));
            return memory.invalidateTag(tag).doOnSuccess(v -> keys.forEach(this::changed));
        });
    }

    @Override
    public Mono<Void> closeAsync() {
        return Mono.empty();
    }
}
