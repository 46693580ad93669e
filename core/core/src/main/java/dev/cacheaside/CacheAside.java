package dev.cacheaside;

import dev.cacheaside.internal.EngineAccess;
import dev.cacheaside.internal.EngineSettings;
import dev.cacheaside.internal.QueryEngine;
import dev.cacheaside.internal.Recorder;
import dev.cacheaside.internal.StoreProbe;
import dev.cacheaside.internal.TransactionJoin;
import dev.cacheaside.spi.CacheObserver;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.ChangeSink;
import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.spi.TableChanges;
import dev.cacheaside.spi.TransactionalExecutor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import reactor.core.publisher.Mono;

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
 *   <li>Bad input (null or blank SQL, SQL that is not a read, a TTL that is not positive, a
 *       parameter of an unsupported type) fails at the call with an
 *       {@link IllegalArgumentException}, before any {@link Mono} exists.</li>
 *   <li>A cache that fails or times out ({@link CacheAsideOptions#cacheTimeout()}) on a read is a
 *       miss: the database answers. A cache that fails to write is logged and the result still
 *       returned. A value that cannot be decoded is a miss and is replaced. A database error
 *       reaches the subscriber and nothing is cached.</li>
 *   <li>Concurrent misses on one key in one instance run one database query; every subscriber
 *       gets its rows. With {@linkplain CacheAsideOptions#leases() leases} (the default), that
 *       holds across every instance sharing the cache: one caller holds the key's lease and
 *       loads; the others wait up to {@link CacheAsideOptions#leaseWait()} for its value and then
 *       ask the database themselves.</li>
 *   <li>{@link #invalidate} removes the entry and any lease, so a load that began before the
 *       invalidation cannot write what it read afterwards (no stale set).</li>
 *   <li>A subscriber that cancels does not cancel the load for the others; the load then still
 *       completes and fills the cache. Nothing is left in flight after a load ends, whatever
 *       its outcome (rows, error, cancel, close, or an {@link Error} such as
 *       {@link OutOfMemoryError} from the encoder, which makes the result uncached). A load
 *       older than {@link CacheAsideOptions#leaseTtl()} is never joined: Reactor rethrows
 *       JVM-fatal errors instead of signalling them, so such a load may never end; the next
 *       query starts another and hands its rows to the first one's callers too.</li>
 *   <li>A key whose cache reads time out
 *       {@value dev.cacheaside.internal.LeaseProtocol#TIMEOUTS_BEFORE_DELETE} times in a row is
 *       deleted in the background, so a value too large to read heals.</li>
 *   <li>When a miss completes, its entry has been written (or the write has failed or been
 *       refused), so a following query hits.</li>
 *   <li>With a database executor that knows its caller's transaction
 *       ({@link TransactionalExecutor}, such as the Spring Boot starter's over the application's
 *       R2DBC {@code ConnectionFactory}), a query subscribed inside a transaction is answered by
 *       the database through that transaction ({@link Source#CACHE_MISS}, counted as a database
 *       load) and the cache is neither read nor written for it; {@link #update} and
 *       {@link #transaction} run in the transaction, uncommitted, and invalidate the tables they
 *       write once it has committed, never when it rolls back.</li>
 * </ul>
 *
 * <p>Thread safe; one instance serves a whole application. {@link #close()} closes the database
 * executor and the cache store it was built with.
 */
public final class CacheAside implements AutoCloseable {

    static {
        // our test kit reaches the engine through EngineAccess (internal, not an API)
        EngineAccess.register(facade -> {
            if (!(facade instanceof CacheAside c)) {
                throw new IllegalArgumentException("not a CacheAside: " + facade);
            }
            return c.engine;
        });
    }

    private final CacheAsideOptions options;
    private final EngineSettings settings;
    private final QueryEngine engine;
    /** Queries, checked at the call and answered by the engine. */
    private final ReadPath reads;
    /** Writes and invalidations. */
    private final WritePath writes;

    private CacheAside(QueryExecutor database, CacheStore cache, CacheAsideOptions options, CacheObserver observer) {
        this.options = options;
        this.settings = EngineMapping.settings(options);
        this.engine = new QueryEngine(database, cache, settings, observer);
        // the caller's transaction joined, when the executor knows one; null when it cannot
        TransactionJoin transactions = database instanceof TransactionalExecutor joinable
                ? new TransactionJoin(joinable, engine, settings, EngineMapping::invalidation) : null;
        this.reads = new ReadPath(engine, options, transactions, database.dialect());
        this.writes = new WritePath(engine, transactions);
    }

    /** A builder for an instance over a database executor and a cache store of your own. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Opens the cache connection as part of an application's start: {@link #connect(Duration)}
     * within {@link CacheAsideOptions#connectTimeout()}, waited for. A cache that does not answer
     * in time is logged once (WARN) and never fails the start; queries then go to the database
     * until it answers. On a thread that must not block (an event loop) the attempt runs in the
     * background instead, and this method returns at once.
     */
    public void connectAtStart() {
        StoreProbe.atStart(engine.store().delegate(), settings, connect(options.connectTimeout()), engine.background());
    }

    /**
     * Opens the cache's connections ahead of the first query: probes the cache (a read of a key
     * that holds nothing) until a probe answers or {@code within} has passed. A store connects
     * lazily, and in a fresh JVM its first connection can take longer than
     * {@link CacheAsideOptions#cacheTimeout()}, which would turn the first queries into misses
     * and the first invalidation into an error. The probes bypass the circuit breaker.
     *
     * <p>{@link #connectAtStart()} calls it with {@link CacheAsideOptions#connectTimeout()}; call
     * either yourself after {@link #builder()}, at start, when the store connects lazily.
     *
     * @return a {@link Mono} of {@code true} once the cache answers, {@code false} when it did not
     *     answer in time (queries then go to the database until it does); it never errors
     */
    public Mono<Boolean> connect(Duration within) {
        Objects.requireNonNull(within, "within");
        return StoreProbe.connect(engine.store().delegate(), settings, within);
    }

    /** This instance's options. */
    public CacheAsideOptions options() {
        return options;
    }

    /** A snapshot of this instance's counts. */
    public CacheAsideStats stats() {
        return EngineMapping.stats(engine);
    }

    /**
     * Runs {@code sql} through the cache with the default TTL.
     *
     * @param sql        the SQL text (a read), parameters written {@code ?}
     * @param parameters the values bound to the placeholders, in order
     * @throws IllegalArgumentException at the call, for bad input (see {@link Query#of})
     */
    public Mono<QueryResult> query(String sql, Object... parameters) {
        return query(Query.of(sql, parameters));
    }

    /**
     * Runs {@code sql}, written with named parameters ({@code :name}), through the cache with
     * the default TTL: the same query, with the same key, as its {@code ?} form (see
     * {@link Query#named}).
     *
     * @throws IllegalArgumentException at the call, for bad input (see {@link Query#named})
     */
    public Mono<QueryResult> query(String sql, Map<String, ?> parameters) {
        return query(Query.named(sql, parameters));
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
     * @throws IllegalArgumentException at the call, before anything is sent to the cache or the
     *     database, when the query is null, its SQL is not exactly one read (see README, "What
     *     query() refuses": several statements, writes, locking clauses, {@code SELECT ... INTO},
     *     {@code EXPLAIN ANALYZE}, and state-changing functions such as {@code nextval} unless
     *     {@link CacheAsideOptions#allowStateChangingFunctions()}), or the number of parameters
     *     differs from the {@code ?} markers in the SQL as the executor's dialect counts them
     */
    public Mono<QueryResult> query(Query query) {
        return reads.query(query);
    }

    /**
     * Force refresh: asks the database without reading the cache, overwrites the entry, and
     * reports {@link Source#CACHE_MISS}. With leases, the entry is first removed and the load
     * takes the key's lease, so no load that began earlier can overwrite the refreshed value.
     */
    public Mono<QueryResult> refresh(String sql, Object... parameters) {
        return query(Query.of(sql, parameters).withForceRefresh());
    }

    /**
     * Removes the cached entry of {@code sql} with {@code parameters}, and any lease on it.
     *
     * <p>Invalidations do not go through the circuit breaker (it protects reads): each tries the
     * cache, and once more after a failure, within {@link CacheAsideOptions#invalidationTimeout()}.
     *
     * @return a {@link Mono} of {@code true} when an entry was removed, {@code false} when there
     *     was none; it errors with a {@link CacheInvalidationException} saying that the entry may
     *     remain when both attempts failed, since the caller must know that
     */
    public Mono<Boolean> invalidate(String sql, Object... parameters) {
        return invalidate(Query.of(sql, parameters));
    }

    /** Removes the cached entry of {@code query}; see {@link #invalidate(String, Object...)}. */
    public Mono<Boolean> invalidate(Query query) {
        if (query == null) {
            throw new IllegalArgumentException("query must not be null");
        }
        return writes.invalidate(query, keyFor(query));
    }

    /**
     * Makes every cached query that reads any of {@code tables} a miss, in every instance sharing
     * the cache: their entries and leases are removed, so a load that began before this call
     * cannot fill afterwards. Names are compared without schema, quotes or case.
     *
     * <p>Like {@link #invalidate(String, Object...)} it bypasses the circuit breaker and tries twice
     * within {@link CacheAsideOptions#invalidationTimeout()}.
     *
     * @return a {@link Mono} of the number of entries removed; it errors with a
     *     {@link CacheInvalidationException} saying that entries may remain when both attempts
     *     failed (or with {@link UnsupportedOperationException} for a store without tags)
     * @throws IllegalArgumentException at the call when no table is given or a name is blank
     */
    public Mono<Long> invalidateTable(String... tables) {
        return writes.invalidateTables(tables);
    }

    /**
     * The sink a {@link dev.cacheaside.spi.ChangeSource} delivers committed changes to: each
     * {@link TableChanges} is an {@link #invalidateTable} of its tables (so a write committed by
     * anyone, outside this library too, reaches every instance sharing the cache). Its
     * {@link Mono} errors with a {@link CacheInvalidationException} when the invalidation failed,
     * so the source delivers the changes again.
     */
    public ChangeSink changeSink() {
        return changes -> invalidateTable(changes.tables().toArray(String[]::new)).then();
    }

    /**
     * The write path: runs one {@code INSERT}, {@code UPDATE}, {@code DELETE}, {@code MERGE} or
     * {@code REPLACE} through the database, and once it has committed, invalidates every cached
     * query over the tables it writes ({@link #invalidateTable}). A query whose load read the
     * database before the commit cannot fill the cache after it.
     *
     * <p>Inside a transaction that the executor joins (see the class description), the write runs
     * in it uncommitted, the returned {@link Mono} completes with its row count before the commit,
     * and the invalidation runs after the commit (not at all on rollback); a
     * {@link CacheInvalidationException} then reaches whoever committed, where the transaction's
     * owner reports an after-commit error (Spring's commit does).
     *
     * @return a {@link Mono} of the number of rows changed; the database's error when the write
     *     fails (nothing is invalidated then); a {@link CacheInvalidationException} when the
     *     write committed but the cache could not be invalidated
     * @throws IllegalArgumentException at the call when the SQL is not such a write, or for bad
     *     parameters
     */
    public Mono<Long> update(String sql, Object... parameters) {
        return update(Query.of(sql, parameters));
    }

    /** The write path for {@code write}; see {@link #update(String, Object...)}. */
    public Mono<Long> update(Query write) {
        return transaction(List.of(write));
    }

    /**
     * The write path for several writes in one transaction: all commit or none; after the commit
     * every cached query over the tables any of them writes is invalidated.
     *
     * @see #update(String, Object...)
     */
    public Mono<Long> transaction(List<Query> writes) {
        return this.writes.transaction(writes);
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
        return reads.keyFor(query);
    }

    /** The engine (its loads in flight, refreshes); for tests. */
    QueryEngine engine() {
        return engine;
    }

    /** The state of the circuit breaker in front of the cache: CLOSED, OPEN, HALF_OPEN, or DISABLED. */
    public String cacheCircuitState() {
        return engine.store().circuitState();
    }

    /** Installs the recorder of timings; for {@link CacheAsideMetrics}. */
    void recorder(Recorder recorder) {
        engine.store().recorder(recorder);
    }

    /**
     * Closes the database executor and the cache store; loads in flight end with
     * {@link IllegalStateException}, background refreshes are cancelled. Idempotent.
     */
    public Mono<Void> closeAsync() {
        return engine.closeAsync();
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

    /** Builds a {@link CacheAside} from a database executor, a cache store and options. */
    public static final class Builder {
        private QueryExecutor database;
        private CacheStore cache;
        private CacheAsideOptions options = CacheAsideOptions.defaults();
        private CacheObserver observer;

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
         * The observer of queries, refreshes, invalidations and writes, for tracing (the Spring
         * Boot starter installs one over Micrometer's {@code ObservationRegistry}); none when not
         * set or null. See {@link CacheObserver}.
         */
        public Builder observer(CacheObserver observer) {
            this.observer = observer;
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
            return new CacheAside(database, cache, Objects.requireNonNull(options, "options"), observer);
        }
    }
}
