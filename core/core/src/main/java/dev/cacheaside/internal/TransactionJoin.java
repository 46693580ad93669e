package dev.cacheaside.internal;

import dev.cacheaside.spi.Statement;
import dev.cacheaside.spi.TransactionalExecutor;
import dev.cacheaside.spi.TransactionalExecutor.Transaction;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * Joins the caller's transaction when the database executor knows one
 * ({@link TransactionalExecutor}): a query in a transaction is answered by the database through
 * it, counted and timed as a database load and served as a miss, without reading or writing the
 * cache or joining a load in flight; a write runs in it, and the invalidation of the tables it
 * writes is registered to run after the commit (never on rollback). Outside a transaction both
 * are handed to the engine's usual path. Thread safe; every {@link Mono} is lazy.
 */
public final class TransactionJoin {

    private final TransactionalExecutor database;
    private final QueryEngine engine;
    private final EngineSettings options;
    private final Function<InvalidationFailure, RuntimeException> failure;

    /**
     * @param failure what an invalidation that failed after the commit is reported as (the
     *                facade's public exception)
     */
    public TransactionJoin(TransactionalExecutor database, QueryEngine engine, EngineSettings options,
                           Function<InvalidationFailure, RuntimeException> failure) {
        this.database = database;
        this.engine = engine;
        this.options = options;
        this.failure = failure;
    }

    /** Answers {@code call} in the subscriber's transaction, or with {@code outside} when it runs in none. */
    public Mono<Served> serve(Call call, Mono<Served> outside) {
        return database.currentTransaction()
                .flatMap(transaction -> read(transaction, call))
                .switchIfEmpty(outside);
    }

    /**
     * Runs {@code statements} in the subscriber's transaction and registers the invalidation of
     * {@code tables} for after its commit; with {@code outside} when it runs in none.
     *
     * @return the rows the statements changed, once they ran (uncommitted in a transaction)
     */
    public Mono<Long> write(List<Statement> statements, Set<String> tables, Mono<Long> outside) {
        return database.currentTransaction()
                .flatMap(transaction -> transaction.update(statements)
                        .switchIfEmpty(Mono.error(() -> new IllegalStateException(
                                "the database adapter completed a write without a row count")))
                        .flatMap(rows -> transaction.afterCommit(afterCommit(tables, rows)).thenReturn(rows)))
                .switchIfEmpty(outside);
    }

    /** The invalidation after the commit: as {@code update} outside a transaction does it, failures reported alike. */
    private Mono<Void> afterCommit(Set<String> tables, long rows) {
        return Mono.defer(() -> engine.invalidator().invalidateTables(tables, rows))
                .onErrorMap(InvalidationFailure.class, failure)
                .then();
    }

    private Mono<Served> read(Transaction transaction, Call call) {
        Counters counters = engine.counters();
        return Mono.defer(() -> {
            counters.databaseLoads.increment();
            long t0 = options.nanoTime().getAsLong();
            Recorder r = engine.store().recorder();
            return transaction.execute(call.sql(), call.parameters())
                    .doOnError(e -> r.database(options.nanoTime().getAsLong() - t0, false))
                    .map(rows -> {
                        r.database(options.nanoTime().getAsLong() - t0, true);
                        return new Served(rows, Origin.CACHE_MISS);
                    });
        })
                .switchIfEmpty(Mono.error(() -> new IllegalStateException(
                        "the database adapter completed without rows for " + call.asked())))
                .doOnError(e -> counters.databaseErrors.increment());
    }
}
