package dev.cacheaside.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.slf4j.Logger;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Invalidation: of one key, and of every cached query over some tables through the store's tags,
 * under which each key is registered with the tables its query reads before its load reads the
 * database ({@link #tag}). Invalidations bypass the circuit breaker and are tried twice within
 * {@link EngineSettings#invalidationTimeout()}; when both attempts fail the caller gets a
 * {@link InvalidationFailure}. A load in flight that an invalidation reaches does not
 * write what it read. Thread safe.
 */
public final class TableInvalidator {

    /** Logs under the facade's name, which applications configure. */
    private static final Logger log = EngineLog.logger();

    /** The pause before an invalidation's second attempt (shorter when little time is left). */
    private static final Duration RETRY_PAUSE = Duration.ofMillis(50);

    private final GuardedStore store;
    private final EngineSettings options;
    private final Counters counters;
    private final SingleFlight flights;
    /** The near tier, or null: this instance's own invalidations remove its near copies at once. */
    private final NearTier near;

    public TableInvalidator(GuardedStore store, EngineSettings options, Counters counters, SingleFlight flights) {
        this(store, options, counters, flights, null);
    }

    TableInvalidator(GuardedStore store, EngineSettings options, Counters counters, SingleFlight flights,
                     NearTier near) {
        this.store = store;
        this.options = options;
        this.counters = counters;
        this.flights = flights;
        this.near = near;
    }

    /** The tables a query reads (or writes): parsed from its {@code sql}, and those it {@code declared}. */
    public static Set<String> tablesOf(String sql, Set<String> declared) {
        Set<String> parsed = TableNames.of(sql);
        if (declared.isEmpty()) {
            return parsed;
        }
        Set<String> all = new LinkedHashSet<>(parsed);
        all.addAll(declared);
        return all;
    }

    /**
     * The names of {@code tables} as tags compare them: without schema, quotes or case.
     *
     * @throws IllegalArgumentException when no table is given or a name is null or blank
     */
    public static Set<String> normalized(String... tables) {
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
        return names;
    }

    /**
     * Removes the entry {@code key} (of a query over {@code tables}) and any lease on it; a load of it in flight
     * will not write. Errors with {@link InvalidationFailure} when both attempts fail.
     */
    public Mono<Boolean> invalidate(String key, Set<String> tables) {
        flights.forget(key);
        if (near != null) {
            // before (a read in flight keeps nothing) and after (nothing read meanwhile stays)
            return Mono.defer(() -> {
                near.invalidated(key);
                return invalidateKey(key, tables);
            }).doFinally(signal -> near.invalidated(key));
        }
        return invalidateKey(key, tables);
    }

    private Mono<Boolean> invalidateKey(String key, Set<String> tables) {
        return retried(limit -> store.invalidation(raw -> raw.delete(key), limit),
                (attempts, e) -> new InvalidationFailure("the cached entry " + key + " could not be removed ("
                        + attempts + " attempts within " + options.invalidationTimeout()
                        + ") and may remain, stale, until its TTL", tables, e));
    }

    /**
     * Invalidates every cached query over {@code tables} (normalized names); {@code rowsWritten}
     * is the committed write's count, or -1 when no write ran. Counts the entries removed.
     */
    public Mono<Long> invalidateTables(Set<String> tables, long rowsWritten) {
        if (!store.hasTags()) {
            return Mono.error(store.noTags());
        }
        flights.forgetReading(tables);
        if (near != null) {
            // before and after, as for one key; the server's push reaches the other instances
            return Mono.defer(() -> {
                near.forgetTables(tables);
                return invalidateTags(tables, rowsWritten);
            }).doFinally(signal -> near.forgetTables(tables));
        }
        return invalidateTags(tables, rowsWritten);
    }

    private Mono<Long> invalidateTags(Set<String> tables, long rowsWritten) {
        return retried(limit -> store.tagInvalidation(raw -> Flux.fromIterable(tables)
                .concatMap(table -> raw.invalidateTag(TableNames.tagKey(options.keyPrefix(), table)))
                .reduce(0L, Long::sum), limit), (attempts, e) -> {
                    String how = " could not be invalidated (" + attempts + " attempts within "
                            + options.invalidationTimeout() + ") and may be stale until their TTL";
                    return rowsWritten < 0
                            ? new InvalidationFailure("cached queries over " + tables + how, tables, e)
                            : new InvalidationFailure("the write committed (" + rowsWritten + " rows) but cached"
                                    + " queries over " + tables + how, rowsWritten, tables, e);
                });
    }

    /**
     * An invalidation tried twice within {@link EngineSettings#invalidationTimeout()}: the first
     * {@code attempt} gets half of it, the retry what is left after a short pause. When both
     * fail, {@code failure} makes the error from the number of attempts and the last error (the
     * first one suppressed in it). Nothing runs until subscription.
     */
    <T> Mono<T> retried(Function<Duration, Mono<T>> attempt, BiFunction<Integer, Throwable, RuntimeException> failure) {
        Duration limit = options.invalidationTimeout();
        return Mono.defer(() -> {
            long deadline = options.nanoTime().getAsLong() + limit.toNanos();
            return attempt.apply(limit.dividedBy(2))
                    .onErrorResume(first -> {
                        if (!retryable(first)) {
                            boolean asIs = first instanceof InvalidationFailure
                                    || first instanceof UnsupportedOperationException;
                            return Mono.error(asIs ? first : failure.apply(1, first));
                        }
                        long left = deadline - options.nanoTime().getAsLong();
                        Duration pause = Duration.ofNanos(Math.min(RETRY_PAUSE.toNanos(), Math.max(0, left / 4)));
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

    /** Whether an invalidation that failed with {@code e} may succeed when tried again. */
    private static boolean retryable(Throwable e) {
        return !(e instanceof IllegalArgumentException || e instanceof UnsupportedOperationException);
    }

    /**
     * Registers {@code call}'s key under each table its query reads, before its load reads the
     * database, so an invalidation of one of them reaches the key (and its lease) from then on.
     *
     * @return whether every table was registered; when not, the load must not fill
     */
    Mono<Boolean> tag(Call call) {
        Set<String> tables = call.tables();
        if (tables.isEmpty() || !store.hasTags()) {
            return Mono.just(true);
        }
        String key = call.key();
        Duration keep = call.ttl().plus(options.staleWhileRevalidate()).plus(options.leaseTtl());
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
}
