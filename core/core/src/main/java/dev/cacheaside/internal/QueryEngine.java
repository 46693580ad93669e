package dev.cacheaside.internal;

import dev.cacheaside.internal.Loader.Mode;
import dev.cacheaside.spi.CacheObserver;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.InvalidatingStore;
import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.spi.Statement;
import java.util.List;
import java.util.Set;
import reactor.core.publisher.Mono;

/**
 * The engine behind the facade {@code dev.cacheaside.CacheAside}: its parts, and the flow of one query through them.
 *
 * <p>A query's {@link Call} (key, query, TTL) joins the load in flight for its key
 * ({@link SingleFlight}) or reads the cache ({@link HitPath}: the read of {@link LeaseProtocol},
 * guarded as {@link GuardedStore} guards it, in one subscriber). A hit is decoded
 * ({@link EntryCodec}) and served, stale or due for an early refresh as {@link Freshness} says
 * ({@link BackgroundRefresher}); a miss is loaded from
 * the database and stored ({@link Loader}): under the lease it won, unconditionally, not at all,
 * or after waiting for another caller's lease. With a near tier ({@link NearTier}, when the
 * store is an {@link InvalidatingStore}) a kept entry is served before any of this, and a cache
 * read that may be kept puts its placeholder in before it is sent. Thread safe; one instance per
 * facade.
 */
public final class QueryEngine {

    private final EngineSettings options;
    private final QueryExecutor database;
    private final Counters counters = new Counters();
    private final BackgroundTasks background = new BackgroundTasks();
    private final QueryKeys keys;
    private final GuardedStore store;
    private final SingleFlight flights;
    private final TableInvalidator invalidator;
    private final LeaseProtocol leases;
    private final Freshness freshness;
    private final EntryCodec codec;
    private final Loader loader;
    private final BackgroundRefresher refresher;
    private final HitPath hits;
    /** The near tier, or null when it is off. */
    private final NearTier near;
    /** The observer of queries and their phases, or null. */
    private final CacheObserver observer;

    /**
     * The engine over {@code database} and {@code cache}; it closes both in {@link #closeAsync()}.
     *
     * @throws IllegalArgumentException when a near tier is configured and {@code cache} does not
     *     report invalidations ({@link InvalidatingStore})
     * @throws UnsupportedOperationException when {@code cache} cannot report them as deployed
     */
    public QueryEngine(QueryExecutor database, CacheStore cache, EngineSettings options) {
        this(database, cache, options, null);
    }

    /**
     * As {@link #QueryEngine(QueryExecutor, CacheStore, EngineSettings)}, with {@code observer}
     * (null: none) watching each query's cache read and database load.
     */
    public QueryEngine(QueryExecutor database, CacheStore cache, EngineSettings options, CacheObserver observer) {
        this.observer = observer;
        this.near = nearTier(cache, options);
        this.options = options;
        this.database = database;
        CacheFailureLog failures = new CacheFailureLog(EngineLog.logger(), options.nanoTime());
        this.keys = new QueryKeys(options.keyPrefix());
        this.store = new GuardedStore(cache, options, counters);
        this.flights = new SingleFlight(options, counters);
        this.invalidator = new TableInvalidator(store, options, counters, flights, near);
        this.leases = new LeaseProtocol(store, options, counters, failures, invalidator, background);
        this.freshness = new Freshness(options);
        this.codec = new EntryCodec(options, counters, freshness);
        this.loader = new Loader(database, store, options, counters, failures, flights, leases, invalidator, codec,
                observer);
        this.refresher = new BackgroundRefresher(store, options, counters, flights, leases, loader, codec, background);
        this.hits = new HitPath(this, store, leases, options, observer);
    }

    /**
     * Answers {@code call}: from the load in flight for its key, the cache, or the database;
     * a call {@linkplain Call#forceRefresh() forced to refresh} skips the cache.
     * Errors only with the database's error.
     */
    public Mono<Served> serve(Call call) {
        if (call.forceRefresh()) {
            return refresher.forceRefresh(call);
        }
        if (near != null) {
            NearTier.Held held = near.get(call.key(), freshness.now());
            if (held != null) {
                return Mono.just(servedNear(call, held));
            }
        }
        Mono<Served> inFlight = flights.join(call.key());
        if (inFlight != null) {
            // a load for this key is running here: share it and spare the cache a round trip
            return inFlight;
        }
        return hits.read(call);
    }

    /**
     * The rows of a fresh or stale hit, served as {@link #serveEntry} says; null when {@code found}
     * is not a hit or its bytes do not decode (counted and logged), which {@link #answer} then
     * answers.
     */
    Served served(Call call, Found found, NearTier.Pending pending) {
        if (found.kind != Found.Kind.HIT) {
            nearAbandon(call, pending);
            return null;
        }
        CachedEntry entry = codec.decode(call.key(), found.bytes);
        if (entry == null) {
            nearAbandon(call, pending);
            return null;
        }
        if (pending != null) {
            near.complete(call.key(), pending, entry, found.bytes);
        }
        return serveEntry(call, entry, found.bytes);
    }

    /**
     * The near tier's placeholder for {@code call}'s key, put before its cache read is sent;
     * null when there is no near tier or it keeps nothing for this read.
     */
    NearTier.Pending nearBegin(Call call) {
        return near == null ? null : near.begin(call);
    }

    /** Removes the placeholder of a read that keeps nothing near. */
    void nearAbandon(Call call, NearTier.Pending pending) {
        if (pending != null) {
            near.abandon(call.key(), pending);
        }
    }

    /** The near tier, or null when it is off; for tests and metrics. */
    NearTier near() {
        return near;
    }

    /** How many entries the near tier keeps now; 0 without one. */
    public long nearSize() {
        return near == null ? 0 : near.size();
    }

    /** A near hit, served as {@link #serveEntry} serves a remote one. */
    private Served servedNear(Call call, NearTier.Held held) {
        long now = freshness.now();
        if (freshness.servedStale(held.entry, now)) {
            refresher.refreshInBackground(call, held.bytes);
            return new Served(held.entry.rows(), Origin.CACHE_STALE);
        }
        if (freshness.refreshEarly(held.entry, now)) {
            refresher.refreshInBackground(call, held.bytes);
        }
        return held.hit;
    }

    private static NearTier nearTier(CacheStore cache, EngineSettings options) {
        if (options.nearMaxBytes() <= 0) {
            return null;
        }
        if (!(cache instanceof InvalidatingStore)) {
            throw new IllegalArgumentException("nearCache needs a cache store that reports invalidations"
                    + " (Redis or Valkey, through RESP3 client tracking); " + cache.getClass().getSimpleName()
                    + " does not, so a near copy could outlive its entry");
        }
        NearTier tier = new NearTier(options.nearMaxBytes(), options.staleWhileRevalidate().toMillis());
        ((InvalidatingStore) cache).listen(options.keyPrefix(), tier);
        return tier;
    }

    /**
     * Answers what the cache read found when it is not a hit that {@link #served} serves: a hit
     * here is one whose bytes do not decode.
     */
    Mono<Served> answer(Call call, Found found) {
        switch (found.kind) {
            case HIT:
                // garbage under the key: replace it
                return loader.joinOrStart(call, Mode.SET);
            case WON:
                return loader.start(call, Mode.FILL, found.token, true);
            case HELD:
                return loader.joinOrStart(call, leases.possiblyOurOrphan(call.key()) ? Mode.NONE : Mode.WAIT);
            case ABSENT:
                return loader.joinOrStart(call, Mode.SET);
            default:
                // the cache could not be read; with leases an unconditional write could land
                // after an invalidation, so the result is not cached
                return loader.joinOrStart(call, options.leases() ? Mode.NONE : Mode.SET);
        }
    }

    /** Serves a cached entry: stale while it is refreshed, or fresh, perhaps refreshed early. */
    private Served serveEntry(Call call, CachedEntry entry, byte[] bytes) {
        long now = freshness.now();
        if (freshness.servedStale(entry, now)) {
            refresher.refreshInBackground(call, bytes);
            return new Served(entry.rows(), Origin.CACHE_STALE);
        }
        if (freshness.refreshEarly(entry, now)) {
            refresher.refreshInBackground(call, bytes);
        }
        return new Served(entry.rows(), Origin.CACHE_HIT);
    }

    /**
     * The write path: runs {@code statements} (one, or several in one transaction) through the
     * database and, once they have committed, invalidates every cached query over {@code tables}.
     * Nothing runs until subscription; after {@link #closeAsync()} it errors with
     * {@link IllegalStateException}.
     */
    public Mono<Long> write(List<Statement> statements, Set<String> tables) {
        return Mono.defer(() -> {
            if (background.isClosed()) {
                return Mono.error(new IllegalStateException("this CacheAside is closed"));
            }
            Mono<Long> write = statements.size() == 1
                    ? database.update(statements.get(0))
                    : database.updateInTransaction(statements);
            return write.flatMap(rows -> invalidator.invalidateTables(tables, rows).thenReturn(rows));
        });
    }

    /** The observer of queries and their phases, or null. */
    public CacheObserver observer() {
        return observer;
    }

    /** The keys of queries. */
    public QueryKeys keys() {
        return keys;
    }

    /** The guarded cache store (its circuit state and recorder). */
    public GuardedStore store() {
        return store;
    }

    /** The live counters. */
    public Counters counters() {
        return counters;
    }

    /** The loads in flight. */
    public SingleFlight flights() {
        return flights;
    }

    /** Invalidation of keys and tables. */
    public TableInvalidator invalidator() {
        return invalidator;
    }

    /** The background refreshes. */
    public BackgroundRefresher refresher() {
        return refresher;
    }

    /** Whether the engine is closed, and its background work. */
    public BackgroundTasks background() {
        return background;
    }

    /**
     * Closes the database executor and the cache store; loads in flight end with
     * {@link IllegalStateException}, background work is cancelled. Idempotent.
     */
    public Mono<Void> closeAsync() {
        return Mono.defer(() -> {
            if (!background.close()) {
                return Mono.empty();
            }
            flights.closeAll(() -> new IllegalStateException("this CacheAside was closed"));
            background.cancelAll();
            refresher.clear();
            if (near != null) {
                near.forgetAll();
            }
            return Mono.whenDelayError(Mono.defer(database::closeAsync), Mono.defer(store.delegate()::closeAsync));
        });
    }
}
