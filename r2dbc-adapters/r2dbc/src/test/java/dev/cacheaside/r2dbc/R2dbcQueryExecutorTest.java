package dev.cacheaside.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.spi.Rows;
import dev.cacheaside.spi.Statement;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Parameters;
import io.r2dbc.spi.R2dbcBadGrammarException;
import io.r2dbc.spi.R2dbcType;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** The executor over an in-memory H2 database: no server needed. */
class R2dbcQueryExecutorTest {

    private static int counter;
    private R2dbcQueryExecutor executor;

    @BeforeEach
    void setUp() {
        executor = R2dbcQueryExecutor.create(h2("exec" + (++counter)));
        executor.execute("CREATE TABLE t_exec (id INT PRIMARY KEY, name VARCHAR(20), price DECIMAL(8,2),"
                + " d DATE, ts TIMESTAMP, tm TIME, flag BOOLEAN, bin VARBINARY(8))", List.of()).block();
        executor.execute("INSERT INTO t_exec VALUES (1, 'one', 1.50, DATE '2025-01-02',"
                + " TIMESTAMP '2025-01-02 03:04:05', TIME '10:11:12', TRUE, X'0102ff'),"
                + " (2, 'two?', 2.25, NULL, NULL, NULL, FALSE, NULL)", List.of()).block();
    }

    @AfterEach
    void tearDown() {
        executor.close();
    }

    static ConnectionFactory h2(String name) {
        return ConnectionFactories.get("r2dbc:h2:mem:///" + name + "?options=DB_CLOSE_DELAY=-1");
    }

    private int acquired() {
        return executor.poolMetrics().orElseThrow().acquiredSize();
    }

    private void awaitNoneAcquired() {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (acquired() != 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(acquired()).as("connections still acquired").isZero();
    }

    @Test
    void readsRowsInColumnOrderWithDriverTypesAndBytesNormalized() {
        Rows rows = executor.execute("SELECT id, name, price, d, ts, tm, flag, bin FROM t_exec ORDER BY id",
                List.of()).block();
        assertThat(rows.columns()).containsExactly("ID", "NAME", "PRICE", "D", "TS", "TM", "FLAG", "BIN");
        assertThat(rows.size()).isEqualTo(2);
        assertThat(rows.get(0, 0)).isEqualTo(1);
        assertThat(rows.get(0, 1)).isEqualTo("one");
        assertThat(rows.get(0, 2)).isEqualTo(new BigDecimal("1.50"));
        assertThat(rows.get(0, 3)).isEqualTo(LocalDate.of(2025, 1, 2));
        assertThat(rows.get(0, 4)).isEqualTo(LocalDateTime.of(2025, 1, 2, 3, 4, 5));
        assertThat(rows.get(0, 5)).isEqualTo(LocalTime.of(10, 11, 12));
        assertThat(rows.get(0, 6)).isEqualTo(Boolean.TRUE);
        assertThat(rows.get(0, 7)).as("VARBINARY comes back as byte[]").isInstanceOf(byte[].class)
                .isEqualTo(new byte[] {1, 2, (byte) 0xff});
        assertThat(Arrays.asList(rows.get(1, 3), rows.get(1, 4), rows.get(1, 5), rows.get(1, 7)))
                .as("SQL NULLs").containsOnlyNulls();
        assertThat(acquired()).isZero();
    }

    @Test
    void bindsParametersOfEachTypeWithQuestionMarks() {
        Rows rows = executor.execute("SELECT id FROM t_exec WHERE id = ? AND name = ? AND price = ? AND d = ?"
                + " AND ts = ? AND tm = ? AND flag = ? AND bin = ?",
                List.of(1, "one", new BigDecimal("1.50"), LocalDate.of(2025, 1, 2),
                        LocalDateTime.of(2025, 1, 2, 3, 4, 5), LocalTime.of(10, 11, 12), true,
                        new byte[] {1, 2, (byte) 0xff})).block();
        assertThat(rows.size()).as("every bound value matched").isEqualTo(1);
        assertThat(rows.get(0, 0)).isEqualTo(1);
    }

    @Test
    void questionMarkInsideStringIsNotAMarker() {
        Rows rows = executor.execute("SELECT name FROM t_exec WHERE name = 'two?' OR id = ?", List.of(1)).block();
        assertThat(rows.size()).isEqualTo(2);
    }

    @Test
    void nullParametersBindAsNull() {
        Rows rows = executor.execute("SELECT COALESCE(CAST(? AS INT), 7) AS v, ? IS NULL AS n",
                Arrays.asList(null, null)).block();
        assertThat(rows.get(0, 0)).isEqualTo(7);
        assertThat(rows.get(0, 1)).isEqualTo(Boolean.TRUE);
        Rows typed = executor.execute("SELECT COALESCE(?, 8) AS v",
                List.of(Parameters.in(R2dbcType.INTEGER))).block();
        assertThat(typed.get(0, 0)).as("typed null through io.r2dbc.spi.Parameters").isEqualTo(8);
    }

    @Test
    void syntaxErrorReachesSubscriberWithDatabaseMessageAndReleasesConnection() {
        StepVerifier.create(executor.execute("SELEC id FROM t_exec", List.of()))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(R2dbcBadGrammarException.class)
                        .hasMessageContaining("SELEC"))
                .verify(Duration.ofSeconds(5));
        awaitNoneAcquired();
    }

    @Test
    void wrongNumberOfParametersFailsBeforeConnecting() {
        StepVerifier.create(executor.execute("SELECT id FROM t_exec WHERE id = ? AND name = ?", List.of(1)))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalArgumentException.class)
                        .hasMessage("the SQL has 2 bind markers (?) but 1 parameters were given"))
                .verify(Duration.ofSeconds(5));
        assertThat(executor.poolMetrics().orElseThrow().allocatedSize()).as("connections opened").isLessThanOrEqualTo(1);
        assertThat(acquired()).isZero();
    }

    @Test
    void concurrentQueriesShareABoundedPool() {
        R2dbcQueryExecutor small = R2dbcQueryExecutor.create(h2("smallpool"), R2dbcOptions.builder().poolMaxSize(3).build());
        try {
            List<Rows> results = reactor.core.publisher.Flux.range(1, 60)
                    .flatMap(i -> small.execute("SELECT CAST(? AS INT) AS v", List.of(i)), 60)
                    .collectList().block(Duration.ofSeconds(30));
            assertThat(results).hasSize(60);
            assertThat(results.stream().map(r -> (Integer) r.get(0, 0)).sorted())
                    .as("every query got its own answer").containsExactlyElementsOf(
                            java.util.stream.IntStream.rangeClosed(1, 60).boxed().toList());
            assertThat(small.poolMetrics().orElseThrow().allocatedSize()).as("connections opened").isLessThanOrEqualTo(3);
            assertThat(small.poolMetrics().orElseThrow().acquiredSize()).isZero();
        } finally {
            small.close();
        }
    }

    @Test
    void runsOffTheCallersThreadOnH2() {
        AtomicReference<String> thread = new AtomicReference<>();
        executor.execute("SELECT 1", List.of()).doOnNext(r -> thread.set(Thread.currentThread().getName())).block();
        assertThat(thread.get()).startsWith("boundedElastic");
    }

    @Test
    void emptyResultHasNoRows() {
        Rows rows = executor.execute("SELECT id FROM t_exec WHERE id = ?", List.of(99)).block();
        assertThat(rows.isEmpty()).isTrue();
    }

    @Test
    void closedExecutorRejectsQueriesAndClosingTwiceIsFine() {
        executor.close();
        executor.close();
        StepVerifier.create(executor.execute("SELECT 1", List.of()))
                .expectError(IllegalStateException.class)
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void callersPoolIsUsedAsItIsAndLeftOpen() {
        ConnectionPool pool = new ConnectionPool(ConnectionPoolConfiguration.builder(h2("callerpool")).maxSize(2).build());
        R2dbcQueryExecutor mine = R2dbcQueryExecutor.create(pool);
        try {
            assertThat(mine.execute("SELECT 1 AS one", List.of()).block().get(0, 0)).isEqualTo(1);
            assertThat(mine.poolMetrics().orElseThrow().getMaxAllocatedSize())
                    .as("the caller's pool, not a second one around it").isEqualTo(2);
            mine.close();
            assertThat(pool.isDisposed()).as("the caller's pool stays open").isFalse();
        } finally {
            pool.dispose();
        }
    }

    @Test
    void statementTimeoutStopsALongQuery() {
        R2dbcQueryExecutor slow = R2dbcQueryExecutor.create(h2("slow"),
                R2dbcOptions.builder().statementTimeout(Duration.ofMillis(300)).build());
        try {
            long start = System.nanoTime();
            StepVerifier.create(slow.execute(
                    "SELECT COUNT(*) FROM SYSTEM_RANGE(1, 100000) a, SYSTEM_RANGE(1, 100000) b WHERE a.X + b.X = 7", List.of()))
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(io.r2dbc.spi.R2dbcException.class))
                    .verify(Duration.ofSeconds(10));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        } finally {
            slow.close();
        }
    }

    // ---------------------------------------------------------------- writes

    @Test
    void updateCountsRowsTranslatesMarkersAndCommits() {
        StepVerifier.create(executor.update(Statement.of("UPDATE t_exec SET name = ? WHERE id >= ? AND name <> '?'", List.of("x", 1))))
                .as("update of both rows")
                .expectNext(2L)
                .verifyComplete();
        // another executor (its own pool and connections) over the same database sees the commit
        try (R2dbcQueryExecutor other = R2dbcQueryExecutor.create(h2("exec" + counter))) {
            Rows rows = other.execute("SELECT name FROM t_exec ORDER BY id", List.of()).block(Duration.ofSeconds(10));
            assertThat(rows.asMaps()).as("names read on another connection")
                    .extracting(m -> m.get("NAME") != null ? m.get("NAME") : m.get("name"))
                    .containsExactly("x", "x");
        }
        awaitNoneAcquired();
    }

    @Test
    void updateOfNoRowIsZero() {
        StepVerifier.create(executor.update(Statement.of("DELETE FROM t_exec WHERE id = ?", List.of(99))))
                .expectNext(0L)
                .verifyComplete();
    }

    @Test
    void updateInTransactionSumsAndCommitsEveryStatement() {
        List<Statement> statements = List.of(
                Statement.of("INSERT INTO t_exec (id, name) VALUES (?, ?)", List.of(10, "ten")),
                Statement.of("INSERT INTO t_exec (id, name) VALUES (?, ?)", List.of(11, "eleven")),
                Statement.of("UPDATE t_exec SET price = ? WHERE id < ?", List.of(new BigDecimal("9.99"), 3)));
        StepVerifier.create(executor.updateInTransaction(statements))
                .as("two inserts and an update of two rows")
                .expectNext(4L)
                .verifyComplete();
        assertThat(executor.execute("SELECT COUNT(*) AS n FROM t_exec", List.of()).block().get(0, 0))
                .as("rows after the commit").isEqualTo(4L);
        awaitNoneAcquired();
    }

    @Test
    void updateInTransactionRollsBackEverythingOnError() {
        List<Statement> statements = List.of(
                Statement.of("INSERT INTO t_exec (id, name) VALUES (?, ?)", List.of(10, "ten")),
                Statement.of("UPDATE t_exec SET name = ? WHERE id = ?", List.of("changed", 1)),
                Statement.of("INSERT INTO t_exec (id, name) VALUES (?, ?)", List.of(1, "duplicate key")));
        StepVerifier.create(executor.updateInTransaction(statements))
                .as("a transaction whose last statement violates the primary key")
                .expectError(io.r2dbc.spi.R2dbcException.class)
                .verify(Duration.ofSeconds(10));
        Rows rows = executor.execute("SELECT id, name FROM t_exec ORDER BY id", List.of()).block();
        assertThat(rows.size()).as("rows after the rollback").isEqualTo(2);
        assertThat(rows.get(0, 1)).as("the update before the error was rolled back").isEqualTo("one");
        awaitNoneAcquired();
    }

    @Test
    void badWritesFailBeforeConnecting() {
        StepVerifier.create(executor.update(Statement.of("UPDATE t_exec SET name = ? WHERE id = ?", List.of("x"))))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("2 bind markers"))
                .verify();
        StepVerifier.create(executor.updateInTransaction(List.of()))
                .expectError(IllegalArgumentException.class)
                .verify();
        assertThat(executor.poolMetrics().orElseThrow().allocatedSize()).as("connections opened").isLessThanOrEqualTo(1);
        awaitNoneAcquired();
    }

    @Test
    void writesAfterCloseFail() {
        executor.close();
        StepVerifier.create(executor.update(Statement.of("DELETE FROM t_exec", List.of())))
                .expectError(IllegalStateException.class)
                .verify();
    }

    @Test
    void updateOnAPoolHandingOutManualCommitConnectionsStillCommits() {
        ConnectionPool manual = new ConnectionPool(ConnectionPoolConfiguration.builder(h2("exec" + counter))
                .maxSize(2)
                .postAllocate(c -> reactor.core.publisher.Mono.from(c.setAutoCommit(false)))
                .build());
        try (R2dbcQueryExecutor onManual = R2dbcQueryExecutor.create(manual)) {
            StepVerifier.create(onManual.update(Statement.of("UPDATE t_exec SET name = ? WHERE id = ?", List.of("manual", 1))))
                    .expectNext(1L)
                    .verifyComplete();
            assertThat(onManual.poolMetrics().orElseThrow().acquiredSize()).as("connections still acquired").isZero();
        } finally {
            manual.dispose();
        }
        // this test's own executor (auto-commit connections) sees the committed change
        assertThat(executor.execute("SELECT name FROM t_exec WHERE id = 1", List.of()).block().get(0, 0))
                .as("name after an update on a manual-commit connection").isEqualTo("manual");
    }
}
