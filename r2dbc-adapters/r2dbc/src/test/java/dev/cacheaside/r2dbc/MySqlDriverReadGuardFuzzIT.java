package dev.cacheaside.r2dbc;

import dev.cacheaside.env.Settings;

/** The read guard fuzzed against MariaDB through the MySQL driver. */
final class MySqlDriverReadGuardFuzzIT extends MariaDbReadGuardFuzzIT {
    @Override
    Settings settings() {
        return Settings.of(AbstractDatabaseIT.env("MARIADB", "mysql", 3306, "root", "test"));
    }

    @Override
    String name() {
        return "mysql-driver";
    }
}
