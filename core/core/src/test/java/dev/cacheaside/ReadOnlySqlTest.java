package dev.cacheaside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.spi.SqlDialect;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The read guard. Every text in the "refused" lists passed the first-keyword check of a3c4871
 * (issue 12), most of them on every dialect.
 */
class ReadOnlySqlTest {

    private static String refusal(String sql, SqlDialect dialect) {
        return ReadOnlySql.verdict(sql, dialect, false).refusal;
    }

    // ---- refused on every dialect (and so on UNKNOWN) ----

    @ParameterizedTest
    @ValueSource(strings = {
        "SELECT 1; DROP TABLE t",
        "SELECT 1 AS one; DELETE FROM t",
        "VALUES (1); INSERT INTO t VALUES (2)",
        "TABLE t; TRUNCATE u",
        "SELECT 1;;",
        "SELECT 1; SELECT 2",
        "SELECT 1 /* ; */ ; -- trailing\n SELECT 2",
        "WITH a AS (SELECT '\\' AS s), x AS (DELETE FROM t RETURNING *) SELECT * FROM x -- '",
        "SELECT '\\' AS s FROM t FOR UPDATE -- '",
        "SELECT * FROM t FOR UPDATE",
        "SELECT * FROM t FOR NO KEY UPDATE",
        "SELECT * FROM t FOR SHARE",
        "SELECT * FROM t FOR KEY SHARE",
        "SELECT * FROM t LOCK IN SHARE MODE",
        "SELECT * FROM t FOR UPDATE NOWAIT",
        "SELECT * FROM t FOR UPDATE SKIP LOCKED",
        "select * from t for update of t",
        "WITH a AS (WITH b AS (UPDATE t SET x = 1 RETURNING *) SELECT * FROM b) SELECT * FROM a",
        "SELECT * FROM (SELECT * FROM OLD TABLE (DELETE FROM t)) x",
        "SELECT * INTO backup FROM booking",
        "SELECT * FROM t INTO OUTFILE '/tmp/x'",
        "SELECT * FROM t INTO DUMPFILE '/tmp/x'",
        "EXPLAIN ANALYZE DELETE FROM t",
        "EXPLAIN ANALYZE SELECT * FROM t",
        "EXPLAIN (ANALYZE, BUFFERS) SELECT 1",
        "INSERT INTO booking VALUES (1)",
        "update flight set departure = now()",
        "DELETE FROM passenger",
        "DROP TABLE airline",
        "CREATE TABLE x (id int)",
        "TRUNCATE booking",
        "/* SELECT */ DELETE FROM t",
        "MERGE INTO t USING s ON (1=1) WHEN MATCHED THEN DELETE",
        "CALL refresh_all()",
        "DO $$ BEGIN DELETE FROM t; END $$",
        "COPY t TO '/tmp/x'",
        "LOCK TABLE t",
        "SET search_path = evil",
        "SELECT nextval('s')",
        "SELECT pg_catalog.nextval('s')",
        "SELECT \"nextval\"('s')",
        "SELECT NEXTVAL ( 's' )",
        "SELECT setval('s', 10)",
        "SELECT NEXT VALUE FOR s",
        "SELECT lo_import('/etc/passwd')",
        "SELECT lo_unlink(1)",
        "SELECT pg_advisory_lock(1)",
        "SELECT pg_try_advisory_xact_lock(1)",
        "SELECT GET_LOCK('a', 1)",
        "SELECT RELEASE_LOCK('a')",
        "SELECT LAST_INSERT_ID(5)",
        "SELECT set_config('role', 'x', false)",
        "SELECT 'unclosed",
        "SELECT \"unclosed",
        "SELECT 1 /* unclosed",
        "-- only a comment",
        ";",
        "",
        "   ",
        "( )",
    })
    void refusedEverywhere(String sql) {
        for (SqlDialect dialect : SqlDialect.values()) {
            assertThat(refusal(sql, dialect)).as("%s on %s", sql, dialect).isNotNull();
        }
        assertThatThrownBy(() -> ReadOnlySql.check(sql, SqlDialect.UNKNOWN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("refused")
                .hasMessageContaining("nothing was sent");
    }

    // ---- dialect-specific lexing ----

    @Test
    void aBackslashIsAnOrdinaryCharacterInPostgresStrings() {
        String sql = "SELECT '\\' AS s FROM t FOR UPDATE -- '";
        assertThat(refusal(sql, SqlDialect.POSTGRESQL)).contains("UPDATE at offset 27").contains("row locks");
        // with escapes (PostgreSQL E'...'), the same text is one string, as the server reads it
        assertThat(refusal("SELECT E'\\' AS s FROM t FOR UPDATE -- '", SqlDialect.POSTGRESQL)).isNull();
        assertThat(refusal("SELECT e'\\' AS s FROM t FOR UPDATE -- '", SqlDialect.POSTGRESQL)).isNull();
        assertThat(refusal("SELECT xe'\\' AS s FROM t FOR UPDATE -- '", SqlDialect.POSTGRESQL)).contains("UPDATE");
        assertThat(refusal("SELECT E'it\\'s' AS s", SqlDialect.POSTGRESQL)).isNull();
    }

    @Test
    void mariaDbDoubleQuotedStringsHideNothing() {
        String sql = "SELECT \"x\\\"\" FROM t FOR UPDATE";
        assertThat(refusal(sql, SqlDialect.MYSQL)).contains("UPDATE");
        String hidden = "SELECT \"x\\\" FROM t FOR UPDATE -- \"";
        // default MySQL: one string; ANSI_QUOTES: an identifier "x\", then FOR UPDATE
        assertThat(refusal(hidden, SqlDialect.MYSQL)).contains("ANSI_QUOTES");
    }

    @Test
    void mySqlExecutableCommentsAreCode() {
        assertThat(refusal("SELECT * FROM t /*! FOR UPDATE */", SqlDialect.MYSQL)).contains("UPDATE");
        assertThat(refusal("SELECT * FROM t /*!50000 FOR UPDATE */", SqlDialect.MYSQL)).contains("UPDATE");
        assertThat(refusal("SELECT 1 /*M!100000 ; DROP TABLE t */", SqlDialect.MYSQL)).contains("more than one");
        assertThat(refusal("SELECT 1 /*!*/ ; /*!*/", SqlDialect.MYSQL)).isNull();
        assertThat(refusal("SELECT 1 # ; DROP TABLE t", SqlDialect.MYSQL)).isNull();
        assertThat(refusal("SELECT 1 # ; DROP TABLE t", SqlDialect.POSTGRESQL)).contains("more than one");
        assertThat(refusal("SELECT 1 # ; DROP TABLE t", SqlDialect.UNKNOWN)).contains("more than one");
    }

    @Test
    void mySqlDashDashNeedsASpace() {
        assertThat(refusal("SELECT 1 --1\n", SqlDialect.MYSQL)).isNull();
        assertThat(refusal("SELECT 1 --; DELETE FROM t\n", SqlDialect.MYSQL)).contains("more than one");
        assertThat(refusal("SELECT 1 --; DELETE FROM t\n", SqlDialect.POSTGRESQL)).isNull();
        assertThat(refusal("SELECT 1 --; DELETE FROM t\n", SqlDialect.UNKNOWN)).isNotNull();
    }

    @Test
    void postgresDollarQuotesAndNestedComments() {
        assertThat(refusal("SELECT $$ INSERT INTO t; $$ AS s", SqlDialect.POSTGRESQL)).isNull();
        assertThat(refusal("SELECT $tag$ it's ; $$ $tag$ AS s", SqlDialect.POSTGRESQL)).isNull();
        assertThat(refusal("SELECT $1", SqlDialect.POSTGRESQL)).isNull();
        assertThat(refusal("SELECT $$ x $$ ; DELETE FROM t", SqlDialect.POSTGRESQL)).contains("more than one");
        assertThat(refusal("SELECT 1 /* a /* b */ ; DELETE FROM t */", SqlDialect.POSTGRESQL)).isNull();
        // H2 and MySQL do not nest the same way: refused as ambiguous
        assertThat(refusal("SELECT 1 /* a /* b */ ; DELETE FROM t */", SqlDialect.H2)).contains("comment");
        assertThat(refusal("SELECT 1 /* a /* b */ ; DELETE FROM t */", SqlDialect.UNKNOWN)).isNotNull();
        // a dollar quote is not one in MySQL
        assertThat(refusal("SELECT $$ ; DELETE FROM t $$", SqlDialect.MYSQL)).isNotNull();
    }

    @Test
    void h2Comments() {
        assertThat(refusal("SELECT 1 // comment\n", SqlDialect.H2)).isNull();
        assertThat(refusal("SELECT 1 // ; DELETE FROM t", SqlDialect.H2)).contains("H2 R2DBC driver");
        assertThat(refusal("SELECT 1 // ; DELETE FROM t", SqlDialect.POSTGRESQL)).isNotNull();
        assertThat(refusal("SELECT $$ DELETE $$", SqlDialect.H2)).isNull();
        assertThat(refusal("SELECT 1 -- x\n FOR UPDATE", SqlDialect.H2)).contains("UPDATE");
    }

    @Test
    void showOnlyOnMySql() {
        assertThat(refusal("SHOW TABLES", SqlDialect.MYSQL)).isNull();
        assertThat(refusal("SHOW TABLES", SqlDialect.POSTGRESQL)).contains("starts with SHOW");
    }

    // ---- state-changing functions can be allowed ----

    @ParameterizedTest
    @ValueSource(strings = {"SELECT nextval('s')", "SELECT NEXT VALUE FOR s", "SELECT GET_LOCK('a', 1)",
        "SELECT pg_advisory_lock(1)", "SELECT LAST_INSERT_ID(5)"})
    void stateFunctionsCanBeAllowed(String sql) {
        assertThat(ReadOnlySql.verdict(sql, SqlDialect.UNKNOWN, false).refusal).contains("allowStateChangingFunctions");
        assertThat(ReadOnlySql.verdict(sql, SqlDialect.UNKNOWN, true).refusal).isNull();
    }

    @Test
    void readsOfStateAreNotFunctionsThatChangeIt() {
        assertThat(refusal("SELECT currval('s'), LAST_INSERT_ID(), IS_FREE_LOCK('a'), SLEEP(0)", SqlDialect.UNKNOWN))
                .isNull();
        assertThat(refusal("SELECT 'nextval(1)' AS s, nextval_count FROM t", SqlDialect.UNKNOWN)).isNull();
    }

    // ---- reads that pass ----

    @ParameterizedTest
    @ValueSource(strings = {
        "SELECT * FROM airline WHERE airline_id = 1",
        "  -- leading comment\n  select 1",
        "/* a comment */ (SELECT 1) UNION (SELECT 2)",
        "WITH busy AS (SELECT flight_id FROM booking) SELECT * FROM busy",
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT n FROM r",
        "SELECT 'UPDATE x SET y = 1 DROP TABLE t' AS text",
        "SELECT 'it''s -- not a comment' AS text",
        "SELECT \"delete\", \"for update\" FROM t",
        "VALUES (1), (2)",
        "TABLE airline",
        "EXPLAIN SELECT * FROM t",
        "SELECT updated_at, last_update, inserted, deleted_flag FROM t",
        "SELECT * FROM t WHERE id IN (SELECT id FROM u WHERE x = ?) -- a comment",
        "SELECT 1;",
        "SELECT 1 /* done */;",
        "SELECT REPLACE(name, 'a', 'b') FROM t",
        "SELECT CAST(x AS CHAR CHARACTER SET utf8mb4) FROM t",
        "SELECT currval('s')",
    })
    void readsPass(String sql) {
        assertThatCode(() -> ReadOnlySql.check(sql, SqlDialect.UNKNOWN)).doesNotThrowAnyException();
        for (SqlDialect dialect : SqlDialect.values()) {
            assertThat(refusal(sql, dialect)).as("%s on %s", sql, dialect).isNull();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "SELECT 'UPDATE x SET y = 1; DROP TABLE t' AS text",
        "SELECT * FROM t WHERE id IN (SELECT id FROM u WHERE x = ?) -- a ; in a comment",
        "SELECT 1; /* done; */",
        "SELECT 1 ; -- done\n",
        "SELECT \"a;b\" FROM t",
    })
    void innerSemicolonsPassOnServersButNotOnH2(String sql) {
        assertThat(refusal(sql, SqlDialect.POSTGRESQL)).isNull();
        assertThat(refusal(sql, SqlDialect.MYSQL)).isNull();
        // r2dbc-h2 splits at every ';': found by the fuzz test, "SELECT 1--x;SELECT * FROM OLD TABLE (DELETE ...)"
        assertThat(refusal(sql, SqlDialect.H2)).contains("H2 R2DBC driver");
        assertThat(refusal(sql, SqlDialect.UNKNOWN)).isNotNull();
    }

    static Stream<String> sampleQueries() throws IOException {
        List<String> out = new ArrayList<>();
        Path dir = Path.of("..", "..", "examples", "demo", "src", "main", "resources", "sql");
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files.sorted()::iterator) {
                String text = Files.readString(file, StandardCharsets.UTF_8);
                for (String statement : text.split(";")) {
                    if (!statement.replaceAll("--[^\n]*", "").isBlank()) {
                        out.add(statement + ";");
                    }
                }
            }
        }
        assertThat(out).hasSizeGreaterThan(10);
        return out.stream();
    }

    @ParameterizedTest
    @MethodSource("sampleQueries")
    void theSampleQueriesPassOnEveryDialect(String sql) {
        for (SqlDialect dialect : SqlDialect.values()) {
            assertThat(refusal(sql, dialect)).as("%s on %s", sql, dialect).isNull();
        }
    }

    // ---- bind markers ----

    @Test
    void markersAreCountedOutsideQuotesAndComments() {
        String sql = "SELECT '?' AS q, \"?\" AS r, ? AS s /* ? */ -- ?\n FROM t WHERE a = ?";
        assertThat(ReadOnlySql.agreedParameterCount(sql)).isEqualTo(2);
        assertThat(ReadOnlySql.verdict(sql, SqlDialect.POSTGRESQL, false).parameters).isEqualTo(2);
        // PostgreSQL's ?? is a literal ?, elsewhere two markers: no agreement, the dialect decides
        assertThat(ReadOnlySql.agreedParameterCount("SELECT a ?? b")).isEqualTo(-1);
        assertThat(ReadOnlySql.verdict("SELECT a ?? b", SqlDialect.POSTGRESQL, false).parameters).isZero();
        assertThat(ReadOnlySql.verdict("SELECT a ?? b", SqlDialect.MYSQL, false).parameters).isEqualTo(2);
    }

    @Test
    void aWrongParameterCountFailsAtTheCall() {
        assertThatThrownBy(() -> Query.of("SELECT * FROM t WHERE a = ? AND b = ?", 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the SQL has 2 bind markers (?) but 1 parameter was given");
        assertThatThrownBy(() -> Query.of("SELECT * FROM t WHERE a = '?'", 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the SQL has 0 bind markers (?) but 1 parameter was given");
        assertThatCode(() -> Query.of("SELECT * FROM t WHERE a = ? AND b = '?'", 1)).doesNotThrowAnyException();
        ReadOnlySql.Verdict pg = ReadOnlySql.verdict("SELECT a ?? b, ?", SqlDialect.POSTGRESQL, false);
        assertThatThrownBy(() -> pg.require(2)).hasMessage("the SQL has 1 bind marker (?) but 2 parameters were given");
        assertThatCode(() -> pg.require(1)).doesNotThrowAnyException();
    }

    @ParameterizedTest
    @EnumSource(SqlDialect.class)
    void refusalsNameWhatAndWhy(SqlDialect dialect) {
        assertThat(refusal("SELECT 1; DROP TABLE t", dialect)).contains("offset 8")
                .containsAnyOf("more than one statement", "H2 R2DBC driver");
        assertThat(refusal("SELECT * FROM t FOR SHARE", dialect)).contains("SHARE at offset 20").contains("row locks");
        assertThat(refusal("SELECT nextval('s')", dialect)).contains("nextval()").contains("changes state");
        assertThat(refusal("DELETE FROM t", dialect)).contains("starts with DELETE");
    }
}
