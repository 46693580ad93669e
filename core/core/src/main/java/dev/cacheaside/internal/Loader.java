package dev.cacheaside.internal;

import dev.cacheaside.internal.EntryCodec.Encoded;
import dev.cacheaside.internal.SingleFlight.Load;
import dev.cacheaside.spi.CacheObserver;
import dev.cacheaside.spi.QueryExecutor;
import java.time.Duration;
import org.slf4j.Logger;
import reactor.core.publisher.Mono;

/**
 * The load of a miss: asks the database through the {@link QueryExecutor}, encodes the rows
 * ({@link EntryCodec}) and stores them as its {@link Mode} says, once per key in this instance
 * ({@link SingleFlight}). Every load answers with {@link Origin#CACHE_MISS} and the database's
 * rows, or the database's error; a cache that fails to store them is logged and the rows still
 * returned. Thread safe.
 */
final class Loader {

    /** Logs under the facade's name, which applications configure. */
    private static final Logger log = EngineLog.logger();

    /** How a load stores what it read. */
    enum Mode {
        /** Fill under the lease this caller won. */
        FILL,
        /** Unconditional write (leases off, or replacing a corrupt entry). */
        SET,
        /** No write. */
        NONE,
        /** Another caller holds the lease: wait for its value, then fall back to the database. */
        WAIT
    }

    private final QueryExecutor database;
    private final GuardedStore store;
    private final EngineSettings options;
    private final Counters counters;
    private final CacheFailureLog failures;
    private final SingleFlight flights;
    private final LeaseProtocol leases;
    private final TableInvalidator invalidator;
    private final EntryCodec codec;
    /** Watches each database load, or null. */
    private final CacheObserver observer;

    Loader(QueryExecutor database, GuardedStore store, EngineSettings options, Counters counters,
           CacheFailureLog failures, SingleFlight flights, LeaseProtocol leases, TableInvalidator invalidator,
           EntryCodec codec, CacheObserver observer) {
        this.database = database;
        this.store = store;
        this.options = options;
        this.counters = counters;
        this.failures = failures;
        this.flights = flights;
        this.leases = leases;
        this.invalidator = invalidator;
        this.codec = codec;
        this.observer = observer;
    }

    /** Joins the load in flight for {@code call}'s key, or starts one that stores as {@code mode} says. */
    Mono<Served> joinOrStart(Call call, Mode mode) {
        return flights.joinOrStart(call, load -> work(call, mode, null, load), null);
    }

    /**
     * Starts a load that this caller runs itself; {@code token} is the lease it won (FILL), and
     * with {@code register} later callers join it.
     */
    Mono<Served> start(Call call, Mode mode, String token, boolean register) {
        return flights.start(call, register, load -> work(call, mode, token, load),
                mode == Mode.FILL ? () -> leases.releaseInBackground(call.key()) : null);
    }

    private Mono<Served> work(Call call, Mode mode, String token, Load load) {
        switch (mode) {
            case FILL:
                return loadAndFill(call, token);
            case SET:
                return loadAndSet(call, load);
            case WAIT:
                counters.leaseWaits.increment();
                return waitForLease(call, 0, options.nanoTime().getAsLong() + options.leaseWait().toNanos());
            default:
                return loadUncached(call);
        }
    }

    /** Asks the database and stores nothing. */
    Mono<Served> loadUncached(Call call) {
        return loadFromDatabase(call).map(loaded -> new Served(loaded.rows(), Origin.CACHE_MISS));
    }

    /**
     * Asks the database (counted, timed, and watched by the observer when there is one); errors
     * with the database's error, or when it answers with nothing.
     */
    Mono<Loaded> loadFromDatabase(Call call) {
        Mono<Loaded> load = askDatabase(call);
        return observer == null ? load
                : Observing.watch(observer, CacheObserver.Operation.DATABASE_LOAD, call.key(), call.tables(), load);
    }

    private Mono<Loaded> askDatabase(Call call) {
        return Mono.defer(() -> {
            counters.databaseLoads.increment();
            long t0 = options.nanoTime().getAsLong();
            Recorder r = store.recorder();
            return database.execute(call.sql(), call.parameters())
                    .doOnError(e -> r.database(options.nanoTime().getAsLong() - t0, false))
                    .map(rows -> {
                        long elapsed = options.nanoTime().getAsLong() - t0;
                        r.database(elapsed, true);
                        return new Loaded(rows, Math.max(1, elapsed / 1_000_000));
                    });
        })
                .switchIfEmpty(Mono.error(() -> new IllegalStateException(
                        "the database adapter completed without rows for " + call.asked())))
                .doOnError(e -> counters.databaseErrors.increment());
    }

    /** Loads under the lease won with {@code token} and fills it; the lease is released whatever happens. */
    Mono<Served> loadAndFill(Call call, String token) {
        return invalidator.tag(call).flatMap(tagged -> tagged
                ? loadAndFillTagged(call, token)
                : leases.release(call.key()).then(loadFromDatabase(call))
                        .map(loaded -> new Served(loaded.rows(), Origin.CACHE_MISS)));
    }

    private Mono<Served> loadAndFillTagged(Call call, String token) {
        String key = call.key();
        return loadFromDatabase(call)
                .onErrorResume(e -> leases.release(key).then(Mono.error(e)))
                .flatMap(loaded -> {
                    Encoded encoded = codec.encode(key, loaded, call.ttl());
                    if (encoded == null) {
                        return leases.release(key).thenReturn(new Served(loaded.rows(), Origin.CACHE_MISS));
                    }
                    return store.fill(key, token, encoded.bytes(), encoded.ttl())
                            .doOnNext(stored -> {
                                if (!stored) {
                                    counters.staleFillsRefused.increment();
                                    log.debug("fill of {} refused: invalidated or lease lost during the load", key);
                                }
                            })
                            .onErrorResume(e -> {
                                // the fill may not have landed: free the key rather than leave a lease
                                leases.releaseInBackground(key);
                                return writeFailed(key, e);
                            })
                            .thenReturn(new Served(loaded.rows(), Origin.CACHE_MISS));
                });
    }

    /** Loads and writes unconditionally, unless {@code load} (may be null) was invalidated meanwhile. */
    Mono<Served> loadAndSet(Call call, Load load) {
        String key = call.key();
        return invalidator.tag(call).flatMap(tagged -> loadFromDatabase(call).flatMap(loaded -> {
            Served served = new Served(loaded.rows(), Origin.CACHE_MISS);
            if (!tagged) {
                return Mono.just(served);
            }
            if (load != null && load.invalidated) {
                counters.staleFillsRefused.increment();
                return Mono.just(served);
            }
            Encoded encoded = codec.encode(key, loaded, call.ttl());
            if (encoded == null) {
                return Mono.just(served);
            }
            return store.set(key, encoded.bytes(), encoded.ttl())
                    .onErrorResume(e -> writeFailed(key, e))
                    .thenReturn(served);
        }));
    }

    /** Polls for the value another caller is loading, with backoff, until the deadline. */
    private Mono<Served> waitForLease(Call call, int attempt, long deadlineNanos) {
        String key = call.key();
        long remaining = deadlineNanos - options.nanoTime().getAsLong();
        if (remaining <= 0) {
            counters.leaseWaitTimeouts.increment();
            log.debug("waited {} for the lease holder of {}; asking the database", options.leaseWait(), key);
            return loadUncached(call);
        }
        long backoffMillis = Math.min(50, 2L << Math.min(attempt, 5));
        Duration delay = Duration.ofNanos(Math.min(remaining, backoffMillis * 1_000_000));
        return Mono.delay(delay, options.scheduler())
                .then(Mono.defer(() -> leases.lookup(key)))
                .flatMap(found -> {
                    if (found.kind == Found.Kind.HELD && leases.possiblyOurOrphan(key)) {
                        // a read here timed out meanwhile: the lease may be ours, and nobody will fill it
                        log.debug("the lease on {} may be one this instance orphaned; asking the database", key);
                        return loadUncached(call);
                    }
                    switch (found.kind) {
                        case HIT:
                            CachedEntry entry = codec.decode(key, found.bytes);
                            if (entry != null) {
                                return Mono.just(new Served(entry.rows(), Origin.CACHE_HIT));
                            }
                            return loadAndSet(call, null);
                        case WON:
                            // the holder died or gave up: the lease is ours now
                            return loadAndFill(call, found.token);
                        case HELD:
                        case ABSENT:
                            return waitForLease(call, attempt + 1, deadlineNanos);
                        default:
                            return loadUncached(call);
                    }
                });
    }

    private <T> Mono<T> writeFailed(String key, Throwable e) {
        counters.cacheWriteErrors.increment();
        failures.failed("cache write of " + key + " failed, the result is returned uncached", e);
        return Mono.empty();
    }
}
