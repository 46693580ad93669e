package dev.cacheaside;

import dev.cacheaside.internal.InvalidationFailure;
import dev.cacheaside.internal.Observing;
import dev.cacheaside.internal.QueryEngine;
import dev.cacheaside.internal.TableInvalidator;
import dev.cacheaside.internal.TransactionJoin;
import dev.cacheaside.spi.CacheObserver;
import dev.cacheaside.spi.CacheObserver.Operation;
import dev.cacheaside.spi.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import reactor.core.publisher.Mono;

/**
 * The writes and invalidations of one {@link CacheAside}: checks the input at the call, names
 * the tables, joins the caller's transaction when there is one, maps engine failures to
 * {@link CacheInvalidationException} and reports to the observer. Thread safe; every
 * {@link Mono} is lazy.
 */
final class WritePath {

    private final QueryEngine engine;
    /** The caller's transaction joined, or null when the executor cannot tell. */
    private final TransactionJoin transactions;

    WritePath(QueryEngine engine, TransactionJoin transactions) {
        this.engine = engine;
        this.transactions = transactions;
    }

    /** See {@link CacheAside#transaction(List)}. */
    Mono<Long> transaction(List<Query> writes) {
        if (writes == null || writes.isEmpty()) {
            throw new IllegalArgumentException("name at least one write");
        }
        Set<String> tables = new LinkedHashSet<>();
        List<Statement> statements = new ArrayList<>();
        for (Query write : writes) {
            if (write == null) {
                throw new IllegalArgumentException("writes must not be null");
            }
            ReadOnlySql.checkWrite(write.sql());
            tables.addAll(TableInvalidator.tablesOf(write.sql(), write.tables()));
            statements.add(Statement.of(write.sql(), write.parameters()));
        }
        if (tables.isEmpty()) {
            throw new IllegalArgumentException("cannot tell which tables " + writes.get(0).sql()
                    + " writes; declare them with Query.withTables");
        }
        Mono<Long> write = engine.write(statements, tables).onErrorMap(InvalidationFailure.class, EngineMapping::invalidation);
        Mono<Long> joined = transactions == null ? write : Mono.defer(() -> engine.background().isClosed()
                ? Mono.error(new IllegalStateException("this CacheAside is closed"))
                : transactions.write(statements, tables, write));
        return Observing.watch(engine.observer(), Operation.WRITE, null, tables, joined);
    }

    /** See {@link CacheAside#invalidate(Query)}; {@code key} is the query's key. */
    Mono<Boolean> invalidate(Query query, String key) {
        // a load of the key that began before this invalidation does not write what it read
        Mono<Boolean> invalidation = Mono.defer(() -> engine.invalidator().invalidate(key,
                        TableInvalidator.tablesOf(query.sql(), query.tables())))
                .onErrorMap(InvalidationFailure.class, EngineMapping::invalidation);
        CacheObserver observer = engine.observer();
        return observer == null ? invalidation : Observing.watch(observer, Operation.INVALIDATION, key,
                TableInvalidator.tablesOf(query.sql(), query.tables()), invalidation);
    }

    /** See {@link CacheAside#invalidateTable(String...)}. */
    Mono<Long> invalidateTables(String... tables) {
        Set<String> names = TableInvalidator.normalized(tables);
        return Observing.watch(engine.observer(), Operation.INVALIDATION, null, names,
                Mono.defer(() -> engine.invalidator().invalidateTables(names, -1))
                        .onErrorMap(InvalidationFailure.class, EngineMapping::invalidation));
    }
}
