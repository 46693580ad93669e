package dev.cacheaside.internal;

import dev.cacheaside.internal.EntryCodec.Encoded;
import dev.cacheaside.internal.Loader.Mode;
import dev.cacheaside.spi.CacheLookup;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import reactor.core.publisher.Mono;

/**
 * Refreshes entries ahead of a miss: a forced refresh asks the database for the caller and
 * overwrites the entry; a background refresh replaces a stale or soon-to-expire entry while the
 * caller is served the old one, at most once at a time per key in this instance and, through the
 * lease on the key with {@link #REFRESH_SUFFIX}, across instances. A background refresh writes
 * with the store's compare-and-set; on a store without one, entries are not refreshed in the
 * background (one warning says so) and a stale entry stays as it is until its TTL. Thread safe.
 */
public final class BackgroundRefresher {

    /** Logs under the facade's name, which applications configure. */
    private static final Logger log = EngineLog.logger();

    /** Suffix of the key whose lease guards a background refresh of an entry. */
    public static final String REFRESH_SUFFIX = ":refresh";

    private final GuardedStore store;
    private final EngineSettings options;
    private final Counters counters;
    private final SingleFlight flights;
    private final LeaseProtocol leases;
    private final Loader loader;
    private final EntryCodec codec;
    private final BackgroundTasks background;
    private final Set<String> refreshing = ConcurrentHashMap.newKeySet();
    /** Whether the store can refresh in the background, decided once. */
    private final boolean canRefresh;
    private final AtomicBoolean cannotRefreshLogged = new AtomicBoolean();

    BackgroundRefresher(GuardedStore store, EngineSettings options, Counters counters, SingleFlight flights,
                        LeaseProtocol leases, Loader loader, EntryCodec codec, BackgroundTasks background) {
        this.store = store;
        this.options = options;
        this.counters = counters;
        this.flights = flights;
        this.leases = leases;
        this.loader = loader;
        this.codec = codec;
        this.background = background;
        this.canRefresh = store.hasCompareAndSet();
    }

    /**
     * Force refresh: asks the database without reading the cache, overwrites the entry, and
     * answers {@link Origin#CACHE_MISS}. With leases, the entry is first removed and the load
     * takes the key's lease, so no load that began earlier can overwrite the refreshed value.
     */
    Mono<Served> forceRefresh(Call call) {
        if (!options.leases()) {
            return loader.loadAndSet(call, null);
        }
        String key = call.key();
        flights.forget(key);
        return store.delete(key)
                .then(leases.lookup(key))
                .onErrorResume(e -> {
                    counters.cacheWriteErrors.increment();
                    log.warn("cache delete of {} failed before a refresh; the result is not cached: {}", key, e.toString());
                    return Mono.just(Found.UNREACHABLE);
                })
                .flatMap(found -> {
                    switch (found.kind) {
                        case WON:
                            return loader.start(call, Mode.FILL, found.token, true);
                        case HELD:
                            // another caller took the lease after our delete: its load is fresh
                            return loader.start(call, Mode.WAIT, null, false)
                                    .map(served -> new Served(served.rows(), Origin.CACHE_MISS));
                        case HIT:
                            CachedEntry entry = codec.decode(key, found.bytes);
                            if (entry != null) {
                                // filled under a lease taken after our delete, so read after it
                                return Mono.just(new Served(entry.rows(), Origin.CACHE_MISS));
                            }
                            return loader.loadAndSet(call, null);
                        default:
                            return loader.loadUncached(call);
                    }
                });
    }

    /**
     * Refreshes {@code call}'s entry in the background, at most once at a time in this instance
     * and, through the lease on {@code key:refresh}, across instances. The new value replaces the
     * entry only if it still holds {@code staleBytes}: an invalidation or a newer fill wins.
     */
    void refreshInBackground(Call call, byte[] staleBytes) {
        String key = call.key();
        if (!canRefresh) {
            if (cannotRefreshLogged.compareAndSet(false, true)) {
                log.warn("background refresh of {} skipped; stale entries stay as they are until their TTL: {}",
                        key, store.noCompareAndSet().getMessage());
            }
            return;
        }
        if (background.isClosed() || !refreshing.add(key)) {
            return;
        }
        String lockKey = key + REFRESH_SUFFIX;
        Mono<Void> work = store.getOrLease(lockKey, options.leaseTtl())
                .filter(found -> found.kind() == CacheLookup.Kind.LEASE_WON)
                // another instance may have refreshed (or an invalidation come) between our read
                // and our lock: refresh only what is still the stale value we served
                .flatMap(won -> store.get(key)
                        .map(current -> Arrays.equals(current, staleBytes))
                        .defaultIfEmpty(false)
                        .flatMap(stillStale -> stillStale ? Mono.just(won)
                                : leases.release(lockKey).then(Mono.<CacheLookup>empty())))
                .flatMap(won -> {
                    counters.backgroundRefreshes.increment();
                    return loader.loadFromDatabase(call)
                            .flatMap(loaded -> {
                                Encoded encoded = codec.encode(key, loaded, call.ttl());
                                if (encoded == null) {
                                    return Mono.empty();
                                }
                                return store.replace(key, staleBytes, encoded.bytes(), encoded.ttl())
                                        .doOnNext(replaced -> {
                                            if (!replaced) {
                                                counters.staleFillsRefused.increment();
                                            }
                                        });
                            })
                            .then(store.delete(lockKey)
                                    .onErrorResume(e -> Mono.just(false)))
                            .then();
                })
                .onErrorResume(e -> {
                    log.warn("background refresh of {} failed; the entry stays as it is: {}", key, e.toString());
                    return Mono.empty();
                });
        background.run(work, () -> refreshing.remove(key));
    }

    /** The number of background refreshes running. */
    public int inFlight() {
        return refreshing.size();
    }

    /** Forgets the refreshes running (their work is cancelled with the engine's background tasks). */
    public void clear() {
        refreshing.clear();
    }
}
