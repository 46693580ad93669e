package dev.cacheaside;

import dev.cacheaside.RowCodec.CorruptEntryException;
import dev.cacheaside.RowCodec.UnsupportedValueException;
import dev.cacheaside.config.Settings;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.QueryExecutor;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Cache-aside (lazy loading) in front of a SQL database: the entry point of the library.
 *
 * <p>A query is answered from the cache when its entry is there ({@link Source#CACHE_HIT});
 * otherwise the database answers, the rows are written to the cache with a time to live, and
 * returned ({@link Source#CACHE_MISS}). The cache key is {@code query:} followed by the lowercase
 * hex SHA-256 of the SQL (bind parameters hashed too; see {@link #keyFor(Query)}).
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>Every operation is lazy: nothing reaches the cache or the database until the returned
 *       {@link Mono} is subscribed, and each subscription runs the operation again.</li>
 *   <li>Bad input (null or blank SQL, a TTL that is not positive, a parameter of an unsupported
 *       type) fails at the call with an {@link IllegalArgumentException}, before any
 *       {@link Mono} exists.</li>
 *   <li>A cache that fails to read is a miss: the database answers. A cache that fails to write
 *       is logged and the result still returned. A value that cannot be decoded is a miss and is
 *       replaced. A database error reaches the subscriber and nothing is cached.</li>
 *   <li>Concurrent misses on one key in one instance run one database query; every subscriber
 *       gets its rows. A subscriber that cancels does not cancel the load for the others; the
 *       load then still completes and fills the cache.</li>
 *   <li>When a miss completes, its entry has been written (or the write has failed and been
 *       logged), so a following query on the same instance hits.</li>
 * </ul>
 *
 * <p>Thread safe; one instance serves a whole application. {@link #close()} closes the database
 * executor and the cache store it was built with.
 */
public final class CacheAside implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CacheAside.class);

    private final QueryExecutor database;
    private final CacheStore cache;
    private final CacheAsideOptions options;
    private final ConcurrentHashMap<String, Load> loads = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private CacheAside(QueryExecutor database, CacheStore cache, CacheAsideOptions options) {
        this.database = database;
        this.cache = cache;
        this.options = options;
    }

    /** A builder for an instance over a database executor and a cache store of your own. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * An instance configured from the environment and {@code ./.env} (see {@link Settings#load()}):
     * {@code DB_ENGINE} (default {@code h2}, embedded) and {@code CACHE_ENGINE} (default
     * {@code local}, in-process) choose the adapters; {@code CACHE_TTL} and
     * {@code CACHE_KEY_PREFIX} set the options.
     *
     * @throws dev.cacheaside.config.ConfigurationException naming the variable and the value when
     *     one is invalid or names an engine that is not on the classpath
     */
    public static CacheAside create() {
        return create(Settings.load());
    }

    /** Like {@link #create()}, from the given settings. */
    public static CacheAside create(Settings settings) {
        CacheAsideOptions options = CacheAsideOptions.builder()
                .defaultTtl(settings.getDuration("CACHE_TTL", CacheAsideOptions.DEFAULT_TTL))
                .keyPrefix(settings.get("CACHE_KEY_PREFIX", CacheAsideOptions.DEFAULT_KEY_PREFIX))
                .build();
        QueryExecutor database = Engines.database(settings);
        CacheStore cache;
        try {
            cache = Engines.cache(settings);
        } catch (RuntimeException e) {
            database.closeAsync().subscribe(null, err -> log.debug("closing the database failed", err));
            throw e;
        }
        return new CacheAside(database, cache, options);
    }

    /** This instance's options. */
    public CacheAsideOptions options() {
        return options;
    }

    /**
     * Runs {@code sql} through the cache with the default TTL.
     *
     * @param sql        the SQL text, parameters written {@code ?}
     * @param parameters the values bound to the placeholders, in order
     * @throws IllegalArgumentException at the call, for bad input (see {@link Query#of})
     */
    public Mono<QueryResult> query(String sql, Object... parameters) {
        return query(Query.of(sql, parameters));
    }

    /**
     * Runs {@code sql} (without parameters) through the cache with its own time to live.
     *
     * @throws IllegalArgumentException at the call, for bad input or a TTL that is not positive
     */
    public Mono<QueryResult> query(String sql, Duration ttl) {
        return query(Query.of(sql).withTtl(ttl));
    }

    /**
     * Runs {@code query} through the cache: a hit returns the cached rows; a miss (or a query
     * {@linkplain Query#withForceRefresh() forced to refresh}) asks the database and writes the
     * entry with the query's TTL, or the default.
     *
     * @return a {@link Mono} of the result; it errors only with the database's error, or with
     *     {@link IllegalStateException} after {@link #close()}
     */
    public Mono<QueryResult> query(Query query) {
        if (query == null) {
            throw new IllegalArgumentException("query must not be null");
        }
        return Mono.defer(() -> {
            if (closed.get()) {
                return Mono.error(new IllegalStateException("this CacheAside is closed"));
            }
            long start = options.nanoTime().getAsLong();
            String key = keyFor(query);
            Duration ttl = query.ttl() != null ? query.ttl() : options.defaultTtl();
            if (query.forceRefresh()) {
                return loadAndWrite(key, query, ttl).map(rows -> result(key, rows, Source.CACHE_MISS, start));
            }
            return read(key)
                    .map(rows -> result(key, rows, Source.CACHE_HIT, start))
                    .switchIfEmpty(Mono.defer(() -> join(key, query, ttl))
                            .map(rows -> result(key, rows, Source.CACHE_MISS, start)));
        });
    }

    /**
     * Force refresh: asks the database without reading the cache, overwrites the entry, and
     * reports {@link Source#CACHE_MISS}.
     */
    public Mono<QueryResult> refresh(String sql, Object... parameters) {
        return query(Query.of(sql, parameters).withForceRefresh());
    }

    /**
     * Removes the cached entry of {@code sql} with {@code parameters}.
     *
     * @return a {@link Mono} of {@code true} when an entry was removed, {@code false} when there
     *     was none; it errors when the cache cannot be reached, since the caller must know that
     *     the entry may still be there
     */
    public Mono<Boolean> invalidate(String sql, Object... parameters) {
        return invalidate(Query.of(sql, parameters));
    }

    /** Removes the cached entry of {@code query}; see {@link #invalidate(String, Object...)}. */
    public Mono<Boolean> invalidate(Query query) {
        if (query == null) {
            throw new IllegalArgumentException("query must not be null");
        }
        return Mono.defer(() -> {
            String key = keyFor(query);
            Load pending = loads.remove(key);
            if (pending != null) {
                // a load that began before this invalidation must not write what it read
                pending.invalidated = true;
            }
            return cache.delete(key);
        });
    }

    /**
     * The cache key of {@code sql} with {@code parameters}: the key prefix and the lowercase hex
     * SHA-256 of the UTF-8 SQL text when there are no parameters.
     */
    public String keyFor(String sql, Object... parameters) {
        return keyFor(Query.of(sql, parameters));
    }

    /**
     * The cache key of {@code query}. Without parameters: prefix + hex SHA-256 of the SQL's UTF-8
     * bytes. With parameters: prefix + hex SHA-256 of {@code 0xFF}, then the SQL and each
     * parameter, each as a type tag, a 4-byte length and its bytes; so no two different
     * parameter lists share a key, and no parameterized query shares one with a plain one.
     */
    public String keyFor(Query query) {
        return CacheKeys.key(options.keyPrefix(), query.sql(), query.parameters());
    }

    /** The number of database loads in flight; for tests and metrics. */
    int loadsInFlight() {
        return loads.size();
    }

    /** How many callers share the load in flight for {@code key} (0 when none); for tests. */
    int callersOf(String key) {
        Load load = loads.get(key);
        return load == null ? 0 : load.callers.get();
    }

    private Mono<Rows> read(String key) {
        return Mono.defer(() -> cache.get(key))
                .onErrorResume(e -> {
                    log.warn("cache read of {} failed, the database answers: {}", key, e.toString());
                    return Mono.empty();
                })
                .flatMap(bytes -> {
                    try {
                        return Mono.just(RowCodec.decode(bytes));
                    } catch (CorruptEntryException e) {
                        log.warn("cache entry {} does not decode ({}); treating it as a miss and replacing it",
                                key, e.getMessage());
                        return Mono.empty();
                    }
                });
    }

    /** Joins the load in flight for {@code key}, or starts one. */
    private Mono<Rows> join(String key, Query query, Duration ttl) {
        Load fresh = new Load();
        Load existing = loads.putIfAbsent(key, fresh);
        if (existing != null) {
            existing.callers.incrementAndGet();
            return existing.sink.asMono();
        }
        fresh.subscription = loadAndWrite(key, query, ttl, fresh)
                .subscribe(rows -> {
                    loads.remove(key, fresh);
                    fresh.sink.tryEmitValue(rows);
                }, error -> {
                    loads.remove(key, fresh);
                    fresh.sink.tryEmitError(error);
                });
        return fresh.sink.asMono();
    }

    private Mono<Rows> loadAndWrite(String key, Query query, Duration ttl) {
        return loadAndWrite(key, query, ttl, null);
    }

    private Mono<Rows> loadAndWrite(String key, Query query, Duration ttl, Load load) {
        return Mono.defer(() -> database.execute(query.sql(), query.parameters()))
                .switchIfEmpty(Mono.error(() -> new IllegalStateException(
                        "the database adapter completed without rows for " + query)))
                .flatMap(rows -> {
                    if (load != null && load.invalidated) {
                        return Mono.just(rows);
                    }
                    return write(key, rows, ttl).thenReturn(rows);
                });
    }

    private Mono<Void> write(String key, Rows rows, Duration ttl) {
        byte[] bytes;
        try {
            bytes = RowCodec.encode(rows);
        } catch (UnsupportedValueException e) {
            log.warn("result of {} is not cached: {}", key, e.getMessage());
            return Mono.empty();
        }
        return Mono.defer(() -> cache.set(key, bytes, ttl))
                .onErrorResume(e -> {
                    log.warn("cache write of {} failed, the result is returned uncached: {}", key, e.toString());
                    return Mono.empty();
                });
    }

    private QueryResult result(String key, Rows rows, Source source, long start) {
        long elapsed = Math.max(0, options.nanoTime().getAsLong() - start);
        return new QueryResult(key, rows, source, Duration.ofNanos(elapsed));
    }

    /**
     * Closes the database executor and the cache store; loads in flight end with
     * {@link IllegalStateException}. Idempotent.
     */
    public Mono<Void> closeAsync() {
        return Mono.defer(() -> {
            if (!closed.compareAndSet(false, true)) {
                return Mono.empty();
            }
            loads.forEach((key, load) -> {
                if (loads.remove(key, load)) {
                    Disposable subscription = load.subscription;
                    if (subscription != null) {
                        subscription.dispose();
                    }
                    load.sink.tryEmitError(new IllegalStateException("this CacheAside was closed"));
                }
            });
            return Mono.whenDelayError(Mono.defer(database::closeAsync), Mono.defer(cache::closeAsync));
        });
    }

    /** Blocking twin of {@link #closeAsync()}; never call it on an event-loop thread. */
    @Override
    public void close() {
        closeAsync().block();
    }

    @Override
    public String toString() {
        return "CacheAside[" + options + "]";
    }

    /** One database load in flight, shared by every concurrent miss of its key. */
    private static final class Load {
        final Sinks.One<Rows> sink = Sinks.one();
        final AtomicInteger callers = new AtomicInteger(1);
        volatile Disposable subscription;
        volatile boolean invalidated;
    }

    /** Builds a {@link CacheAside} from a database executor, a cache store and options. */
    public static final class Builder {
        private QueryExecutor database;
        private CacheStore cache;
        private CacheAsideOptions options = CacheAsideOptions.defaults();

        private Builder() {
        }

        /** The database side; required. Closed by {@link CacheAside#close()}. */
        public Builder database(QueryExecutor database) {
            this.database = database;
            return this;
        }

        /** The cache side; required. Closed by {@link CacheAside#close()}. */
        public Builder cache(CacheStore cache) {
            this.cache = cache;
            return this;
        }

        /** The options; defaults when not set. */
        public Builder options(CacheAsideOptions options) {
            this.options = options;
            return this;
        }

        /**
         * The instance.
         *
         * @throws IllegalArgumentException when the database or the cache is missing
         */
        public CacheAside build() {
            if (database == null) {
                throw new IllegalArgumentException("database must be set: a QueryExecutor such as R2dbcQueryExecutor");
            }
            if (cache == null) {
                throw new IllegalArgumentException("cache must be set: a CacheStore such as LocalCacheStore");
            }
            return new CacheAside(database, cache, Objects.requireNonNull(options, "options"));
        }
    }
}
