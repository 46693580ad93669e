package dev.cacheaside.r2dbc;

import dev.cacheaside.env.Settings;
import dev.cacheaside.spi.QueryExecutor;
import org.junit.jupiter.api.BeforeAll;

/** The executor contract on MariaDB through the org.mariadb r2dbc-mariadb driver. */
class MariaDbQueryExecutorContractIT extends R2dbcExecutorContract {

    private static Settings settings;

    @BeforeAll
    static void server() {
        settings = Settings.of(AbstractDatabaseIT.env("MARIADB", "mariadb", 3306, "root", "test"));
    }

    @Override
    protected QueryExecutor createExecutor() {
        return AbstractDatabaseIT.executorFor(settings);
    }

    @Override
    protected String table() {
        return "cacheaside_it_contract_mariadb";
    }
}
