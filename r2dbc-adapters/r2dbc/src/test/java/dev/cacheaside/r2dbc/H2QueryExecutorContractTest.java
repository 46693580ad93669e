package dev.cacheaside.r2dbc;

import dev.cacheaside.spi.QueryExecutor;
import java.util.concurrent.atomic.AtomicInteger;

/** The executor contract on an in-memory H2 database, one database per test: no server needed. */
class H2QueryExecutorContractTest extends R2dbcExecutorContract {

    private static final AtomicInteger DATABASES = new AtomicInteger();

    /** Every executor of a test reaches this database; it lives until the JVM ends. */
    private final String database = "contract" + DATABASES.incrementAndGet();

    @Override
    protected QueryExecutor createExecutor() {
        return R2dbcQueryExecutor.create(R2dbcQueryExecutorTest.h2(database));
    }
}
