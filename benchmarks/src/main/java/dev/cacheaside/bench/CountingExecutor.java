package dev.cacheaside.bench;

import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.spi.Rows;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Mono;

/**
 * A {@link QueryExecutor} decorator that counts the queries reaching the database adapter (on
 * subscription, so a query is counted when it is really sent). Several {@code CacheAside}
 * instances share one, so its {@link #closeAsync()} leaves the delegate open; the driver closes
 * the delegate itself. Thread safe.
 */
final class CountingExecutor implements QueryExecutor {

    private final QueryExecutor delegate;
    private final AtomicLong queries = new AtomicLong();

    CountingExecutor(QueryExecutor delegate) {
        this.delegate = delegate;
    }

    /** Queries sent so far. */
    long queries() {
        return queries.get();
    }

    @Override
    public Mono<Rows> execute(String sql, List<?> parameters) {
        return Mono.defer(() -> {
            queries.incrementAndGet();
            return delegate.execute(sql, parameters);
        });
    }

    @Override
    public Mono<Void> closeAsync() {
        return Mono.empty();
    }
}
