package dev.cacheaside;

import dev.cacheaside.internal.CacheFailureLog;
import dev.cacheaside.internal.CacheKeys;
import dev.cacheaside.internal.CachedEntry;
import dev.cacheaside.internal.Counters;
import dev.cacheaside.internal.GuardedStore;
import dev.cacheaside.internal.Recorder;
import dev.cacheaside.internal.RowCodec;
import dev.cacheaside.internal.RowCodec.CorruptEntryException;
import dev.cacheaside.internal.RowCodec.EntryTooLargeException;
import dev.cacheaside.internal.RowCodec.UnsupportedValueException;
import dev.cacheaside.internal.TableNames;
import dev.cacheaside.internal.TextMemo;
import dev.cacheaside.config.Settings;
import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.spi.SqlDialect;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
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
 *   <li>A key whose cache reads time out {@value #TIMEOUTS_BEFORE_DELETE} times in a row is
 *       deleted in the background, so a value too large to read heals.</li>
 *   <li>When a miss completes, its entry has been written (or the write has failed or been
 *       refused), so a following query hits.</li>
 * </ul>
 *
 * <p>Thread safe; one instance serves a whole application. {@link #close()} closes the database
 * executor and the cache store it was built with.
 */
public final class CacheAside implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CacheAside.class);

    /** Suffix of the key whose lease guards a background refresh of an entry. */
    static final String REFRESH_SUFFIX = ":refresh";

    private final QueryExecutor database;
    private final CacheStore cache;
    private final CacheAsideOptions options;
    private final ConcurrentHashMap<String, Load> loads = new ConcurrentHashMap<>();
    private final Set<String> refreshing = ConcurrentHashMap.newKeySet();
    private final Disposable.Composite background = Disposables.composite();
    private final Counters counters = new Counters();
    /** What the read check found for each SQL text, in this executor's dialect (refusals too). */
    private final TextMemo<ReadOnlySql.Verdict> reads;
    /** Keys of SQL texts without parameters, by text. */
    private final TextMemo<String> plainKeys;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** The cache behind its timeout, circuit breaker and timing. */
    private final GuardedStore store;
    private final CacheFailureLog failures;
    /** Keys whose lease read timed out here, until when: their lease may be ours, orphaned. */
    private final ConcurrentHashMap<String, Long> orphanLeases = new ConcurrentHashMap<>();
    /** Reads of a key that timed out in a row, by key; see {@link #readFailed}. */
    private final ConcurrentHashMap<String, Integer> readTimeouts = new ConcurrentHashMap<>();
    /** How many reads of one key in a row may time out before the key is deleted. */
    static final int TIMEOUTS_BEFORE_DELETE = 3;

    private CacheAside(QueryExecutor database, CacheStore cache, CacheAsideOptions options) {
        this.database = database;
        this.cache = cache;
        this.options = options;
        this.failures = new CacheFailureLog(log, options.nanoTime());
        this.plainKeys = new TextMemo<>(10_000, sql -> CacheKeys.key(options.keyPrefix(), sql, List.of()));
        SqlDialect dialect = database.dialect() == null ? SqlDialect.UNKNOWN : database.dialect();
        this.reads = new TextMemo<>(10_000, sql -> ReadOnlySql.verdict(sql, dialect,
                options.allowStateChangingFunctions()));
        this.store = new GuardedStore(cache, options, counters);
    }

    /** A builder for an instance over a database executor and a cache store of your own. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * An instance configured from the environment and {@code ./.env} (see {@link Settings#load()}):
     * {@code DB_ENGINE} (default {@code h2}, embedded) and {@code CACHE_ENGINE} (default
     * {@code local}, in-process) choose the adapters; {@code CACHE_*} variables set the options
     * (see {@link CacheAsideSettings}).
     *
     * @throws dev.cacheaside.config.ConfigurationException naming the variable and the value when
     *     one is invalid or names an engine that is not on the classpath
     */
    public static CacheAside create() {
        return create(Settings.load());
    }

    /** Like {@link #create()}, from the given settings. */
    public static CacheAside create(Settings settings) {
        CacheAsideOptions options = CacheAsideSettings.options(settings);
        QueryExecutor database = Engines.database(settings);
        CacheStore cache;
        try {
            cache = Engines.cache(settings);
        } catch (RuntimeException e) {
            database.closeAsync().subscribe(null, err -> log.debug("closing the database failed", err));
            throw e;
        }
        CacheAside instance = new CacheAside(database, cache, options);
        instance.connectAtStart();
        return instance;
    }

    /**
     * Opens the cache connection as part of the start, bounded by
     * {@link CacheAsideOptions#connectTimeout()}; a cache that does not answer in time is logged
     * once (WARN) and never fails the start. On a thread that must not block (an event loop) the
     * attempt runs in the background instead.
     */
    void connectAtStart() {
        Duration within = options.connectTimeout();
        Mono<Boolean> connecting = connect(within).doOnNext(connected -> {
            if (!connected) {
                log.warn("the cache ({}) did not answer within {} at start; queries go to the database until it does",
                        cache, within);
            }
        });
        if (reactor.core.scheduler.Schedulers.isInNonBlockingThread()) {
            Disposable.Swap holder = Disposables.swap();
            background.add(holder);
            holder.update(connecting.doFinally(signal -> background.remove(holder)).subscribe());
            return;
        }
        // connect() never errors and ends by its own deadline; the extra second only guards a store that ignores cancel
        connecting.block(within.plusSeconds(1));
    }

    /**
     * Opens the cache's connections ahead of the first query: probes the cache (a read of a key
     * that holds nothing) until a probe answers or {@code within} has passed. A store connects
     * lazily, and in a fresh JVM its first connection can take longer than
     * {@link CacheAsideOptions#cacheTimeout()}, which would turn the first queries into misses
     * and the first invalidation into an error. The probes bypass the circuit breaker.
     *
     * <p>{@link #create()} calls it with {@link CacheAsideOptions#connectTimeout()}; call it
     * yourself after {@link #builder()}, at start, when the store connects lazily.
     *
     * @return a {@link Mono} of {@code true} once the cache answers, {@code false} when it did not
     *     answer in time (queries then go to the database until it does); it never errors
     */
    public Mono<Boolean> connect(Duration within) {
        Objects.requireNonNull(within, "within");
        String probe = options.keyPrefix() + "connect-probe";
        Duration perProbe = within.compareTo(Duration.ofSeconds(1)) < 0 ? within : Duration.ofSeconds(1);
        return Mono.defer(() -> {
            long deadline = options.nanoTime().getAsLong() + within.toNanos();
            return Mono.defer(() -> cache.get(probe))
                    .timeout(perProbe, options.scheduler())
                    .then(Mono.just(true))
                    .retryWhen(reactor.util.retry.Retry.fixedDelay(Long.MAX_VALUE, Duration.ofMillis(50)).scheduler(options.scheduler())
                            .filter(e -> options.nanoTime().getAsLong() < deadline))
                    .onErrorReturn(false);
        });
    }

    /** This instance's options. */
    public CacheAsideOptions options() {
        return options;
    }

    /** A snapshot of this instance's counts. */
    public CacheAsideStats stats() {
        return counters.snapshot(loads.size(), cacheCircuitState());
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
        if (query == null) {
            throw new IllegalArgumentException("query must not be null");
        }
        reads.get(query.sql()).require(query.parameters().size());
        return Mono.defer(() -> {
            if (closed.get()) {
                return Mono.error(new IllegalStateException("this CacheAside is closed"));
            }
            long start = options.nanoTime().getAsLong();
            String key = keyFor(query);
            Duration ttl = query.ttl() != null ? query.ttl() : options.defaultTtl();
            if (query.forceRefresh()) {
                return forceRefresh(key, query, ttl).map(served -> result(key, served, start));
            }
            Load inFlight = loads.get(key);
            if (inFlight != null && joinable(inFlight)) {
                // a load for this key is running here: share it and spare the cache a round trip
                return inFlight.join(counters).map(served -> result(key, served, start));
            }
            return lookup(key)
                    .flatMap(found -> answer(key, query, ttl, found))
                    .map(served -> result(key, served, start));
        });
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
        return Mono.defer(() -> {
            String key = keyFor(query);
            Load pending = loads.remove(key);
            if (pending != null) {
                // a load that began before this invalidation must not write what it read
                pending.invalidated = true;
            }
            return invalidation(limit -> store.invalidation(raw -> raw.delete(key), limit), (attempts, e) -> new CacheInvalidationException(
                    "the cached entry " + key + " could not be removed (" + attempts + " attempts within "
                    + options.invalidationTimeout() + ") and may remain, stale, until its TTL", tablesOf(query), e));
        });
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
        if (tables == null || tables.length == 0) {
            throw new IllegalArgumentException("name at least one table");
        }
        Set<String> names = new LinkedHashSet<>();
        for (String table : tables) {
            if (table == null || table.isBlank()) {
                throw new IllegalArgumentException("table names must not be null or blank");
            }
            names.add(TableNames.normalize(table));
        }
        return Mono.defer(() -> invalidateTables(names, -1));
    }

    /**
     * The write path: runs one {@code INSERT}, {@code UPDATE}, {@code DELETE}, {@code MERGE} or
     * {@code REPLACE} through the database, and once it has committed, invalidates every cached
     * query over the tables it writes ({@link #invalidateTable}). A query whose load read the
     * database before the commit cannot fill the cache after it.
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
        if (writes == null || writes.isEmpty()) {
            throw new IllegalArgumentException("name at least one write");
        }
        Set<String> tables = new LinkedHashSet<>();
        List<Map.Entry<String, List<?>>> statements = new ArrayList<>();
        for (Query write : writes) {
            if (write == null) {
                throw new IllegalArgumentException("writes must not be null");
            }
            ReadOnlySql.checkWrite(write.sql());
            tables.addAll(tablesOf(write));
            statements.add(Map.entry(write.sql(), write.parameters()));
        }
        if (tables.isEmpty()) {
            throw new IllegalArgumentException("cannot tell which tables " + writes.get(0).sql()
                    + " writes; declare them with Query.withTables");
        }
        return Mono.defer(() -> {
            if (closed.get()) {
                return Mono.error(new IllegalStateException("this CacheAside is closed"));
            }
            Mono<Long> write = statements.size() == 1
                    ? database.update(statements.get(0).getKey(), statements.get(0).getValue())
                    : database.updateInTransaction(statements);
            return write.flatMap(rows -> invalidateTables(tables, rows).thenReturn(rows));
        });
    }

    /** Invalidates {@code tables}; {@code rowsWritten} is the committed write's count, or -1 when no write ran. */
    private Mono<Long> invalidateTables(Set<String> tables, long rowsWritten) {
        if (!cache.supportsTags()) {
            return Mono.error(new UnsupportedOperationException(cache.getClass().getName()
                    + " has no tags, so queries cannot be invalidated by table"));
        }
        loads.forEach((key, load) -> {
            if (!Collections.disjoint(load.tables, tables) && loads.remove(key, load)) {
                load.invalidated = true;
            }
        });
        return invalidation(limit -> store.invalidation(raw -> Flux.fromIterable(tables)
                .concatMap(table -> raw.invalidateTag(TableNames.tagKey(options.keyPrefix(), table)))
                .reduce(0L, Long::sum), limit), (attempts, e) -> {
                    String how = " could not be invalidated (" + attempts + " attempts within " + options.invalidationTimeout()
                            + ") and may be stale until their TTL";
                    return rowsWritten < 0
                            ? new CacheInvalidationException("cached queries over " + tables + how, tables, e)
                            : new CacheInvalidationException("the write committed (" + rowsWritten + " rows) but cached"
                                    + " queries over " + tables + how, rowsWritten, tables, e);
                });
    }

    /**
     * An invalidation: bypasses the circuit breaker (which protects reads; a refused
     * invalidation would leave the caller unsure whether stale data remains), and tries twice
     * within {@link CacheAsideOptions#invalidationTimeout()}: the first attempt gets half of it,
     * the retry what is left: {@code attempt} makes one attempt within the time limit it is given.
     * When both fail, {@code failure} makes the error from the number of attempts and the last
     * error (the first one suppressed in it).
     */
    private <T> Mono<T> invalidation(java.util.function.Function<Duration, Mono<T>> attempt,
                                     java.util.function.BiFunction<Integer, Throwable, RuntimeException> failure) {
        Duration limit = options.invalidationTimeout();
        return Mono.defer(() -> {
            long deadline = options.nanoTime().getAsLong() + limit.toNanos();
            return attempt.apply(limit.dividedBy(2))
                    .onErrorResume(first -> {
                        if (!retryable(first)) {
                            return Mono.error(first instanceof CacheInvalidationException || first instanceof UnsupportedOperationException
                                    ? first : failure.apply(1, first));
                        }
                        long left = deadline - options.nanoTime().getAsLong();
                        Duration pause = Duration.ofNanos(Math.min(INVALIDATION_RETRY_PAUSE.toNanos(), Math.max(0, left / 4)));
                        Duration retryLimit = Duration.ofNanos(left - pause.toNanos());
                        if (retryLimit.isNegative() || retryLimit.isZero()) {
                            return Mono.error(failure.apply(1, first));
                        }
                        log.debug("invalidation failed, trying once more: {}", first.toString());
                        return Mono.delay(pause, options.scheduler())
                                .then(attempt.apply(retryLimit))
                                .onErrorMap(second -> {
                                    if (second != first) {
                                        second.addSuppressed(first);
                                    }
                                    return failure.apply(2, second);
                                });
                    });
        });
    }

    /** The pause before an invalidation's second attempt (shorter when little time is left). */
    private static final Duration INVALIDATION_RETRY_PAUSE = Duration.ofMillis(50);

    /** Whether an invalidation that failed with {@code e} may succeed when tried again. */
    private static boolean retryable(Throwable e) {
        return !(e instanceof IllegalArgumentException || e instanceof UnsupportedOperationException);
    }

    /** The tables {@code query} reads (or writes): parsed from its SQL, and those it declares. */
    private Set<String> tablesOf(Query query) {
        Set<String> parsed = TableNames.of(query.sql());
        if (query.tables().isEmpty()) {
            return parsed;
        }
        Set<String> all = new LinkedHashSet<>(parsed);
        all.addAll(query.tables());
        return all;
    }

    /**
     * Registers {@code key} under each table {@code query} reads, before its load reads the
     * database, so an invalidation of one of them reaches the key (and its lease) from then on.
     *
     * @return whether every table was registered; when not, the load must not fill
     */
    private Mono<Boolean> tag(String key, Query query, Duration ttl) {
        Set<String> tables = tablesOf(query);
        if (tables.isEmpty() || !cache.supportsTags()) {
            return Mono.just(true);
        }
        Duration keep = ttl.plus(options.staleWhileRevalidate()).plus(options.leaseTtl());
        List<String> tags = new ArrayList<>(tables.size());
        for (String table : tables) {
            tags.add(TableNames.tagKey(options.keyPrefix(), table));
        }
        return store.tag(tags, key, keep)
                .then(Mono.just(true))
                .onErrorResume(e -> {
                    counters.cacheWriteErrors.increment();
                    log.warn("could not register {} under its tables {}; the result is returned uncached: {}",
                            key, tables, e.toString());
                    return Mono.just(false);
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
        if (query.parameters().isEmpty()) {
            return plainKeys.get(query.sql());
        }
        return CacheKeys.key(options.keyPrefix(), query.sql(), query.parameters());
    }

    /** The number of database loads in flight; for tests and metrics. */
    int loadsInFlight() {
        return loads.size();
    }

    /** The number of background refreshes running; for tests. */
    int refreshesInFlight() {
        return refreshing.size();
    }

    /** How many callers share the load in flight for {@code key} (0 when none); for tests. */
    int callersOf(String key) {
        Load load = loads.get(key);
        return load == null ? 0 : load.callers.get();
    }

    /** The state of the circuit breaker in front of the cache: CLOSED, OPEN, HALF_OPEN, or DISABLED. */
    public String cacheCircuitState() {
        return store.circuitState();
    }

    /** Installs the recorder of timings; for {@link CacheAsideMetrics}. */
    void recorder(Recorder recorder) {
        store.recorder(recorder);
    }

    // ---------------------------------------------------------------- reading

    private Mono<Found> lookup(String key) {
        Mono<CacheLookup> call = options.leases()
                ? store.getOrLease(key, options.leaseTtl())
                : store.get(key).map(CacheLookup::hit);
        return call
                .map(lookup -> {
                    if (lookup.kind() != CacheLookup.Kind.LEASE_HELD && !orphanLeases.isEmpty()) {
                        // a value or a lease of ours: whatever we may have orphaned is gone
                        orphanLeases.remove(key);
                    }
                    return Found.of(lookup);
                })
                .defaultIfEmpty(Found.ABSENT)
                .doOnNext(found -> readAnswered(key))
                .onErrorResume(e -> {
                    counters.cacheReadErrors.increment();
                    failures.failed("cache read of " + key + " failed, the database answers", e);
                    readFailed(key, e);
                    if (options.leases() && timedOut(e)) {
                        // the store may have taken the lease for us with a reply that came too late
                        rememberOrphan(key);
                    }
                    return Mono.just(Found.UNREACHABLE);
                });
    }

    /**
     * Whether {@code e} says that a cache call did not complete in time (see {@link CacheStore}):
     * it, or an exception in its cause chain, is a {@link java.util.concurrent.TimeoutException}
     * (the engine's own timer, Reactor's {@code timeout}) or of a class whose name, or whose
     * superclass's name, ends with {@code TimeoutException} (Lettuce's
     * {@code RedisCommandTimeoutException}, a store's own). Such a call may have reached the
     * server and taken a lease whose reply nobody saw.
     */
    static boolean timedOut(Throwable e) {
        Set<Throwable> seen = Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
            if (t instanceof java.util.concurrent.TimeoutException) {
                return true;
            }
            for (Class<?> c = t.getClass(); c != null && c != Throwable.class; c = c.getSuperclass()) {
                if (c.getSimpleName().endsWith("TimeoutException")) {
                    return true;
                }
            }
        }
        return false;
    }

    private Mono<Served> answer(String key, Query query, Duration ttl, Found found) {
        switch (found.kind) {
            case HIT:
                CachedEntry entry = decode(key, found.bytes);
                if (entry == null) {
                    // garbage under the key: replace it
                    return joinOrStart(key, query, ttl, Mode.SET, null);
                }
                return Mono.just(serve(key, query, ttl, entry, found.bytes));
            case WON:
                return start(key, query, ttl, Mode.FILL, found.token, true);
            case HELD:
                return joinOrStart(key, query, ttl, possiblyOurOrphan(key) ? Mode.NONE : Mode.WAIT, null);
            case ABSENT:
                return joinOrStart(key, query, ttl, Mode.SET, null);
            default:
                // the cache could not be read; with leases an unconditional write could land
                // after an invalidation, so the result is not cached
                return joinOrStart(key, query, ttl, options.leases() ? Mode.NONE : Mode.SET, null);
        }
    }

    /** A read of {@code key} answered: it is not one that keeps timing out. */
    private void readAnswered(String key) {
        if (!readTimeouts.isEmpty()) {
            readTimeouts.remove(key);
        }
    }

    /**
     * A read of {@code key} failed. After {@value #TIMEOUTS_BEFORE_DELETE} timeouts in a row the
     * key is deleted in the background: a value too large to read within the cache timeout would
     * otherwise make every query of the key wait the timeout and never be replaced (its lease
     * keeps the miss from writing), on stores that cannot refuse such values themselves.
     */
    private void readFailed(String key, Throwable e) {
        if (!timedOut(e)) {
            return;
        }
        if (readTimeouts.size() >= 10_000) {
            readTimeouts.clear();
        }
        int inARow = readTimeouts.merge(key, 1, Integer::sum);
        if (inARow >= TIMEOUTS_BEFORE_DELETE && readTimeouts.remove(key, inARow)) {
            log.warn("cache read of {} timed out {} times in a row; deleting the key so that it heals", key, inARow);
            releaseInBackground(key);
        }
    }

    /**
     * Whether the lease on {@code key} may be one this instance took with a read whose reply came
     * after its timeout: nobody will fill it, so waiting for it would only cost the lease wait.
     */
    private void rememberOrphan(String key) {
        long now = options.nanoTime().getAsLong();
        if (orphanLeases.size() >= 10_000) {
            orphanLeases.values().removeIf(until -> now - until >= 0);
        }
        orphanLeases.put(key, now + options.leaseTtl().toNanos());
    }

    private boolean possiblyOurOrphan(String key) {
        Long until = orphanLeases.get(key);
        if (until == null) {
            return false;
        }
        if (options.nanoTime().getAsLong() - until < 0) {
            return true;
        }
        orphanLeases.remove(key, until);
        return false;
    }

    private Served serve(String key, Query query, Duration ttl, CachedEntry entry, byte[] bytes) {
        long now = options.clock().millis();
        if (entry.isStale(now) && !options.staleWhileRevalidate().isZero()) {
            refreshInBackground(key, query, ttl, bytes);
            return new Served(entry.rows(), Source.CACHE_STALE);
        }
        if (refreshEarly(entry, now)) {
            refreshInBackground(key, query, ttl, bytes);
        }
        return new Served(entry.rows(), Source.CACHE_HIT);
    }

    /**
     * XFetch (Vattani, Chierichetti, Lowenstein, VLDB 2015): refresh when
     * {@code now - delta * beta * ln(random) >= expiry}, where delta is how long the database took.
     * The closer the expiry and the slower the query, the likelier an early refresh.
     */
    private boolean refreshEarly(CachedEntry entry, long now) {
        double beta = options.earlyRefreshBeta();
        if (beta == 0 || entry.freshUntilMillis() == 0 || entry.loadMillis() == 0) {
            return false;
        }
        double r = options.random().getAsDouble();
        double gap = -entry.loadMillis() * beta * Math.log(r <= 0 ? Double.MIN_VALUE : r);
        return now + gap >= entry.freshUntilMillis();
    }

    private CachedEntry decode(String key, byte[] bytes) {
        try {
            return RowCodec.decodeEntry(bytes, options.maxEntryBytes());
        } catch (CorruptEntryException e) {
            counters.corruptEntries.increment();
            log.warn("cache entry {} does not decode ({}); treating it as a miss and replacing it",
                    key, e.getMessage());
            return null;
        } catch (Throwable e) {
            // never expected for bytes the size check let through; an Error here must not leave
            // the caller without a signal, so the entry is treated as corrupt
            counters.corruptEntries.increment();
            log.warn("cache entry {} does not decode ({}); treating it as a miss and replacing it",
                    key, e.toString());
            return null;
        }
    }

    // ---------------------------------------------------------------- loading

    /** How a load stores what it read. */
    private enum Mode {
        /** Fill under the lease this caller won. */
        FILL,
        /** Unconditional write (leases off, or replacing a corrupt entry). */
        SET,
        /** No write. */
        NONE,
        /** Another caller holds the lease: wait for its value, then fall back to the database. */
        WAIT
    }

    private Mono<Served> joinOrStart(String key, Query query, Duration ttl, Mode mode, String token) {
        Load fresh = new Load(tablesOf(query), options.nanoTime().getAsLong());
        for (;;) {
            Load existing = loads.putIfAbsent(key, fresh);
            if (existing == null) {
                break;
            }
            if (joinable(existing)) {
                return existing.join(counters);
            }
            if (loads.replace(key, existing, fresh)) {
                // a load older than the lease TTL may be dead (an Error thrown past its
                // subscriber leaves no signal): run a new one and give its callers the result
                log.warn("the load of {} has run longer than the lease TTL {}; starting another", key, options.leaseTtl());
                fresh.adopt(existing);
                break;
            }
        }
        return run(key, query, ttl, mode, token, fresh);
    }

    /**
     * Whether a new caller may share {@code load}: only while it is younger than the lease TTL,
     * the longest a load is trusted to hold its key in any instance. An older one may never end
     * (a JVM-fatal error thrown past its subscriber), so a key can never stay dead behind it.
     */
    private boolean joinable(Load load) {
        return options.nanoTime().getAsLong() - load.startedNanos < options.leaseTtl().toNanos();
    }

    /** Starts a load that this caller must run itself (it holds the lease), shared with later callers. */
    private Mono<Served> start(String key, Query query, Duration ttl, Mode mode, String token, boolean register) {
        Load fresh = new Load(tablesOf(query), options.nanoTime().getAsLong());
        if (register) {
            Load replaced = loads.put(key, fresh);
            if (replaced != null && !replaced.invalidated) {
                // callers here waiting on another's lease get this load's rows as soon as it ends
                fresh.adopt(replaced);
            }
        }
        return run(key, query, ttl, mode, token, fresh);
    }

    private Mono<Served> run(String key, Query query, Duration ttl, Mode mode, String token, Load load) {
        Mono<Served> work;
        switch (mode) {
            case FILL:
                work = loadAndFill(key, query, ttl, token);
                break;
            case SET:
                work = loadAndSet(key, query, ttl, load);
                break;
            case WAIT:
                counters.leaseWaits.increment();
                work = waitForLease(key, query, ttl, 0, options.nanoTime().getAsLong() + options.leaseWait().toNanos());
                break;
            default:
                work = loadFromDatabase(query).map(loaded -> new Served(loaded.rows, Source.CACHE_MISS));
        }
        // the load runs on its own subscription, so no subscriber's cancel can cancel it; it runs
        // with the Context of the caller that started it (trace ids, MDC), so the database
        // driver sees what that caller wrote with contextWrite. The returned Mono is subscribed
        // at once by the flatMap that called this method, which starts the load.
        Mono<Served> started = work;
        return Mono.deferContextual(callerContext -> {
            try {
                load.subscription = started.contextWrite(callerContext).subscribe(served -> {
                    loads.remove(key, load);
                    load.complete(served);
                }, error -> {
                    loads.remove(key, load);
                    load.fail(error);
                });
            } catch (Throwable e) {
                // Reactor rethrows JVM-fatal errors (Exceptions.throwIfJvmFatal) instead of signalling
                // them: the work threw on this thread, so nobody else will end this load
                loads.remove(key, load);
                if (mode == Mode.FILL) {
                    releaseInBackground(key);
                }
                log.warn("the load of {} failed with {}", key, e.toString());
                load.fail(e);
            }
            return load.sink.asMono();
        });
    }

    private Mono<Loaded> loadFromDatabase(Query query) {
        return Mono.defer(() -> {
            counters.databaseLoads.increment();
            long t0 = options.nanoTime().getAsLong();
            Recorder r = store.recorder();
            return database.execute(query.sql(), query.parameters())
                    .doOnError(e -> r.database(options.nanoTime().getAsLong() - t0, false))
                    .map(rows -> {
                        long elapsed = options.nanoTime().getAsLong() - t0;
                        r.database(elapsed, true);
                        return new Loaded(rows, Math.max(1, elapsed / 1_000_000));
                    });
        })
                .switchIfEmpty(Mono.error(() -> new IllegalStateException(
                        "the database adapter completed without rows for " + query)))
                .doOnError(e -> counters.databaseErrors.increment());
    }

    private Mono<Served> loadAndFill(String key, Query query, Duration ttl, String token) {
        return tag(key, query, ttl).flatMap(tagged -> tagged
                ? loadAndFillTagged(key, query, ttl, token)
                : releaseLease(key).then(loadFromDatabase(query))
                        .map(loaded -> new Served(loaded.rows, Source.CACHE_MISS)));
    }

    private Mono<Served> loadAndFillTagged(String key, Query query, Duration ttl, String token) {
        return loadFromDatabase(query)
                .onErrorResume(e -> releaseLease(key).then(Mono.error(e)))
                .flatMap(loaded -> {
                    Encoded encoded = encode(key, loaded, ttl);
                    if (encoded == null) {
                        return releaseLease(key).thenReturn(new Served(loaded.rows, Source.CACHE_MISS));
                    }
                    return store.fill(key, token, encoded.bytes, encoded.ttl)
                            .doOnNext(stored -> {
                                if (!stored) {
                                    counters.staleFillsRefused.increment();
                                    log.debug("fill of {} refused: invalidated or lease lost during the load", key);
                                }
                            })
                            .onErrorResume(e -> {
                                // the fill may not have landed: free the key rather than leave a lease
                                releaseInBackground(key);
                                return writeFailed(key, e);
                            })
                            .thenReturn(new Served(loaded.rows, Source.CACHE_MISS));
                });
    }

    private Mono<Served> loadAndSet(String key, Query query, Duration ttl, Load load) {
        return tag(key, query, ttl).flatMap(tagged -> loadFromDatabase(query).flatMap(loaded -> {
            Served served = new Served(loaded.rows, Source.CACHE_MISS);
            if (!tagged) {
                return Mono.just(served);
            }
            if (load != null && load.invalidated) {
                counters.staleFillsRefused.increment();
                return Mono.just(served);
            }
            Encoded encoded = encode(key, loaded, ttl);
            if (encoded == null) {
                return Mono.just(served);
            }
            return store.set(key, encoded.bytes, encoded.ttl)
                    .onErrorResume(e -> writeFailed(key, e))
                    .thenReturn(served);
        }));
    }

    /** Polls for the value another caller is loading, with backoff, until the deadline. */
    private Mono<Served> waitForLease(String key, Query query, Duration ttl, int attempt, long deadlineNanos) {
        long remaining = deadlineNanos - options.nanoTime().getAsLong();
        if (remaining <= 0) {
            counters.leaseWaitTimeouts.increment();
            log.debug("waited {} for the lease holder of {}; asking the database", options.leaseWait(), key);
            return loadFromDatabase(query).map(loaded -> new Served(loaded.rows, Source.CACHE_MISS));
        }
        long backoffMillis = Math.min(50, 2L << Math.min(attempt, 5));
        Duration delay = Duration.ofNanos(Math.min(remaining, backoffMillis * 1_000_000));
        return Mono.delay(delay, options.scheduler())
                .then(Mono.defer(() -> lookup(key)))
                .flatMap(found -> {
                    if (found.kind == Found.Kind.HELD && possiblyOurOrphan(key)) {
                        // a read here timed out meanwhile: the lease may be ours, and nobody will fill it
                        log.debug("the lease on {} may be one this instance orphaned; asking the database", key);
                        return loadFromDatabase(query).map(loaded -> new Served(loaded.rows, Source.CACHE_MISS));
                    }
                    switch (found.kind) {
                        case HIT:
                            CachedEntry entry = decode(key, found.bytes);
                            if (entry != null) {
                                return Mono.just(new Served(entry.rows(), Source.CACHE_HIT));
                            }
                            return loadAndSet(key, query, ttl, null);
                        case WON:
                            // the holder died or gave up: the lease is ours now
                            return loadAndFill(key, query, ttl, found.token);
                        case HELD:
                        case ABSENT:
                            return waitForLease(key, query, ttl, attempt + 1, deadlineNanos);
                        default:
                            return loadFromDatabase(query).map(loaded -> new Served(loaded.rows, Source.CACHE_MISS));
                    }
                });
    }

    private Mono<Served> forceRefresh(String key, Query query, Duration ttl) {
        if (!options.leases()) {
            return loadAndSet(key, query, ttl, null);
        }
        Load pending = loads.remove(key);
        if (pending != null) {
            pending.invalidated = true;
        }
        return store.delete(key)
                .then(lookup(key))
                .onErrorResume(e -> {
                    counters.cacheWriteErrors.increment();
                    log.warn("cache delete of {} failed before a refresh; the result is not cached: {}", key, e.toString());
                    return Mono.just(Found.UNREACHABLE);
                })
                .flatMap(found -> {
                    switch (found.kind) {
                        case WON:
                            return start(key, query, ttl, Mode.FILL, found.token, true);
                        case HELD:
                            // another caller took the lease after our delete: its load is fresh
                            return start(key, query, ttl, Mode.WAIT, null, false)
                                    .map(served -> new Served(served.rows, Source.CACHE_MISS));
                        case HIT:
                            CachedEntry entry = decode(key, found.bytes);
                            if (entry != null) {
                                // filled under a lease taken after our delete, so read after it
                                return Mono.just(new Served(entry.rows(), Source.CACHE_MISS));
                            }
                            return loadAndSet(key, query, ttl, null);
                        default:
                            return loadFromDatabase(query).map(loaded -> new Served(loaded.rows, Source.CACHE_MISS));
                    }
                });
    }

    /**
     * Refreshes {@code key} in the background, at most once at a time in this instance and,
     * through the lease on {@code key:refresh}, across instances. The new value replaces the
     * entry only if it still holds {@code staleBytes}: an invalidation or a newer fill wins.
     */
    private void refreshInBackground(String key, Query query, Duration ttl, byte[] staleBytes) {
        if (closed.get() || !refreshing.add(key)) {
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
                                : releaseLease(lockKey).then(Mono.<CacheLookup>empty())))
                .flatMap(won -> {
                    counters.backgroundRefreshes.increment();
                    return loadFromDatabase(query)
                            .flatMap(loaded -> {
                                Encoded encoded = encode(key, loaded, ttl);
                                if (encoded == null) {
                                    return Mono.empty();
                                }
                                return store.replace(key, staleBytes, encoded.bytes, encoded.ttl)
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
        Disposable.Swap holder = Disposables.swap();
        background.add(holder);
        holder.update(work.doFinally(signal -> {
            refreshing.remove(key);
            background.remove(holder);
        }).subscribe());
    }

    /**
     * Releases a lease this caller holds (bypassing the breaker); when that fails, the release is
     * tried again in the background ({@link #releaseInBackground}), so the caller never waits for
     * the retry.
     */
    private Mono<Boolean> releaseLease(String key) {
        return store.release(key)
                .onErrorResume(e -> {
                    releaseInBackground(key);
                    return Mono.just(false);
                });
    }

    /**
     * Releases a lease in the background like an invalidation: bypassing the breaker, tried twice
     * within {@link CacheAsideOptions#invalidationTimeout()}. When both fail the lease expires
     * after its TTL (logged at DEBUG).
     */
    private void releaseInBackground(String key) {
        if (closed.get()) {
            return;
        }
        Mono<Boolean> release = invalidation(limit -> store.invalidation(raw -> raw.delete(key), limit), (attempts, e) -> new CacheInvalidationException(
                "the lease on " + key + " could not be released (" + attempts + " attempts within "
                + options.invalidationTimeout() + "); it expires after its TTL", Set.of(), e))
                .onErrorResume(e -> {
                    log.debug("{}", e.getMessage());
                    return Mono.just(false);
                });
        Disposable.Swap holder = Disposables.swap();
        background.add(holder);
        holder.update(release.doFinally(signal -> background.remove(holder)).subscribe());
    }

    private <T> Mono<T> writeFailed(String key, Throwable e) {
        counters.cacheWriteErrors.increment();
        failures.failed("cache write of " + key + " failed, the result is returned uncached", e);
        return Mono.empty();
    }

    /** Encodes a load's rows with their fresh time; null when the result is not to be cached. */
    private Encoded encode(String key, Loaded loaded, Duration ttl) {
        long now = options.clock().millis();
        Duration fresh = jitter(ttl);
        byte[] bytes;
        try {
            // stops as soon as the entry passes the limit: a huge result never becomes a huge array
            bytes = RowCodec.encode(loaded.rows, now, now + fresh.toMillis(), loaded.millis, options.maxEntryBytes());
        } catch (UnsupportedValueException e) {
            counters.uncacheable.increment();
            log.warn("result of {} is not cached: {}", key, e.getMessage());
            return null;
        } catch (EntryTooLargeException e) {
            counters.uncacheable.increment();
            log.warn("result of {} ({} rows) is not cached: its entry is over the limit of {} bytes (maxEntryBytes,"
                    + " CACHE_MAX_ENTRY_BYTES)", key, loaded.rows.size(), options.maxEntryBytes());
            return null;
        } catch (Throwable e) {
            // an Error (OutOfMemoryError, StackOverflowError) must not end the load without a signal:
            // Reactor would rethrow it past every subscriber and leave the key's load in flight
            counters.uncacheable.increment();
            log.warn("result of {} is not cached: encoding it failed with {}", key, e.toString());
            return null;
        }
        return new Encoded(bytes, fresh.plus(options.staleWhileRevalidate()));
    }

    /** Shortens {@code ttl} by a random fraction up to {@link CacheAsideOptions#ttlJitter()}. */
    private Duration jitter(Duration ttl) {
        double jitter = options.ttlJitter();
        if (jitter == 0) {
            return ttl;
        }
        long millis = ttl.toMillis();
        long shortened = Math.round(millis * (1 - jitter * options.random().getAsDouble()));
        return Duration.ofMillis(Math.max(1, shortened));
    }

    private QueryResult result(String key, Served served, long start) {
        switch (served.source) {
            case CACHE_HIT:
                counters.hits.increment();
                break;
            case CACHE_STALE:
                counters.staleHits.increment();
                break;
            default:
                counters.misses.increment();
        }
        long elapsed = Math.max(0, options.nanoTime().getAsLong() - start);
        return new QueryResult(key, served.rows, served.source, Duration.ofNanos(elapsed));
    }

    // ---------------------------------------------------------------- closing

    /**
     * Closes the database executor and the cache store; loads in flight end with
     * {@link IllegalStateException}, background refreshes are cancelled. Idempotent.
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
            background.dispose();
            refreshing.clear();
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

    // ---------------------------------------------------------------- values

    /** What a cache read found, including the two ways of finding nothing. */
    private static final class Found {
        enum Kind { HIT, WON, HELD, ABSENT, UNREACHABLE }

        static final Found ABSENT = new Found(Kind.ABSENT, null, null);
        static final Found UNREACHABLE = new Found(Kind.UNREACHABLE, null, null);
        static final Found HELD = new Found(Kind.HELD, null, null);

        final Kind kind;
        final byte[] bytes;
        final String token;

        private Found(Kind kind, byte[] bytes, String token) {
            this.kind = kind;
            this.bytes = bytes;
            this.token = token;
        }

        static Found of(CacheLookup lookup) {
            switch (lookup.kind()) {
                case HIT:
                    return new Found(Kind.HIT, lookup.value(), null);
                case LEASE_WON:
                    return new Found(Kind.WON, null, lookup.token());
                default:
                    return HELD;
            }
        }
    }

    private record Served(Rows rows, Source source) {
    }

    private record Loaded(Rows rows, long millis) {
    }

    private record Encoded(byte[] bytes, Duration ttl) {
    }

    /** One load in flight, shared by every concurrent miss of its key in this instance. */
    private static final class Load {
        final Sinks.One<Served> sink = Sinks.one();
        final AtomicInteger callers = new AtomicInteger(1);
        final Set<String> tables;
        /** When the load started, on {@link CacheAsideOptions#nanoTime()}. */
        final long startedNanos;
        volatile Disposable subscription;
        volatile boolean invalidated;

        private final List<Load> adopted = new java.util.concurrent.CopyOnWriteArrayList<>();

        Load(Set<String> tables, long startedNanos) {
            this.tables = tables;
            this.startedNanos = startedNanos;
        }

        /** Takes over {@code other}'s callers: they get this load's outcome, and its own work stops. */
        void adopt(Load other) {
            callers.addAndGet(other.callers.get());
            adopted.add(other);
            // its callers now wait on this load: stop its own polling
            Disposable subscription = other.subscription;
            if (subscription != null) {
                subscription.dispose();
            }
        }

        void complete(Served served) {
            sink.tryEmitValue(served);
            for (Load other : adopted) {
                Disposable subscription = other.subscription;
                if (subscription != null) {
                    subscription.dispose();
                }
                other.complete(served);
            }
        }

        void fail(Throwable error) {
            sink.tryEmitError(error);
            for (Load other : adopted) {
                Disposable subscription = other.subscription;
                if (subscription != null) {
                    subscription.dispose();
                }
                other.fail(error);
            }
        }

        Mono<Served> join(Counters counters) {
            callers.incrementAndGet();
            counters.coalesced.increment();
            return sink.asMono();
        }
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
