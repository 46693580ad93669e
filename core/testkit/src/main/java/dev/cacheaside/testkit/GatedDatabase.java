package dev.cacheaside.testkit;

import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.spi.Rows;
import java.util.List;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/** A database whose answers wait for {@link #release()}, though it reads at once. */
final class GatedDatabase implements QueryExecutor {
    private final QueryExecutor inner;
    private final Sinks.Empty<Void> gate = Sinks.empty();

    GatedDatabase(QueryExecutor inner) {
        this.inner = inner;
    }

    void release() {
        gate.tryEmitEmpty();
    }

    @Override
    public Mono<Rows> execute(String sql, List<?> parameters) {
        return inner.execute(sql, parameters).flatMap(rows -> gate.asMono().thenReturn(rows));
    }

    @Override
    public Mono<Void> closeAsync() {
        return Mono.empty();
    }
}
