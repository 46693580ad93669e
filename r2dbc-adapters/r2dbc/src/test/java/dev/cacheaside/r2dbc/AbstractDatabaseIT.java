package dev.cacheaside.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.CacheAside;
import dev.cacheaside.QueryResult;
import dev.cacheaside.Source;
import dev.cacheaside.env.Settings;
import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.spi.Statement;
import io.r2dbc.spi.R2dbcBadGrammarException;
import io.r2dbc.spi.R2dbcException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/**
 * What every engine must do, against a real database: each engine's subclass says how to reach
 * it, which column types it has, and which values to store. Table and database names carry the
 * subclass's {@link #name()}, so classes run in any order and side by side.
 */
abstract class AbstractDatabaseIT {

    /** The classes the cache codec stores faithfully. */
    static final Set<Class<?>> CODEC_TYPES = Set.of(String.class, Integer.class, Long.class, Short.class, Byte.class,
            Boolean.class, Double.class, Float.class, BigDecimal.class, BigInteger.class, LocalDate.class,
            LocalTime.class, LocalDateTime.class, OffsetDateTime.class, OffsetTime.class, ZonedDateTime.class,
            Instant.class, UUID.class, byte[].class);

    /** One column of the type table: name, DDL type, bind marker in the INSERT, value, WHERE-comparable. */
    static final class Column {
        final String name;
        final String type;
        final String marker;
        final Object value;
        final boolean comparable;

        Column(String name, String type, String marker, Object value, boolean comparable) {
            this.name = name;
            this.type = type;
            this.marker = marker;
            this.value = value;
            this.comparable = comparable;
        }
    }

    static Column col(String name, String type, Object value) {
        return new Column(name, type, "?", value, true);
    }

    static Column col(String name, String type, String marker, Object value, boolean comparable) {
        return new Column(name, type, marker, value, comparable);
    }

    /** Short lower-case name of this engine/driver pair, used in table and database names. */
    abstract String name();

    /** Settings that reach the test database (DB_ENGINE, DB_HOST, ...); skips when it is down. */
    abstract Settings settings();

    /** The columns of the type table. */
    abstract List<Column> columns();

    /** Statements that create (and, with {@code drop}, drop) a database of this name. */
    abstract List<String> createDatabase(String database);

    abstract List<String> dropDatabase(String database);

    R2dbcQueryExecutor executor;
    MapCacheStore store;
    CacheAside cache;

    static R2dbcQueryExecutor executorFor(Settings settings) {
        return (R2dbcQueryExecutor) providerFor(settings.get("DB_ENGINE").orElseThrow())
                .create(settings.get("DB_ENGINE").orElseThrow(), settings);
    }

    static dev.cacheaside.env.QueryExecutorProvider providerFor(String engine) {
        for (dev.cacheaside.env.QueryExecutorProvider p : java.util.ServiceLoader.load(dev.cacheaside.env.QueryExecutorProvider.class)) {
            if (p.engines().contains(engine)) {
                return p;
            }
        }
        throw new IllegalStateException("no provider for " + engine);
    }

    String table() {
        return "cacheaside_it_types_" + name();
    }

    @BeforeEach
    void open() {
        executor = executorFor(settings());
        store = new MapCacheStore();
        cache = CacheAside.builder().database(executor).cache(store).build();
    }

    @AfterEach
    void close() {
        if (cache != null) {
            try {
                run(executor, "DROP TABLE IF EXISTS " + table()); // our own table, never the user's
            } finally {
                cache.close();
            }
        }
    }

    Rows run(QueryExecutor e, String sql, Object... parameters) {
        return e.execute(sql, Arrays.asList(parameters)).block(Duration.ofSeconds(60));
    }

    void createTypeTable() {
        run(executor, "DROP TABLE IF EXISTS " + table());
        StringBuilder ddl = new StringBuilder("CREATE TABLE " + table() + " (id INT NOT NULL PRIMARY KEY");
        StringBuilder insert = new StringBuilder("INSERT INTO " + table() + " (id");
        StringBuilder markers = new StringBuilder(" VALUES (?");
        for (Column c : columns()) {
            ddl.append(", ").append(c.name).append(' ').append(c.type);
            insert.append(", ").append(c.name);
            markers.append(", ").append(c.marker);
        }
        run(executor, ddl.append(")").toString());
        String sql = insert.append(")").append(markers).append(")").toString();
        List<Object> values = new ArrayList<>();
        List<Object> nulls = new ArrayList<>();
        values.add(1);
        nulls.add(2);
        for (Column c : columns()) {
            values.add(c.value);
            nulls.add(null);
        }
        executor.execute(sql, values).block(Duration.ofSeconds(30));
        executor.execute(sql, nulls).block(Duration.ofSeconds(30));
    }

    @Test
    void everyTypeRoundTripsThroughTheCacheWithItsClass() {
        createTypeTable();
        String sql = "SELECT * FROM " + table() + " ORDER BY id";
        QueryResult miss = cache.query(sql).block(Duration.ofSeconds(30));
        QueryResult hit = cache.query(sql).block(Duration.ofSeconds(30));
        assertThat(miss.source()).as("first query").isEqualTo(Source.CACHE_MISS);
        assertThat(hit.source()).as("second query: every value was cacheable").isEqualTo(Source.CACHE_HIT);
        assertThat(hit.rows()).as("rows from the cache equal rows from the database").isEqualTo(miss.rows());
        Rows rows = miss.rows();
        assertThat(rows.size()).isEqualTo(2);
        assertThat(rows.columns()).hasSize(columns().size() + 1);
        Map<String, String> classes = new LinkedHashMap<>();
        for (int c = 0; c < rows.columns().size(); c++) {
            Object fromDb = rows.get(0, c);
            Object fromCache = hit.rows().get(0, c);
            String column = rows.columns().get(c);
            assertThat(fromDb).as(column + " is not null in row 1").isNotNull();
            assertThat(fromCache.getClass()).as(column + ": class from the cache").isEqualTo(fromDb.getClass());
            assertThat(CODEC_TYPES).as(column + ": " + fromDb.getClass().getName() + " is a codec type")
                    .contains(fromDb.getClass());
            classes.put(column, fromDb.getClass().getSimpleName());
            if (c > 0) {
                assertThat(rows.get(1, c)).as(column + " is NULL in row 2").isNull();
                assertThat(hit.rows().get(1, c)).as(column + " is NULL in row 2 from the cache").isNull();
                assertSameValue(column, columns().get(c - 1).value, fromDb);
            }
        }
        System.out.println("[" + name() + "] column classes: " + classes);
    }

    /** The value read back means the value written (drivers differ in class, not in meaning). */
    static void assertSameValue(String column, Object written, Object read) {
        if (written instanceof byte[]) {
            assertThat(read).as(column).isInstanceOf(byte[].class);
            assertThat((byte[]) read).as(column).isEqualTo((byte[]) written);
        } else if (written instanceof Boolean) {
            Object normal = read instanceof Number ? ((Number) read).intValue() != 0 : read;
            assertThat(normal).as(column).isEqualTo(written);
        } else if (written instanceof BigDecimal) {
            assertThat(read).as(column).isEqualTo(written); // scale included
        } else if (written instanceof Number) {
            assertThat(new BigDecimal(read.toString())).as(column)
                    .isEqualByComparingTo(new BigDecimal(written.toString()));
        } else if (written instanceof String && ((String) written).startsWith("{")) {
            assertThat(read.toString().replace(" ", "")).as(column + " (json)").isEqualTo(((String) written).replace(" ", ""));
        } else if (written instanceof String) {
            assertThat(read.toString().strip()).as(column).isEqualTo(written);
        } else if (written instanceof LocalDateTime && read instanceof ZonedDateTime) {
            // r2dbc-mysql reads a TIMESTAMP column as the instant it is, in the session's zone
            assertThat(((ZonedDateTime) read).withZoneSameInstant(java.time.ZoneId.systemDefault()).toLocalDateTime())
                    .as(column).isEqualTo(written);
        } else if (written instanceof OffsetDateTime && read instanceof OffsetDateTime) {
            assertThat(((OffsetDateTime) read).toInstant()).as(column).isEqualTo(((OffsetDateTime) written).toInstant());
        } else {
            assertThat(read).as(column).isEqualTo(written);
        }
    }

    @Test
    void namedParametersAnswerAsTheirPositionalFormWithItsKey() {
        createTypeTable();
        // a ':' inside a string is not a parameter; a name used twice binds its value twice
        String named = "SELECT id, ':not_a_name' AS label FROM " + table()
                + " WHERE (id = :id OR id = :other) AND id <= :id ORDER BY id";
        String positional = "SELECT id, ':not_a_name' AS label FROM " + table()
                + " WHERE (id = ? OR id = ?) AND id <= ? ORDER BY id";
        Map<String, Object> values = Map.of("id", 1, "other", 100);
        QueryResult viaNames = cache.query(named, values).block(Duration.ofSeconds(30));
        assertThat(viaNames.source()).isEqualTo(Source.CACHE_MISS);
        assertThat(viaNames.rows().size()).as("row 1 only").isEqualTo(1);
        assertThat(((Number) viaNames.rows().get(0, 0)).intValue()).isEqualTo(1);
        assertThat(viaNames.rows().get(0, 1)).as("the string keeps its colon").isEqualTo(":not_a_name");
        assertThat(cache.keyFor(dev.cacheaside.Query.named(named, values))).as("one key for both forms")
                .isEqualTo(cache.keyFor(positional, 1, 100, 1));
        assertThat(cache.query(positional, 1, 100, 1).block(Duration.ofSeconds(30)).source())
                .as("the positional form is answered by the entry the named form wrote").isEqualTo(Source.CACHE_HIT);
    }

    @Test
    void bindsAParameterOfEachType() {
        createTypeTable();
        for (Column c : columns()) {
            if (!c.comparable) {
                continue;
            }
            Rows rows = run(executor, "SELECT id FROM " + table() + " WHERE " + c.name + " = " + c.marker, c.value);
            assertThat(rows.size()).as("WHERE " + c.name + " = " + c.value + " finds row 1").isEqualTo(1);
            assertThat(((Number) rows.get(0, 0)).intValue()).isEqualTo(1);
            QueryResult viaCache = cache.query("SELECT id FROM " + table() + " WHERE " + c.name + " = " + c.marker,
                    c.value).block(Duration.ofSeconds(30));
            assertThat(viaCache.rows().size()).as(c.name + " through CacheAside").isEqualTo(1);
        }
        Rows nulls = executor.execute("SELECT id FROM " + table() + " WHERE " + columns().get(0).name + " IS NULL"
                + " AND id = COALESCE(?, 2)", Arrays.asList((Object) null)).block(Duration.ofSeconds(30));
        assertThat(nulls.size()).as("a null parameter").isEqualTo(1);
    }

    @Test
    void syntaxErrorReachesTheCallerWithTheDatabaseMessageAndNothingIsCached() {
        createTypeTable(); // the table exists, so the error can only be the syntax
        StepVerifier.create(cache.query("SELECT * FROM " + table() + " WHERE"))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(R2dbcBadGrammarException.class);
                    assertThat(e.getMessage()).containsIgnoringCase("syntax");
                })
                .verify(Duration.ofSeconds(30));
        assertThat(store.size()).as("nothing cached").isZero();
        awaitNoneAcquired(executor);
    }

    @Test
    void aFreshDatabaseTakesDdlAndABulkInsertThroughExecuteAndItsReadsMissThenHit() {
        String database = "cacheaside_it_" + name();
        for (String s : dropDatabase(database)) {
            run(executor, s);
        }
        for (String s : createDatabase(database)) {
            run(executor, s);
        }
        R2dbcQueryExecutor fresh = executorFor(settings().with("DB_NAME", database));
        try {
            run(fresh, "CREATE TABLE airline (airline_id INT NOT NULL PRIMARY KEY, iata CHAR(2) NOT NULL,"
                    + " airlinename VARCHAR(30) NOT NULL)");
            // one statement with 3,000 parameters, as a bulk loader writes them
            StringBuilder insert = new StringBuilder("INSERT INTO airline (airline_id, iata, airlinename) VALUES ");
            List<Object> parameters = new ArrayList<>();
            for (int i = 1; i <= 1000; i++) {
                insert.append(i == 1 ? "(?, ?, ?)" : ", (?, ?, ?)");
                parameters.addAll(List.of(i, "" + (char) ('A' + i % 26) + (char) ('A' + i / 26 % 26), "Airline " + i));
            }
            fresh.execute(insert.toString(), parameters).block(Duration.ofSeconds(60));
            run(fresh, "CREATE INDEX idx_airline_iata ON airline (iata)");
            assertThat(((Number) run(fresh, "SELECT COUNT(*) FROM airline").get(0, 0)).longValue()).isEqualTo(1000);
            try (CacheAside freshCache = CacheAside.builder().database(fresh).cache(new MapCacheStore()).build()) {
                for (String sql : List.of("SELECT * FROM airline WHERE airline_id = 1",
                        "SELECT iata, COUNT(*) AS n FROM airline GROUP BY iata ORDER BY iata")) {
                    QueryResult miss = freshCache.query(sql).block(Duration.ofSeconds(60));
                    QueryResult hit = freshCache.query(sql).block(Duration.ofSeconds(60));
                    assertThat(miss.source()).as(sql).isEqualTo(Source.CACHE_MISS);
                    assertThat(hit.source()).as(sql).isEqualTo(Source.CACHE_HIT);
                    assertThat(hit.rows()).as(sql).isEqualTo(miss.rows());
                }
                Rows first = freshCache.query("SELECT * FROM airline WHERE airline_id = 1").block(Duration.ofSeconds(60)).rows();
                assertThat(first.size()).isEqualTo(1);
                assertThat(first.get(0, 2)).isEqualTo("Airline 1");
                assertThat(freshCache.query("SELECT iata, COUNT(*) AS n FROM airline GROUP BY iata ORDER BY iata")
                        .block(Duration.ofSeconds(60)).rows().size()).as("distinct codes").isEqualTo(676);
            }
        } finally {
            fresh.close();
            for (String s : dropDatabase(database)) {
                run(executor, s);
            }
        }
    }

    @Test
    void writesCountRowsCommitAndRollBackOnError() {
        String t = "cacheaside_it_writes_" + name();
        run(executor, "DROP TABLE IF EXISTS " + t);
        run(executor, "CREATE TABLE " + t + " (id INT NOT NULL PRIMARY KEY, n INT NOT NULL, label VARCHAR(20))");
        try {
            assertThat(executor.update(Statement.of("INSERT INTO " + t + " (id, n, label) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?)",
                    List.of(1, 10, "a", 2, 20, "b?", 3, 30, "c"))).block(Duration.ofSeconds(30)))
                    .as("rows inserted by update").isEqualTo(3L);
            assertThat(executor.update(Statement.of("UPDATE " + t + " SET n = n + ? WHERE id >= ?", List.of(1, 2)))
                    .block(Duration.ofSeconds(30))).as("rows updated by update").isEqualTo(2L);
            // committed: another executor (its own connections) sees it
            R2dbcQueryExecutor other = executorFor(settings());
            try {
                assertThat(run(other, "SELECT SUM(n) AS s FROM " + t).get(0, 0).toString())
                        .as("sum seen on another connection after update").isEqualTo("62");
            } finally {
                other.close();
            }
            List<Statement> good = List.of(
                    Statement.of("INSERT INTO " + t + " (id, n) VALUES (?, ?)", List.of(4, 40)),
                    Statement.of("DELETE FROM " + t + " WHERE id = ?", List.of(1)),
                    Statement.of("UPDATE " + t + " SET label = ? WHERE id IN (?, ?)", List.of("tx", 2, 3)));
            assertThat(executor.updateInTransaction(good).block(Duration.ofSeconds(30)))
                    .as("rows changed by the committed transaction").isEqualTo(4L);
            List<Statement> bad = List.of(
                    Statement.of("INSERT INTO " + t + " (id, n) VALUES (?, ?)", List.of(5, 50)),
                    Statement.of("UPDATE " + t + " SET n = ? WHERE id = ?", List.of(0, 2)),
                    Statement.of("INSERT INTO " + t + " (id, n) VALUES (?, ?)", List.of(4, 99)));
            StepVerifier.create(executor.updateInTransaction(bad))
                    .as("transaction ending in a duplicate key")
                    .expectError(R2dbcException.class)
                    .verify(Duration.ofSeconds(30));
            Rows after = run(executor, "SELECT id, n, label FROM " + t + " ORDER BY id");
            assertThat(after.asMaps()).as("rows after the rolled-back transaction").hasSize(3);
            assertThat(after.get(0, 0).toString()).as("first id").isEqualTo("2");
            assertThat(after.get(0, 1).toString()).as("the update before the error was rolled back").isEqualTo("21");
            assertThat(after.get(2, 0).toString()).as("last id: row 5 rolled back").isEqualTo("4");
            awaitNoneAcquired(executor);
        } finally {
            run(executor, "DROP TABLE IF EXISTS " + t);
        }
    }

    static void awaitNoneAcquired(R2dbcQueryExecutor e) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (e.poolMetrics().orElseThrow().acquiredSize() != 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(e.poolMetrics().orElseThrow().acquiredSize()).as("connections still acquired").isZero();
    }

    static Map<String, String> env(String server, String engine, int port, String user, String database) {
        String hostPort = dev.cacheaside.testing.TestServers.require(server, port);
        Map<String, String> vars = new HashMap<>();
        vars.put("DB_ENGINE", engine);
        vars.put("DB_HOST", hostPort.substring(0, hostPort.lastIndexOf(':')));
        vars.put("DB_PORT", hostPort.substring(hostPort.lastIndexOf(':') + 1));
        vars.put("DB_USER", System.getenv().getOrDefault("TEST_" + server + "_USER", user));
        String password = System.getenv("TEST_" + server + "_PASSWORD");
        if (password != null) {
            vars.put("DB_PASSWORD", password);
        }
        vars.put("DB_NAME", System.getenv().getOrDefault("TEST_" + server + "_DB", database));
        return vars;
    }
}
