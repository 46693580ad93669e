package dev.cacheaside.r2dbc;

import dev.cacheaside.env.Settings;
import dev.cacheaside.spi.QueryExecutor;
import org.junit.jupiter.api.BeforeAll;

/**
 * The executor contract through the io.asyncer r2dbc-mysql driver, against the server
 * {@link MySqlDriverIT} uses (MySQL when one is named or Docker can start it, MariaDB otherwise).
 */
class MySqlQueryExecutorContractIT extends R2dbcExecutorContract {

    private static Settings settings;

    @BeforeAll
    static void server() {
        settings = Settings.of(AbstractDatabaseIT.env(MySqlDriverIT.server(), "mysql", 3306, "root", "test"));
    }

    @Override
    protected QueryExecutor createExecutor() {
        return AbstractDatabaseIT.executorFor(settings);
    }

    @Override
    protected String table() {
        return "cacheaside_it_contract_mysql";
    }
}
