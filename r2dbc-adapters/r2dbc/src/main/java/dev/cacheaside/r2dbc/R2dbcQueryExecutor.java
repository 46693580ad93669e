package dev.cacheaside.r2dbc;

import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.spi.SqlDialect;
import dev.cacheaside.spi.Statement;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.PoolMetrics;
import io.r2dbc.spi.Blob;
import io.r2dbc.spi.Clob;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A {@link QueryExecutor} over any R2DBC {@link ConnectionFactory}, pooled with r2dbc-pool.
 *
 * <h2>Pooling</h2>
 * {@link #create(ConnectionFactory, R2dbcOptions)} wraps the factory in a {@link ConnectionPool}
 * sized by {@link R2dbcOptions#poolMaxSize()}, which this executor owns and disposes on
 * {@link #closeAsync()}. A factory that already is a {@link ConnectionPool} (for example the one
 * Spring Boot builds) is used as it is and never pooled twice; it stays the caller's, and
 * closing this executor leaves it open. Connections are opened lazily, on first use.
 *
 * <h2>Queries</h2>
 * Bind markers are written {@code ?} on every engine and translated to the driver's own
 * ({@code $1..$n} on PostgreSQL; see {@link R2dbcOptions.PlaceholderStyle}). A {@code ?} inside
 * a quoted string or identifier, a comment or a dollar-quoted string is not a marker. A
 * {@code null} parameter is bound with {@code bindNull}: as a {@code String} on MySQL, MariaDB and
 * H2, which convert it to the column's type, and with no type on PostgreSQL, whose server infers
 * it from the context (where the context does not say, as in a bare {@code ? IS NULL}, write a
 * cast such as {@code CAST(? AS INTEGER)}, or pass an
 * {@link io.r2dbc.spi.Parameters#in(io.r2dbc.spi.Type) io.r2dbc.spi.Parameter} whose type says).
 * A {@code byte[]} parameter is bound as a {@link ByteBuffer} (as it is on H2).
 *
 * <h2>Values</h2>
 * Rows keep their columns in select order and the driver's Java types, with these
 * normalisations so that every value is one the cache codec stores faithfully: a
 * {@link ByteBuffer} or {@link Blob} becomes {@code byte[]}; a {@link Clob} and PostgreSQL's
 * {@code json}/{@code jsonb} ({@code io.r2dbc.postgresql.codec.Json}) become {@code String};
 * {@code java.sql.Timestamp}, {@code java.sql.Date} and {@code java.sql.Time} become
 * {@code LocalDateTime}, {@code LocalDate} and {@code LocalTime}; another
 * {@code java.util.Date} becomes an {@code Instant}; a {@code Character} becomes a
 * {@code String}. Any other class (for example PostgreSQL's {@code Interval} or arrays) is
 * passed through unchanged, and the cache then declines to store that result. A result without
 * rows has no column names (R2DBC reports metadata only with rows).
 *
 * <h2>Timeouts</h2>
 * Acquiring a connection fails after {@link R2dbcOptions#acquireTimeout()}, opening one after
 * {@link R2dbcOptions#connectTimeout()} (TCP connect and handshake); either failure is an
 * {@link R2dbcException} whose message names the target (host, port, database and user when the
 * executor came from a provider; never the password). The statement timeout is set on each
 * connection this executor's pool opens: with {@code Connection.setStatementTimeout} on
 * PostgreSQL ({@code statement_timeout}), MariaDB through either driver
 * ({@code max_statement_time}) and MySQL ({@code max_execution_time}, which MySQL applies to
 * {@code SELECT} only), and with {@code SET QUERY_TIMEOUT} on H2, whose driver ignores the
 * former; the server then ends the statement with its own error. On top of that, a client-side
 * timeout of the statement timeout plus one second ends the subscription in every case,
 * including a caller's own pool (whose connections this executor does not configure).
 *
 * <h2>Read-only sessions</h2>
 * Each connection this executor's own pool opens is made a read-only session once, when it is
 * opened (PostgreSQL {@code SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY}, MySQL and
 * MariaDB {@code SET SESSION TRANSACTION READ ONLY}; H2 has none), so a read that calls a
 * function which writes fails in the database; reads pay no extra round trip. {@link #update}
 * and {@link #updateInTransaction} then run READ WRITE transactions. A statement given to
 * {@link #execute} whose first keyword is not a read's ({@code CREATE}, {@code INSERT}, ...:
 * set-up code) runs with the session switched to READ WRITE and back (two more round trips; a
 * connection that cannot be switched back is closed rather than returned read-write). A caller's
 * own {@link ConnectionPool} is used as it is.
 *
 * <h2>Writes</h2>
 * {@link #update} runs one statement with the same {@code ?} translation and binding as a query,
 * on a connection in auto-commit mode, so it is committed when the returned {@link Mono}
 * completes (a connection that a caller's pool hands out with auto-commit off, or one of this
 * executor's read-only sessions, gets an explicit READ WRITE transaction instead). {@link #updateInTransaction} runs its statements in order on one
 * connection between {@code beginTransaction} and {@code commitTransaction}; on any error,
 * including a failed commit, it calls {@code rollbackTransaction} and signals the first error
 * (a rollback failure is added to it as suppressed); on cancellation it rolls back too. The row
 * counts are summed over every result of every statement. In every case the connection goes back
 * to the pool. Each statement has the client-side timeout described below.
 *
 * <h2>A caller's connection</h2>
 * {@link #execute(Connection, String, List)} and {@link #update(Connection, List)} run on a
 * connection the caller holds, for example one bound to a transaction that a framework manages:
 * in that transaction, and with no change to the connection, its session or its transaction.
 *
 * <h2>Contract</h2>
 * Every method is lazy. Each subscription to {@link #execute} takes a connection, runs the
 * statement once, reads every row, and gives the connection back, also on error and on
 * cancellation. Thread safe. H2 runs inside the JVM and blocks the calling thread, so
 * statements for H2 run on the threads of {@link Schedulers#boundedElastic()}, never on the
 * caller's (possibly event-loop) thread, and a cancel does not interrupt them. Errors from the database reach the subscriber as the driver's
 * {@link R2dbcException}, with the database's message.
 */
public final class R2dbcQueryExecutor implements QueryExecutor {

    private static final Duration CLIENT_TIMEOUT_GRACE = Duration.ofSeconds(1);

    private final R2dbcOptions options;
    private final Dialect dialect;
    private final String target;
    private final R2dbcConnections connections;
    private final StatementBinder binder;
    private final Scheduler scheduler;
    private final AtomicBoolean closed = new AtomicBoolean();

    private R2dbcQueryExecutor(ConnectionFactory factory, R2dbcOptions options, String target) {
        this.options = Objects.requireNonNull(options, "options");
        Objects.requireNonNull(factory, "connectionFactory");
        this.dialect = Dialect.fromProductName(factory.getMetadata().getName());
        this.target = target != null ? target : factory.getMetadata().getName();
        this.connections = new R2dbcConnections(factory, dialect, options, this.target);
        this.binder = new StatementBinder(dialect, options.placeholderStyle());
        this.scheduler = dialect == Dialect.H2 ? R2dbcConnections.UNINTERRUPTED : null;
    }

    /**
     * An executor over {@code connectionFactory} with {@link R2dbcOptions#create() default options}.
     * Connects to nothing yet.
     */
    public static R2dbcQueryExecutor create(ConnectionFactory connectionFactory) {
        return create(connectionFactory, R2dbcOptions.create());
    }

    /**
     * An executor over {@code connectionFactory} with {@code options}. Connects to nothing yet.
     *
     * @param connectionFactory a driver's factory, pooled here, or a {@link ConnectionPool},
     *                          used as it is and left open by {@link #closeAsync()}
     */
    public static R2dbcQueryExecutor create(ConnectionFactory connectionFactory, R2dbcOptions options) {
        return new R2dbcQueryExecutor(connectionFactory, options, null);
    }

    /**
     * For providers: {@code target} names the database in connection errors (host, port, user;
     * never a password).
     */
    static R2dbcQueryExecutor create(ConnectionFactory connectionFactory, R2dbcOptions options, String target) {
        return new R2dbcQueryExecutor(connectionFactory, options, target);
    }

    /** The options this executor was created with. */
    public R2dbcOptions options() {
        return options;
    }

    @Override
    public Mono<Rows> execute(String sql, List<?> parameters) {
        Mono<Rows> rows = Mono.defer(() -> {
            if (sql == null || sql.isBlank()) {
                return Mono.error(new IllegalArgumentException("sql must not be null or blank"));
            }
            Objects.requireNonNull(parameters, "parameters");
            if (closed.get()) {
                return Mono.error(new IllegalStateException("the executor for " + target + " is closed"));
            }
            StatementBinder.Bound bound = binder.translate(sql, parameters);
            return connections.use(sql, connection -> query(connection, bound));
        });
        return scheduler == null ? rows : rows.subscribeOn(scheduler);
    }

    /**
     * Runs one write, committed on completion; see the class description.
     *
     * @return the number of rows it changed
     */
    @Override
    public Mono<Long> update(Statement statement) {
        return write(Mono.fromCallable(() -> {
            Objects.requireNonNull(statement, "statement");
            return List.of(binder.translate(statement.sql(), statement.parameters()));
        }), false);
    }

    /**
     * Runs {@code statements} in one transaction on one connection, rolled back on any error;
     * see the class description.
     *
     * @return the number of rows they changed, summed
     */
    @Override
    public Mono<Long> updateInTransaction(List<Statement> statements) {
        return write(Mono.fromCallable(() -> {
            Objects.requireNonNull(statements, "statements");
            if (statements.isEmpty()) {
                throw new IllegalArgumentException("statements must not be empty");
            }
            List<StatementBinder.Bound> bound = new ArrayList<>(statements.size());
            for (Statement statement : statements) {
                Objects.requireNonNull(statement, "statement");
                bound.add(binder.translate(statement.sql(), statement.parameters()));
            }
            return bound;
        }), true);
    }

    /**
     * Runs one query on {@code connection}, a connection the caller holds (a transaction's, for
     * example), with the same translation, binding, values and client-side timeout as
     * {@link #execute(String, List)}. The connection is neither closed, committed, rolled back nor
     * switched to another session mode: it stays the caller's. Lazy; each subscription runs the
     * query again.
     *
     * @throws NullPointerException at subscription, as an error, when {@code connection} is null
     */
    public Mono<Rows> execute(Connection connection, String sql, List<?> parameters) {
        Mono<Rows> rows = Mono.defer(() -> {
            Objects.requireNonNull(connection, "connection");
            if (sql == null || sql.isBlank()) {
                return Mono.error(new IllegalArgumentException("sql must not be null or blank"));
            }
            Objects.requireNonNull(parameters, "parameters");
            if (closed.get()) {
                return Mono.error(new IllegalStateException("the executor for " + target + " is closed"));
            }
            return query(connection, binder.translate(sql, parameters));
        });
        return scheduler == null ? rows : rows.subscribeOn(scheduler);
    }

    /**
     * Runs {@code statements} in order on {@code connection}, a connection the caller holds, in
     * whatever transaction it is in: nothing is begun, committed or rolled back, and the
     * connection is not closed. Translation, binding and the client-side timeout are those of
     * {@link #update(Statement)}. Lazy.
     *
     * @return the number of rows the statements changed, summed
     */
    public Mono<Long> update(Connection connection, List<Statement> statements) {
        Mono<Long> rows = Mono.defer(() -> {
            Objects.requireNonNull(connection, "connection");
            Objects.requireNonNull(statements, "statements");
            if (statements.isEmpty()) {
                return Mono.error(new IllegalArgumentException("statements must not be empty"));
            }
            if (closed.get()) {
                return Mono.error(new IllegalStateException("the executor for " + target + " is closed"));
            }
            List<StatementBinder.Bound> bound = new ArrayList<>(statements.size());
            for (Statement statement : statements) {
                Objects.requireNonNull(statement, "statement");
                bound.add(binder.translate(statement.sql(), statement.parameters()));
            }
            return Flux.fromIterable(bound)
                    .concatMap(b -> updateRows(connection, b))
                    .reduce(0L, Long::sum);
        });
        return scheduler == null ? rows : rows.subscribeOn(scheduler);
    }

    private Mono<Long> write(Mono<List<StatementBinder.Bound>> statements, boolean transaction) {
        Mono<Long> rows = statements.flatMap(bound -> {
            if (closed.get()) {
                return Mono.error(new IllegalStateException("the executor for " + target + " is closed"));
            }
            return connections.write(bound, transaction, this::updateRows);
        });
        return scheduler == null ? rows : rows.subscribeOn(scheduler);
    }

    private Mono<Rows> query(Connection connection, StatementBinder.Bound bound) {
        return withClientTimeout(RowReader.read(binder.prepare(connection, bound).execute(), options.maxRows(), target));
    }

    private Mono<Long> updateRows(Connection connection, StatementBinder.Bound bound) {
        return withClientTimeout(Flux.from(binder.prepare(connection, bound).execute())
                .concatMap(result -> Flux.from(result.getRowsUpdated()))
                .reduce(0L, (sum, n) -> sum + n.longValue()));
    }

    /** Ends {@code statement} with {@link R2dbcTimeoutException} one second after the statement timeout. */
    private <T> Mono<T> withClientTimeout(Mono<T> statement) {
        return statement.timeout(options.statementTimeout().plus(CLIENT_TIMEOUT_GRACE),
                Mono.error(() -> new R2dbcTimeoutException("statement on " + target
                        + " did not complete within the statement timeout "
                        + options.statementTimeout())));
    }

    /** The pool's counters (acquired, idle, allocated), when r2dbc-pool records them. */
    Optional<PoolMetrics> poolMetrics() {
        return connections.poolMetrics();
    }

    /** The database family, from the factory's metadata. */
    Dialect engine() {
        return dialect;
    }

    /**
     * The SQL family the read check lexes with: PostgreSQL, MySQL (also MariaDB), H2, or
     * {@link SqlDialect#UNKNOWN} for another engine.
     */
    @Override
    public SqlDialect dialect() {
        switch (dialect) {
            case POSTGRESQL:
                return SqlDialect.POSTGRESQL;
            case MYSQL:
            case MARIADB:
                return SqlDialect.MYSQL;
            case H2:
                return SqlDialect.H2;
            default:
                return SqlDialect.UNKNOWN;
        }
    }

    /** What connection errors name. */
    String target() {
        return target;
    }

    /**
     * Disposes the pool this executor created (a caller's {@link ConnectionPool} stays open).
     * Lazy and idempotent; afterwards {@link #execute} errors with {@link IllegalStateException}.
     */
    @Override
    public Mono<Void> closeAsync() {
        return Mono.defer(() -> {
            if (!closed.compareAndSet(false, true)) {
                return Mono.empty();
            }
            return connections.close();
        });
    }

    /** Names the target and the options; never a password. */
    @Override
    public String toString() {
        return "R2dbcQueryExecutor[" + target + ", " + options + "]";
    }
}
