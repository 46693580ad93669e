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

/** The embedded H2 engine: runs everywhere, no server (its statement timeout is in R2dbcQueryExecutorTest). */
class H2IT extends AbstractDatabaseIT {

    @Override
    String name() {
        return "h2";
    }

    @Override
    Settings settings() {
        return Settings.of(Map.of("DB_ENGINE", "h2", "DB_NAME", "cacheaside_it_h2_main"));
    }

    @Override
    List<Column> columns() {
        return List.of(
                col("c_tinyint", "TINYINT", (byte) 7),
                col("c_smallint", "SMALLINT", (short) 300),
                col("c_int", "INTEGER", 70000),
                col("c_bigint", "BIGINT", 9_000_000_000L),
                col("c_decimal", "DECIMAL(10,3)", new BigDecimal("12.345")),
                col("c_real", "REAL", 1.5f),
                col("c_double", "DOUBLE PRECISION", 2.25d),
                col("c_char", "CHAR(5)", "ab"),
                col("c_varchar", "VARCHAR(50)", "héllo, wörld"),
                col("c_clob", "CLOB", "?", "a character large object ?;", false),
                col("c_date", "DATE", LocalDate.of(2025, 2, 28)),
                col("c_time", "TIME", LocalTime.of(23, 59, 58)),
                col("c_timestamp", "TIMESTAMP(3)", LocalDateTime.of(2025, 3, 4, 5, 6, 7, 123_000_000)),
                col("c_timestamptz", "TIMESTAMP WITH TIME ZONE",
                        OffsetDateTime.of(2025, 3, 4, 5, 6, 7, 0, ZoneOffset.ofHours(2))),
                col("c_boolean", "BOOLEAN", true),
                col("c_varbinary", "VARBINARY(16)", new byte[] {0, 1, (byte) 0xfe, (byte) 0xff}),
                col("c_uuid", "UUID", UUID.fromString("3f1c2a9e-8d4b-4c1e-9a7f-0b2d3e4f5a6b")));
    }

    @Override
    List<String> createDatabase(String database) {
        return List.of(); // an in-memory H2 database exists once something connects to it
    }

    @Override
    List<String> dropDatabase(String database) {
        return List.of();
    }
}
