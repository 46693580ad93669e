package dev.cacheaside.r2dbc;

import dev.cacheaside.env.Settings;
import java.util.List;
import java.util.Map;

/**
 * The io.asyncer r2dbc-mysql driver: against a MySQL server when one is named
 * ({@code TEST_MYSQL_HOST}/{@code TEST_MYSQL_PORT}) or Docker can start MySQL 8; otherwise
 * against MariaDB, which it also speaks to (the machine CI runs on has no MySQL server).
 */
class MySqlDriverIT extends AbstractServerIT {

    @Override
    String name() {
        return "mysql";
    }

    @Override
    Settings settings() {
        return Settings.of(env(server(), "mysql", 3306, "root", "test"));
    }

    static String server() {
        boolean named = System.getenv("TEST_MYSQL_HOST") != null || System.getenv("TEST_MYSQL_PORT") != null;
        if (named) {
            return "MYSQL";
        }
        return dev.cacheaside.testing.TestServers.container("MYSQL") != null ? "MYSQL" : "MARIADB";
    }

    @Override
    List<Column> columns() {
        return MariaDbDriverIT.mysqlColumns();
    }

    @Override
    String manyRows(int n) {
        if (server().equals("MARIADB")) {
            return "SELECT seq AS n FROM seq_1_to_" + n;
        }
        // MySQL stops a recursive CTE at cte_max_recursion_depth (1000) unless the query raises it
        return "WITH RECURSIVE s (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < " + n
                + ") SELECT /*+ SET_VAR(cte_max_recursion_depth = " + n + ") */ n FROM s";
    }

    @Override
    String sleep(int seconds) {
        return "SELECT SLEEP(" + seconds + ")";
    }

    @Override
    Map.Entry<Settings, String> wrongCredentials() {
        return Map.entry(settings().with("DB_PASSWORD", "definitely-wrong-pw"), settings().get("DB_USER").orElseThrow());
    }

    @Override
    List<String> createDatabase(String database) {
        return List.of("CREATE DATABASE " + database);
    }

    @Override
    List<String> dropDatabase(String database) {
        return List.of("DROP DATABASE IF EXISTS " + database);
    }
}
