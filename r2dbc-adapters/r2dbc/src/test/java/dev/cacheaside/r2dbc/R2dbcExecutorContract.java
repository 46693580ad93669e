package dev.cacheaside.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.testkit.QueryExecutorContract;
import io.r2dbc.spi.R2dbcException;
import java.time.Duration;

/**
 * The kit's {@link QueryExecutorContract} on an {@link R2dbcQueryExecutor}: the database's errors
 * are {@link R2dbcException}s, and an executor that finished an operation has no connection
 * acquired from its pool.
 */
abstract class R2dbcExecutorContract extends QueryExecutorContract {

    @Override
    protected Class<? extends Throwable> databaseError() {
        return R2dbcException.class;
    }

    @Override
    protected void assertIdle(QueryExecutor executor) {
        R2dbcQueryExecutor r2dbc = (R2dbcQueryExecutor) executor;
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (r2dbc.poolMetrics().orElseThrow().acquiredSize() != 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(r2dbc.poolMetrics().orElseThrow().acquiredSize()).as("connections still acquired").isZero();
    }
}
