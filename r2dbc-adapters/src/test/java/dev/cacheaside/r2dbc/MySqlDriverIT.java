package dev.cacheaside.r2dbc;

import dev.cacheaside.config.Settings;
import java.util.List;
import java.util.Map;

/** MariaDB through the io.asyncer r2dbc-mysql driver (there is no MySQL server here). */
class MySqlDriverIT extends AbstractServerIT {

    @Override
    String name() {
        return "mysql";
    }

    @Override
    Settings settings() {
        return Settings.of(env("MARIADB", "mysql", 3306, "root", "test"));
    }

    @Override
    List<Column> columns() {
        return MariaDbDriverIT.mysqlColumns();
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
