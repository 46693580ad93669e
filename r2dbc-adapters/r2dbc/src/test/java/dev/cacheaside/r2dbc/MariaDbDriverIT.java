package dev.cacheaside.r2dbc;

import dev.cacheaside.env.Settings;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.List;
import java.util.Map;

/** MariaDB through the org.mariadb r2dbc-mariadb driver. */
class MariaDbDriverIT extends AbstractServerIT {

    @Override
    String name() {
        return "mariadb";
    }

    @Override
    Settings settings() {
        return Settings.of(env("MARIADB", "mariadb", 3306, "root", "test"));
    }

    static List<Column> mysqlColumns() {
        return List.of(
                col("c_tinyint", "TINYINT", 7),
                col("c_smallint", "SMALLINT", 300),
                col("c_int", "INT", 70000),
                col("c_bigint", "BIGINT", 9_000_000_000L),
                col("c_decimal", "DECIMAL(10,3)", new BigDecimal("12.345")),
                col("c_float", "FLOAT", 1.5f),
                col("c_double", "DOUBLE", 2.25d),
                col("c_char", "CHAR(5)", "ab"),
                col("c_varchar", "VARCHAR(50)", "héllo, wörld"),
                col("c_text", "TEXT", "a longer text ?; with marks"),
                col("c_date", "DATE", LocalDate.of(2025, 2, 28)),
                col("c_time", "TIME", LocalTime.of(23, 59, 58)),
                col("c_datetime", "DATETIME(3)", LocalDateTime.of(2025, 3, 4, 5, 6, 7, 123_000_000)),
                col("c_timestamp", "TIMESTAMP(3) NULL", LocalDateTime.of(2025, 3, 4, 5, 6, 7, 0)),
                col("c_boolean", "BOOLEAN", true),
                col("c_varbinary", "VARBINARY(16)", new byte[] {0, 1, (byte) 0xfe, (byte) 0xff}),
                col("c_blob", "BLOB", "?", new byte[] {10, 20, 30, (byte) 0x80}, false),
                col("c_json", "JSON", "?", "{\"a\": 1, \"b\": [true, null]}", false));
    }

    @Override
    List<Column> columns() {
        return mysqlColumns();
    }

    @Override
    String manyRows(int n) {
        return "SELECT seq AS n FROM seq_1_to_" + n;
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
