package dev.cacheaside;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReadOnlySqlTest {

    @ParameterizedTest
    @ValueSource(strings = {
        "SELECT * FROM airline WHERE airline_id = 1",
        "  -- leading comment\n  select 1",
        "/* a; comment */ (SELECT 1) UNION (SELECT 2)",
        "WITH busy AS (SELECT flight_id FROM booking) SELECT * FROM busy",
        "SELECT 'UPDATE x SET y = 1' AS text",
        "SELECT \"delete\" FROM t",
        "VALUES (1), (2)",
        "SELECT $$ INSERT INTO t $$",
        "SHOW TABLES",
        "SELECT updated_at, last_update FROM t",
    })
    void readsPass(String sql) {
        assertThatCode(() -> ReadOnlySql.check(sql)).doesNotThrowAnyException();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "INSERT INTO booking VALUES (1)",
        "update flight set departure = now()",
        "DELETE FROM passenger",
        "DROP TABLE airline",
        "CREATE TABLE x (id int)",
        "TRUNCATE booking",
        "/* SELECT */ DELETE FROM t",
        "MERGE INTO t USING s ON (1=1) WHEN MATCHED THEN DELETE",
        "CALL refresh_all()",
    })
    void writesAreRefusedNamingTheStatement(String sql) {
        String first = sql.replaceAll("/\\*.*?\\*/", "").trim().split("\\s+")[0].toUpperCase();
        assertThatThrownBy(() -> ReadOnlySql.check(sql))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only reads are cached")
                .hasMessageContaining(first);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "WITH moved AS (DELETE FROM booking RETURNING *) SELECT * FROM moved",
        "SELECT * FROM booking WHERE booking_id = 1 FOR UPDATE",
        "SELECT * INTO backup FROM booking",
        "-- only a comment",
    })
    void writesHiddenInReadsAreRefused(String sql) {
        assertThatThrownBy(() -> ReadOnlySql.check(sql)).isInstanceOf(IllegalArgumentException.class);
    }
}
