package dev.cacheaside.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.spi.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * The behaviour every {@link QueryExecutor} must have, against a real database, as one abstract
 * JUnit 5 class that each executor's test subclasses in a few lines: rows with their columns in
 * select order, {@code ?} markers bound in order (a {@code null} too, and never one inside a
 * quoted literal or a comment), the database's errors signalled, writes committed or rolled back
 * as a whole, laziness, and close.
 *
 * <h2>What a subclass provides</h2>
 * <ul>
 *   <li>{@link #createExecutor()} (required): a new, open executor over the test database. Every
 *       executor of one test must reach the same database, so that one sees what another
 *       committed.
 *   <li>The table, when the defaults do not suit the database: {@link #table()} (its name),
 *       {@link #createTable(String)} and {@link #dropTable(String)} (its DDL, run through
 *       {@link QueryExecutor#execute} before and after each test, as is the insert of its rows).
 *   <li>Optionally {@link #databaseError()} (the class of the database's errors, for example
 *       {@code io.r2dbc.spi.R2dbcException}), {@link #assertIdle(QueryExecutor)} (that an
 *       executor holds no connection once an operation ended) and {@link #supportsWrites()}
 *       (false for an executor that only reads; the write cases are then skipped).
 * </ul>
 *
 * <p>Before each test the table holds three rows: {@code (1, 10, 'a')}, {@code (2, 20, 'b?')} and
 * {@code (3, 30, NULL)} in the columns {@code id}, {@code n} and {@code label}. Column names are
 * compared without case (databases differ in how they report an alias); numbers by value.
 *
 * <h2>Example</h2>
 * <pre>{@code
 * class MyExecutorContractTest extends QueryExecutorContract {
 *
 *     protected QueryExecutor createExecutor() {
 *         return MyExecutor.connect("jdbc-less://localhost/test");
 *     }
 * }
 * }</pre>
 */
public abstract class QueryExecutorContract {

    /** How long one step may take before the test fails instead of hanging. */
    protected static final Duration STEP = Duration.ofSeconds(30);

    /**
     * How many queries the laziness cases run after making an operation they never subscribe to,
     * each checking that it changed nothing: an executor that started it anyway, on another
     * thread, has finished it by then.
     */
    private static final int ROUND_TRIPS = 5;

    private final List<QueryExecutor> executors = new ArrayList<>();
    private QueryExecutor executor;

    /** A new, open executor over the test database. Each one is closed after the test. */
    protected abstract QueryExecutor createExecutor();

    /**
     * The name of the table the contract creates and drops; the default is
     * {@code cacheaside_contract_} and the subclass's simple name in lower case (at most 60
     * characters), so that the contracts of several executors can share a database.
     */
    protected String table() {
        String name = "cacheaside_contract_" + getClass().getSimpleName().toLowerCase(Locale.ROOT);
        return name.length() > 60 ? name.substring(0, 60) : name;
    }

    /**
     * The statements that create {@code table} with the columns {@code id} (an integer, the
     * primary key), {@code n} (an integer, not null) and {@code label} (a string of up to 40
     * characters, nullable). The default is standard SQL that H2, MariaDB, MySQL and PostgreSQL run.
     */
    protected List<String> createTable(String table) {
        return List.of("CREATE TABLE " + table + " (id INT NOT NULL PRIMARY KEY, n INT NOT NULL, label VARCHAR(40))");
    }

    /** The statements that drop {@code table} if it exists; the default is {@code DROP TABLE IF EXISTS}. */
    protected List<String> dropTable(String table) {
        return List.of("DROP TABLE IF EXISTS " + table);
    }

    /** The class of every error the database reports (or a superclass of it); the default is any. */
    protected Class<? extends Throwable> databaseError() {
        return Throwable.class;
    }

    /**
     * Checks that {@code executor} holds nothing for an operation that ended (for example that its
     * pool has no connection acquired), after errors, writes and rollbacks; the default checks
     * nothing.
     */
    protected void assertIdle(QueryExecutor executor) {
    }

    /** Whether the executor runs writes ({@code update}, {@code updateInTransaction}); the default is true. */
    protected boolean supportsWrites() {
        return true;
    }

    /** A new executor from {@link #createExecutor()}, closed after the test. */
    protected final QueryExecutor newExecutor() {
        QueryExecutor created = createExecutor();
        executors.add(created);
        return created;
    }

    @BeforeEach
    void createTheTable() {
        executor = newExecutor();
        for (String sql : dropTable(table())) {
            run(executor, sql);
        }
        for (String sql : createTable(table())) {
            run(executor, sql);
        }
        run(executor, "INSERT INTO " + table() + " (id, n, label) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?)",
                1, 10, "a", 2, 20, "b?", 3, 30, null);
    }

    @AfterEach
    void dropTheTableAndClose() {
        try {
            QueryExecutor cleaner = newExecutor();
            for (String sql : dropTable(table())) {
                run(cleaner, sql);
            }
        } finally {
            for (QueryExecutor e : executors) {
                e.closeAsync().block(STEP);
            }
            executors.clear();
        }
    }

    // ---------------------------------------------------------------- reads

    @Test
    void rowsComeWithTheirColumnsInSelectOrder() {
        Rows rows = run(executor, "SELECT label AS c_label, n AS a_n, id AS b_id FROM " + table() + " ORDER BY id");
        assertThat(rows.columns()).as("columns").extracting(c -> c.toLowerCase(Locale.ROOT))
                .containsExactly("c_label", "a_n", "b_id");
        assertThat(rows.size()).as("rows").isEqualTo(3);
        assertThat(ints(rows, 2)).as("ids in the order of ORDER BY").containsExactly(1, 2, 3);
        assertThat(ints(rows, 1)).as("n of each row").containsExactly(10, 20, 30);
        assertThat(rows.get(0, 0)).as("label of row 1").isEqualTo("a");
        assertThat(rows.get(1, 0)).as("label of row 2").isEqualTo("b?");
        assertThat(rows.get(2, 0)).as("a NULL label").isNull();
    }

    @Test
    void aQueryWithoutMatchesHasNoRows() {
        Rows rows = run(executor, "SELECT id FROM " + table() + " WHERE id = ?", 99);
        assertThat(rows.isEmpty()).as("rows of a query that matches none").isTrue();
    }

    @Test
    void parametersBindToTheirMarkersInOrder() {
        assertThat(ints(run(executor, "SELECT id FROM " + table() + " WHERE n > ? AND n < ? ORDER BY id", 15, 35), 0))
                .as("n > 15 and n < 35").containsExactly(2, 3);
        assertThat(run(executor, "SELECT id FROM " + table() + " WHERE n > ? AND n < ?", 35, 15).isEmpty())
                .as("n > 35 and n < 15: the same values the other way round").isTrue();
        assertThat(ints(run(executor, "SELECT id FROM " + table() + " WHERE label = ?", "b?"), 0))
                .as("a string parameter holding a question mark").containsExactly(2);
    }

    @Test
    void aNullParameterBindsAsNull() {
        assertThat(ints(run(executor, "SELECT id FROM " + table() + " WHERE id = COALESCE(?, 2)", (Object) null), 0))
                .as("COALESCE of a null parameter").containsExactly(2);
        assertThat(ints(run(executor, "SELECT id FROM " + table() + " WHERE label IS NULL"), 0))
                .as("the row inserted with a null parameter holds NULL").containsExactly(3);
    }

    @Test
    void aQuestionMarkInsideAQuotedLiteralIsNotAMarker() {
        assertThat(ints(run(executor, "SELECT id FROM " + table() + " WHERE label = 'b?' OR id = ? ORDER BY id", 1), 0))
                .as("one marker, outside the literal 'b?'").containsExactly(1, 2);
    }

    @Test
    void aQuestionMarkInsideACommentIsNotAMarker() {
        String sql = "SELECT id /* which one? */ FROM " + table() + " WHERE id = ? -- or this one?\nORDER BY id";
        assertThat(ints(run(executor, sql, 3), 0)).as("one marker, outside both comments").containsExactly(3);
    }

    @Test
    void aBadQueryFailsWithTheDatabasesErrorAndTheExecutorStillServes() {
        StepVerifier.create(executor.execute("SELECT * FROM " + table() + " WHERE", List.of()))
                .as("a syntax error")
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(databaseError()))
                .verify(STEP);
        StepVerifier.create(executor.execute("SELECT * FROM " + table() + "_missing", List.of()))
                .as("a table that does not exist")
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(databaseError()))
                .verify(STEP);
        assertIdle(executor);
        assertThat(count(executor)).as("rows counted after the errors").isEqualTo(3);
    }

    @Test
    void concurrentQueriesEachGetTheirOwnRows() {
        List<String> wrong = Flux.range(0, 60)
                .map(i -> 1 + i % 3)
                .flatMap(id -> executor.execute("SELECT n FROM " + table() + " WHERE id = ?", List.of(id))
                        .filter(rows -> rows.size() != 1 || ((Number) rows.get(0, 0)).intValue() != id * 10)
                        .map(rows -> "id " + id + ": " + rows), 60)
                .collectList()
                .block(Duration.ofSeconds(60));
        assertThat(wrong).as("answers to 60 concurrent queries that were not their own row").isEmpty();
        assertIdle(executor);
    }

    @Test
    void executeIsLazy() {
        executor.execute("INSERT INTO " + table() + " (id, n) VALUES (?, ?)", List.of(9, 90)); // never subscribed
        for (int i = 0; i < ROUND_TRIPS; i++) {
            assertThat(count(executor)).as("rows after an insert that was never subscribed (round trip %d)", i)
                    .isEqualTo(3);
        }
    }

    // ---------------------------------------------------------------- writes

    @Test
    void writesAreLazyAndRunAgainOnEachSubscription() {
        assumeTrue(supportsWrites(), "the executor runs no writes");
        Mono<Long> increment = executor.update(Statement.of("UPDATE " + table() + " SET n = n + 1 WHERE id = ?", 1));
        executor.updateInTransaction(List.of(
                Statement.of("INSERT INTO " + table() + " (id, n) VALUES (?, ?)", 7, 70))); // never subscribed
        for (int i = 0; i < ROUND_TRIPS; i++) {
            assertThat(n(executor, 1)).as("n after an update that was never subscribed (round trip %d)", i).isEqualTo(10);
            assertThat(count(executor)).as("rows after a transaction that was never subscribed (round trip %d)", i)
                    .isEqualTo(3);
        }
        assertThat(increment.block(STEP)).as("rows changed by the first subscription").isEqualTo(1L);
        assertThat(increment.block(STEP)).as("rows changed by the second subscription").isEqualTo(1L);
        assertThat(n(executor, 1)).as("n after two subscriptions to one update").isEqualTo(12);
    }

    @Test
    void updateCountsTheRowsItChangedAndCommits() {
        assumeTrue(supportsWrites(), "the executor runs no writes");
        assertThat(executor.update(Statement.of("INSERT INTO " + table() + " (id, n, label) VALUES (?, ?, ?)",
                Arrays.asList(4, 40, null))).block(STEP)).as("rows inserted").isEqualTo(1L);
        assertThat(executor.update(Statement.of("UPDATE " + table() + " SET n = n + ? WHERE id >= ?", 1, 2))
                .block(STEP)).as("rows updated").isEqualTo(3L);
        assertThat(executor.update(Statement.of("DELETE FROM " + table() + " WHERE id = ?", 99))
                .block(STEP)).as("rows deleted by a DELETE that matches none").isZero();
        assertIdle(executor);
        QueryExecutor other = newExecutor();
        assertThat(ints(run(other, "SELECT n FROM " + table() + " ORDER BY id"), 0))
                .as("n of each row, read through another executor").containsExactly(10, 21, 31, 41);
    }

    @Test
    void aFailedUpdateSignalsTheDatabasesErrorAndChangesNothing() {
        assumeTrue(supportsWrites(), "the executor runs no writes");
        StepVerifier.create(executor.update(Statement.of("INSERT INTO " + table() + " (id, n) VALUES (?, ?)", 1, 11)))
                .as("an insert of an id that exists")
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(databaseError()))
                .verify(STEP);
        assertIdle(executor);
        assertThat(count(executor)).as("rows after the failed insert").isEqualTo(3);
        assertThat(n(executor, 1)).as("n of the row the insert collided with").isEqualTo(10);
    }

    @Test
    void updateInTransactionCommitsEveryStatement() {
        assumeTrue(supportsWrites(), "the executor runs no writes");
        List<Statement> statements = List.of(
                Statement.of("INSERT INTO " + table() + " (id, n) VALUES (?, ?)", 4, 40),
                Statement.of("DELETE FROM " + table() + " WHERE id = ?", 1),
                Statement.of("UPDATE " + table() + " SET label = ? WHERE id IN (?, ?)", "tx", 2, 3));
        assertThat(executor.updateInTransaction(statements).block(STEP))
                .as("rows changed by the transaction, summed").isEqualTo(4L);
        assertIdle(executor);
        Rows after = run(newExecutor(), "SELECT id, label FROM " + table() + " ORDER BY id");
        assertThat(ints(after, 0)).as("ids read through another executor").containsExactly(2, 3, 4);
        assertThat(Arrays.asList(after.get(0, 1), after.get(1, 1), after.get(2, 1)))
                .as("labels read through another executor").containsExactly("tx", "tx", null);
    }

    @Test
    void updateInTransactionRollsBackEveryStatementWhenOneFails() {
        assumeTrue(supportsWrites(), "the executor runs no writes");
        List<Statement> statements = List.of(
                Statement.of("INSERT INTO " + table() + " (id, n) VALUES (?, ?)", 5, 50),
                Statement.of("UPDATE " + table() + " SET n = ? WHERE id = ?", 0, 2),
                Statement.of("INSERT INTO " + table() + " (id, n) VALUES (?, ?)", 1, 99));
        StepVerifier.create(executor.updateInTransaction(statements))
                .as("a transaction whose last statement inserts an id that exists")
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(databaseError()))
                .verify(STEP);
        assertIdle(executor);
        Rows after = run(newExecutor(), "SELECT id, n FROM " + table() + " ORDER BY id");
        assertThat(ints(after, 0)).as("ids after the rollback: the insert of 5 was undone").containsExactly(1, 2, 3);
        assertThat(ints(after, 1)).as("n after the rollback: the update of row 2 was undone").containsExactly(10, 20, 30);
    }

    // ---------------------------------------------------------------- close

    @Test
    void closeIsLazyIdempotentAndEndsTheExecutor() {
        QueryExecutor closing = newExecutor();
        Mono<Void> close = closing.closeAsync();
        assertThat(count(closing)).as("rows counted after a close that was never subscribed").isEqualTo(3);
        StepVerifier.create(close).as("close").expectComplete().verify(STEP);
        StepVerifier.create(closing.closeAsync()).as("a second close").expectComplete().verify(STEP);
        StepVerifier.create(closing.execute("SELECT COUNT(*) FROM " + table(), List.of()))
                .as("a query after close").expectError().verify(STEP);
        assertThat(count(executor)).as("another executor still serves").isEqualTo(3);
    }

    // ---------------------------------------------------------------- helpers

    /** The rows of {@code sql} with {@code parameters}, failing the test (naming the SQL) after {@link #STEP}. */
    protected static Rows run(QueryExecutor executor, String sql, Object... parameters) {
        try {
            return executor.execute(sql, Arrays.asList(parameters)).block(STEP);
        } catch (RuntimeException e) {
            throw new AssertionError("'" + sql + "' failed: " + e, e);
        }
    }

    /** The values of column {@code column} as ints, row by row. */
    protected static List<Integer> ints(Rows rows, int column) {
        List<Integer> values = new ArrayList<>();
        for (int row = 0; row < rows.size(); row++) {
            values.add(((Number) rows.get(row, column)).intValue());
        }
        return values;
    }

    private int count(QueryExecutor e) {
        return ((Number) run(e, "SELECT COUNT(*) FROM " + table()).get(0, 0)).intValue();
    }

    private int n(QueryExecutor e, int id) {
        return ((Number) run(e, "SELECT n FROM " + table() + " WHERE id = ?", id).get(0, 0)).intValue();
    }
}
