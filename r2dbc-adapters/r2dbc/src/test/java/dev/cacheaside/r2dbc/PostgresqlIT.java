package dev.cacheaside.r2dbc;

import dev.cacheaside.env.Settings;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** PostgreSQL through r2dbc-postgresql. */
class PostgresqlIT extends AbstractServerIT {

    @Override
    String name() {
        return "postgresql";
    }

    @Override
    Settings settings() {
        return Settings.of(env("POSTGRES", "postgresql", 5432, "postgres", "test"));
    }

    @Override
    List<Column> columns() {
        return List.of(
                col("c_smallint", "SMALLINT", (short) 300),
                col("c_int", "INTEGER", 70000),
                col("c_bigint", "BIGINT", 9_000_000_000L),
                col("c_decimal", "NUMERIC(10,3)", new BigDecimal("12.345")),
                col("c_real", "REAL", 1.5f),
                col("c_double", "DOUBLE PRECISION", 2.25d),
                col("c_char", "CHAR(5)", "ab"),
                col("c_varchar", "VARCHAR(50)", "héllo, wörld"),
                col("c_text", "TEXT", "a longer text ?; with $1 marks"),
                col("c_date", "DATE", LocalDate.of(2025, 2, 28)),
                col("c_time", "TIME", LocalTime.of(23, 59, 58)),
                col("c_timestamp", "TIMESTAMP(3)", LocalDateTime.of(2025, 3, 4, 5, 6, 7, 123_000_000)),
                col("c_timestamptz", "TIMESTAMP WITH TIME ZONE",
                        OffsetDateTime.of(2025, 3, 4, 5, 6, 7, 0, ZoneOffset.ofHours(2))),
                col("c_boolean", "BOOLEAN", true),
                col("c_bytea", "BYTEA", new byte[] {0, 1, (byte) 0xfe, (byte) 0xff}),
                col("c_json", "JSON", "CAST(? AS JSON)", "{\"a\": 1, \"b\": [true, null]}", false),
                col("c_jsonb", "JSONB", "CAST(? AS JSONB)", "{\"a\": 1}", true),
                col("c_uuid", "UUID", UUID.fromString("3f1c2a9e-8d4b-4c1e-9a7f-0b2d3e4f5a6b")));
    }

    @Override
    String manyRows(int n) {
        return "SELECT g AS n FROM generate_series(1, " + n + ") AS g";
    }

    @Override
    String sleep(int seconds) {
        return "SELECT pg_sleep(" + seconds + ")";
    }

    @Override
    Map.Entry<Settings, String> wrongCredentials() {
        // the local server trusts every password, so a user that does not exist stands in
        return Map.entry(settings().with("DB_USER", "cacheaside_no_such_user").with("DB_PASSWORD", "definitely-wrong-pw"),
                "cacheaside_no_such_user");
    }

    @Override
    List<String> createDatabase(String database) {
        return List.of("CREATE DATABASE " + database);
    }

    @Override
    List<String> dropDatabase(String database) {
        return List.of("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    }
}
