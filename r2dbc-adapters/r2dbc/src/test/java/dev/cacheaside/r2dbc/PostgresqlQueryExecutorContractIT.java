package dev.cacheaside.r2dbc;

import dev.cacheaside.env.Settings;
import dev.cacheaside.spi.QueryExecutor;
import org.junit.jupiter.api.BeforeAll;

/** The executor contract on PostgreSQL through r2dbc-postgresql. */
class PostgresqlQueryExecutorContractIT extends R2dbcExecutorContract {

    private static Settings settings;

    @BeforeAll
    static void server() {
        settings = Settings.of(AbstractDatabaseIT.env("POSTGRES", "postgresql", 5432, "postgres", "test"));
    }

    @Override
    protected QueryExecutor createExecutor() {
        return AbstractDatabaseIT.executorFor(settings);
    }

    @Override
    protected String table() {
        return "cacheaside_it_contract_postgresql";
    }
}
