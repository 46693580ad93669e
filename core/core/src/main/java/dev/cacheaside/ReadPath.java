package dev.cacheaside;

import dev.cacheaside.internal.Call;
import dev.cacheaside.internal.Origin;
import dev.cacheaside.internal.QueryEngine;
import dev.cacheaside.internal.Served;
import dev.cacheaside.internal.TextMemo;
import dev.cacheaside.internal.TransactionJoin;
import dev.cacheaside.spi.CacheObserver;
import dev.cacheaside.spi.SqlDialect;
import java.time.Duration;
import reactor.core.publisher.Mono;

/**
 * The reads of one {@link CacheAside}: checks each query at the call (a read, its parameter
 * count, as the executor's dialect lexes it; the verdict kept per SQL text), makes the engine's
 * {@link Call}, joins the caller's transaction when there is one, and turns what the engine
 * served into a counted {@link QueryResult}. Thread safe; every {@link Mono} is lazy.
 */
final class ReadPath {

    private final QueryEngine engine;
    private final CacheAsideOptions options;
    /** The caller's transaction joined, or null when the executor cannot tell. */
    private final TransactionJoin transactions;
    /** What the read check found for each SQL text, in this executor's dialect (refusals too). */
    private final TextMemo<ReadOnlySql.Verdict> reads;

    ReadPath(QueryEngine engine, CacheAsideOptions options, TransactionJoin transactions, SqlDialect dialect) {
        this.engine = engine;
        this.options = options;
        this.transactions = transactions;
        SqlDialect lexing = dialect == null ? SqlDialect.UNKNOWN : dialect;
        this.reads = new TextMemo<>(10_000, sql -> ReadOnlySql.verdict(sql, lexing,
                options.allowStateChangingFunctions()));
    }

    /** See {@link CacheAside#query(Query)}. */
    Mono<QueryResult> query(Query query) {
        if (query == null) {
            throw new IllegalArgumentException("query must not be null");
        }
        reads.get(query.sql()).require(query.parameters().size());
        return QueryAnswer.of(this, query);
    }

    /** The cache key of {@code query}; see {@link CacheAside#keyFor(Query)}. */
    String keyFor(Query query) {
        return engine.keys().of(query.sql(), query.parameters());
    }

    /**
     * The engine's answer to {@code query} under {@code key}, at subscription: its call (key,
     * TTL), served by the engine; errors with {@link IllegalStateException} after the close.
     */
    Mono<Served> serve(Query query, String key) {
        if (engine.background().isClosed()) {
            return Mono.error(new IllegalStateException("this CacheAside is closed"));
        }
        Duration ttl = query.ttl() != null ? query.ttl() : options.defaultTtl();
        Call call = new Call(key, query.sql(), query.parameters(), query.tables(), ttl, query.forceRefresh(), query);
        if (transactions != null) {
            return transactions.serve(call, Mono.defer(() -> engine.serve(call)));
        }
        return engine.serve(call);
    }

    /** The time now on the options' nano clock, where a query's latency starts. */
    long nanoTime() {
        return options.nanoTime().getAsLong();
    }

    /** The observer of operations, or null. */
    CacheObserver observer() {
        return engine.observer();
    }

    /** The result of the query under {@code key}, served as {@code served}, asked at {@code start} ({@link #nanoTime()}); counted. */
    QueryResult result(String key, Served served, long start) {
        engine.counters().served(served.source());
        long elapsed = Math.max(0, nanoTime() - start);
        return new QueryResult(key, served.rows(), EngineMapping.source(served.source()), elapsed,
                served.source() == Origin.NEAR_HIT);
    }
}
