package dev.cacheaside.r2dbc;

import dev.cacheaside.Rows;
import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.spi.SqlDialect;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.pool.PoolMetrics;
import io.r2dbc.spi.Blob;
import io.r2dbc.spi.Clob;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Parameter;
import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcPermissionDeniedException;
import io.r2dbc.spi.R2dbcTimeoutException;
import io.r2dbc.spi.R2dbcTransientResourceException;
import io.r2dbc.spi.Row;
import io.r2dbc.spi.RowMetadata;
import io.r2dbc.spi.Statement;
import io.r2dbc.spi.TransactionDefinition;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
 * <h2>Contract</h2>
 * Every method is lazy. Each subscription to {@link #execute} takes a connection, runs the
 * statement once, reads every row, and gives the connection back, also on error and on
 * cancellation. Thread safe. H2 runs inside the JVM and blocks the calling thread, so
 * statements for H2 are subscribed on {@link Schedulers#boundedElastic()}, never on the caller's
 * (possibly event-loop) thread. Errors from the database reach the subscriber as the driver's
 * {@link R2dbcException}, with the database's message.
 */
public final class R2dbcQueryExecutor implements QueryExecutor {

    private static final Logger LOG = LoggerFactory.getLogger(R2dbcQueryExecutor.class);
    private static final Duration CLIENT_TIMEOUT_GRACE = Duration.ofSeconds(1);
    private static final String PG_JSON = "io.r2dbc.postgresql.codec.Json";

    private final ConnectionPool pool;
    private final boolean ownsPool;
    private final R2dbcOptions options;
    private final Dialect dialect;
    private final R2dbcOptions.PlaceholderStyle placeholderStyle;
    private final String target;
    private final Scheduler scheduler;
    private final Mono<Void> initialization;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Whether this executor's connections are read-only sessions, so writes open READ WRITE transactions. */
    private final boolean readOnlySessions;

    private R2dbcQueryExecutor(ConnectionFactory factory, R2dbcOptions options, String target,
            Function<R2dbcQueryExecutor, Mono<Void>> initializer) {
        this.options = Objects.requireNonNull(options, "options");
        Objects.requireNonNull(factory, "connectionFactory");
        this.dialect = Dialect.fromProductName(factory.getMetadata().getName());
        if (factory instanceof ConnectionPool) {
            this.pool = (ConnectionPool) factory;
            this.ownsPool = false;
        } else {
            Duration statementTimeout = options.statementTimeout();
            this.pool = new ConnectionPool(ConnectionPoolConfiguration.builder(factory)
                    .name("cache-aside-" + dialect.name().toLowerCase(java.util.Locale.ROOT))
                    .initialSize(0)
                    .maxSize(options.poolMaxSize())
                    .maxAcquireTime(options.acquireTimeout())
                    .maxCreateConnectionTime(options.connectTimeout())
                    .postAllocate(c -> applyStatementTimeout(c, dialect, statementTimeout)
                            .then(readOnlySession(c, dialect)))
                    .build());
            this.ownsPool = true;
        }
        this.readOnlySessions = ownsPool && readOnlySessionSql(dialect) != null;
        R2dbcOptions.PlaceholderStyle style = options.placeholderStyle();
        if (style == R2dbcOptions.PlaceholderStyle.AUTO) {
            style = dialect == Dialect.POSTGRESQL
                    ? R2dbcOptions.PlaceholderStyle.DOLLAR_NUMBERED
                    : R2dbcOptions.PlaceholderStyle.QUESTION_MARK;
        }
        this.placeholderStyle = style;
        this.target = target != null ? target : factory.getMetadata().getName();
        this.scheduler = dialect == Dialect.H2 ? Schedulers.boundedElastic() : null;
        // a successful set-up is remembered; a failed one is tried again by the next query
        this.initialization = initializer == null ? Mono.empty()
                : initializer.apply(this).cache(v -> Duration.ofMillis(Long.MAX_VALUE), e -> Duration.ZERO,
                        () -> Duration.ofMillis(Long.MAX_VALUE));
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
        return new R2dbcQueryExecutor(connectionFactory, options, null, null);
    }

    /**
     * For providers: {@code target} names the database in connection errors (host, port, user;
     * never a password); {@code initializer}, when not null, runs once before the first query.
     */
    static R2dbcQueryExecutor create(ConnectionFactory connectionFactory, R2dbcOptions options,
            String target, Function<R2dbcQueryExecutor, Mono<Void>> initializer) {
        return new R2dbcQueryExecutor(connectionFactory, options, target, initializer);
    }

    /** The options this executor was created with. */
    public R2dbcOptions options() {
        return options;
    }

    @Override
    public Mono<Rows> execute(String sql, List<?> parameters) {
        return initialization.then(run(sql, parameters));
    }

    /** Like {@link #execute} without waiting for the initializer; for the initializer itself. */
    Mono<Rows> run(String sql, List<?> parameters) {
        Mono<Rows> rows = Mono.defer(() -> {
            if (sql == null || sql.isBlank()) {
                return Mono.error(new IllegalArgumentException("sql must not be null or blank"));
            }
            Objects.requireNonNull(parameters, "parameters");
            if (closed.get()) {
                return Mono.error(new IllegalStateException("the executor for " + target + " is closed"));
            }
            Placeholders.Translated translated = placeholderStyle == R2dbcOptions.PlaceholderStyle.DOLLAR_NUMBERED
                    ? Placeholders.dollarNumbered(sql)
                    : Placeholders.questionMarks(sql, dialect.syntax);
            if (translated.count != parameters.size()) {
                return Mono.error(new IllegalArgumentException("the SQL has " + translated.count
                        + " bind markers (?) but " + parameters.size() + " parameters were given"));
            }
            if (readOnlySessions && !startsAsRead(sql, dialect.syntax)) {
                // not a read (set-up code: DDL, loading data): READ WRITE for this statement only
                return Mono.usingWhen(acquire(),
                        connection -> session(connection, false).then(query(connection, translated.sql, parameters)),
                        this::restoreAndClose,
                        (connection, error) -> restoreAndClose(connection),
                        this::restoreAndClose)
                        .onErrorMap(this::lostConnection);
            }
            return Mono.usingWhen(acquire(),
                    connection -> query(connection, translated.sql, parameters),
                    Connection::close,
                    (connection, error) -> connection.close(),
                    Connection::close)
                    .onErrorMap(this::lostConnection);
        });
        return scheduler == null ? rows : rows.subscribeOn(scheduler);
    }

    /**
     * Runs one write, committed on completion; see the class description.
     *
     * @return the number of rows it changed
     */
    @Override
    public Mono<Long> update(String sql, List<?> parameters) {
        return initialization.then(write(Mono.fromCallable(() -> List.of(translate(sql, parameters))), false));
    }

    /**
     * Runs {@code statements} in one transaction on one connection, rolled back on any error;
     * see the class description.
     *
     * @return the number of rows they changed, summed
     */
    @Override
    public Mono<Long> updateInTransaction(List<Map.Entry<String, List<?>>> statements) {
        return initialization.then(write(Mono.fromCallable(() -> {
            Objects.requireNonNull(statements, "statements");
            if (statements.isEmpty()) {
                throw new IllegalArgumentException("statements must not be empty");
            }
            List<Bound> bound = new ArrayList<>(statements.size());
            for (Map.Entry<String, List<?>> statement : statements) {
                Objects.requireNonNull(statement, "statement");
                bound.add(translate(statement.getKey(), statement.getValue()));
            }
            return bound;
        }), true));
    }

    /** A write's SQL with the driver's bind markers, and its parameters. */
    private static final class Bound {
        final String sql;
        final List<?> parameters;

        Bound(String sql, List<?> parameters) {
            this.sql = sql;
            this.parameters = parameters;
        }
    }

    private Bound translate(String sql, List<?> parameters) {
        if (sql == null || sql.isBlank()) {
            throw new IllegalArgumentException("sql must not be null or blank");
        }
        Objects.requireNonNull(parameters, "parameters");
        Placeholders.Translated translated = placeholderStyle == R2dbcOptions.PlaceholderStyle.DOLLAR_NUMBERED
                ? Placeholders.dollarNumbered(sql)
                : Placeholders.questionMarks(sql, dialect.syntax);
        if (translated.count != parameters.size()) {
            throw new IllegalArgumentException("the SQL has " + translated.count
                    + " bind markers (?) but " + parameters.size() + " parameters were given");
        }
        return new Bound(translated.sql, parameters);
    }

    private Mono<Long> write(Mono<List<Bound>> statements, boolean transaction) {
        Mono<Long> rows = statements.flatMap(bound -> {
            if (closed.get()) {
                return Mono.error(new IllegalStateException("the executor for " + target + " is closed"));
            }
            return Mono.usingWhen(acquire(),
                    connection -> transaction || readOnlySessions || !connection.isAutoCommit()
                            ? inTransaction(connection, bound)
                            : updateRows(connection, bound.get(0)),
                    Connection::close,
                    (connection, error) -> connection.close(),
                    connection -> transaction || readOnlySessions || !connection.isAutoCommit()
                            ? rollback(connection).onErrorResume(e -> Mono.empty()).then(Mono.from(connection.close()))
                            : connection.close())
                    .onErrorMap(this::lostConnection);
        });
        return scheduler == null ? rows : rows.subscribeOn(scheduler);
    }

    private Mono<Long> inTransaction(Connection connection, List<Bound> statements) {
        return begin(connection)
                .thenMany(Flux.fromIterable(statements).concatMap(statement -> updateRows(connection, statement)))
                .reduce(0L, Long::sum)
                .flatMap(total -> Mono.from(connection.commitTransaction()).thenReturn(total))
                .onErrorResume(error -> rollback(connection)
                        .onErrorResume(rollbackError -> {
                            error.addSuppressed(rollbackError);
                            return Mono.empty();
                        })
                        .then(Mono.error(error)));
    }

    /**
     * Begins a transaction that may write: on a read-only session, PostgreSQL gets
     * {@code BEGIN READ WRITE} through the driver's transaction definition; MySQL and MariaDB get
     * {@code SET TRANSACTION READ WRITE} (for the next transaction only) first, since their
     * drivers start a plain transaction whatever the definition says.
     */
    private Mono<Void> begin(Connection connection) {
        if (!readOnlySessions) {
            return Mono.from(connection.beginTransaction());
        }
        if (dialect.isMySqlFamily()) {
            return Flux.from(connection.createStatement("SET TRANSACTION READ WRITE").execute())
                    .concatMap(r -> r.getRowsUpdated())
                    .then(Mono.from(connection.beginTransaction()));
        }
        return Mono.from(connection.beginTransaction(READ_WRITE));
    }

    private static Mono<Void> rollback(Connection connection) {
        return Mono.defer(() -> Mono.from(connection.rollbackTransaction()));
    }

    private Mono<Long> updateRows(Connection connection, Bound statement) {
        Statement prepared = connection.createStatement(statement.sql);
        for (int i = 0; i < statement.parameters.size(); i++) {
            bind(prepared, i, statement.parameters.get(i));
        }
        return Flux.from(prepared.execute())
                .concatMap(result -> Flux.from(result.getRowsUpdated()))
                .reduce(0L, (sum, n) -> sum + n.longValue())
                .timeout(options.statementTimeout().plus(CLIENT_TIMEOUT_GRACE),
                        Mono.error(() -> new R2dbcTimeoutException("statement on " + target
                                + " did not complete within the statement timeout "
                                + options.statementTimeout())));
    }

    /**
     * Sets the statement timeout on a new connection: H2's driver ignores
     * {@code setStatementTimeout}, so H2 gets {@code SET QUERY_TIMEOUT}; other drivers implement it
     * (a driver that does not is left with the client-side timeout).
     */
    private static Mono<Void> applyStatementTimeout(Connection connection, Dialect dialect, Duration timeout) {
        if (dialect == Dialect.H2) {
            return Flux.from(connection.createStatement("SET QUERY_TIMEOUT " + timeout.toMillis()).execute())
                    .concatMap(r -> r.getRowsUpdated())
                    .then();
        }
        return Mono.defer(() -> Mono.from(connection.setStatementTimeout(timeout)))
                .onErrorResume(e -> {
                    // a driver or server without statement timeouts still gets the client-side one
                    LOG.debug("statement timeout not set on the server: {}", e.toString());
                    return Mono.empty();
                });
    }

    /** A transaction that may write, on a session whose default is read-only. */
    private static final TransactionDefinition READ_WRITE = new TransactionDefinition() {
        @Override
        @SuppressWarnings("unchecked")
        public <T> T getAttribute(io.r2dbc.spi.Option<T> option) {
            return option.equals(TransactionDefinition.READ_ONLY) ? (T) Boolean.FALSE : null;
        }
    };

    /** The statement that makes a session's transactions read-only by default, or null for none. */
    static String readOnlySessionSql(Dialect dialect) {
        switch (dialect) {
            case POSTGRESQL:
                return "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY";
            case MYSQL:
            case MARIADB:
                return "SET SESSION TRANSACTION READ ONLY";
            default:
                return null; // H2 has no read-only session; the read check alone guards it
        }
    }

    /** Sets this executor's connection's session read-only or READ WRITE. */
    private Mono<Void> session(Connection connection, boolean readOnly) {
        String sql = readOnlySessionSql(dialect);
        if (!readOnly) {
            sql = sql.replace("READ ONLY", "READ WRITE");
        }
        return Flux.from(connection.createStatement(sql).execute()).concatMap(r -> r.getRowsUpdated()).then();
    }

    /**
     * Makes the session read-only again and gives the connection back; when that fails, the
     * underlying connection is closed so that no read-write session returns to the pool.
     */
    private Mono<Void> restoreAndClose(Connection connection) {
        return session(connection, true)
                .onErrorResume(e -> {
                    LOG.warn("could not make a connection to {} read-only again; closing it: {}", target, e.toString());
                    Connection raw = connection instanceof io.r2dbc.spi.Wrapped
                            ? (Connection) ((io.r2dbc.spi.Wrapped<?>) connection).unwrap() : connection;
                    return Mono.from(raw.close()).onErrorResume(x -> Mono.empty());
                })
                .then(Mono.from(connection.close()));
    }

    /**
     * Whether {@code sql} runs on the read-only session: unless its first keyword (after comments
     * and parentheses) is one of {@link #WRITE_FIRST_WORDS}. Every text the read check accepts
     * starts with SELECT, WITH, VALUES, TABLE, SHOW or EXPLAIN, so it always does.
     */
    static boolean startsAsRead(String sql, SqlScript.Syntax syntax) {
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c) || c == '(') {
                i++;
                continue;
            }
            int end = SqlLexer.skip(sql, i, syntax);
            boolean comment = end > 0 && (c == '-' || c == '#' || c == '/');
            if (comment) {
                if (sql.startsWith("/*!", i) || sql.startsWith("/*M!", i)) {
                    return true; // executable code: stay read-only
                }
                i = end;
                continue;
            }
            int start = i;
            while (i < n && Character.isLetter(sql.charAt(i))) {
                i++;
            }
            String word = sql.substring(start, i).toUpperCase(java.util.Locale.ROOT);
            return !WRITE_FIRST_WORDS.contains(word);
        }
        return true;
    }

    /** First keywords that run on a READ WRITE session when set-up code calls {@link #execute}. */
    private static final java.util.Set<String> WRITE_FIRST_WORDS = java.util.Set.of(
            "INSERT", "UPDATE", "DELETE", "MERGE", "REPLACE", "UPSERT", "TRUNCATE", "CREATE", "DROP", "ALTER",
            "GRANT", "REVOKE", "CALL", "DO", "COPY", "LOCK", "UNLOCK", "SET", "COMMENT", "RENAME", "LOAD",
            "ANALYZE", "VACUUM", "REFRESH", "START", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE",
            "PREPARE", "EXECUTE", "DEALLOCATE", "DISCARD", "RESET", "CHECKPOINT", "CLUSTER", "REINDEX",
            "NOTIFY", "LISTEN", "UNLISTEN", "SECURITY", "IMPORT", "KILL", "FLUSH", "OPTIMIZE", "REPAIR",
            "INSTALL", "UNINSTALL", "HANDLER", "USE", "PURGE", "RESTORE", "BACKUP", "RUNSCRIPT", "SCRIPT",
            "SHUTDOWN");

    /**
     * Makes a new connection's session read-only, once, when the pool opens it: a function that
     * writes, called from a statement the read check accepted, then fails in the database.
     */
    private static Mono<Void> readOnlySession(Connection connection, Dialect dialect) {
        String sql = readOnlySessionSql(dialect);
        if (sql == null) {
            return Mono.empty();
        }
        return Flux.from(connection.createStatement(sql).execute())
                .concatMap(r -> r.getRowsUpdated())
                .then();
    }

    private Mono<Connection> acquire() {
        return Mono.from(pool.create()).onErrorMap(this::connectFailure);
    }

    /**
     * A connection that failed after it was acquired (the server went away, a proxy dropped it):
     * the driver's message rarely says where, so it is prefixed with the target.
     */
    private Throwable lostConnection(Throwable error) {
        if (!(error instanceof R2dbcNonTransientResourceException || error instanceof R2dbcTransientResourceException)
                || String.valueOf(error.getMessage()).contains(target)) {
            return error;
        }
        String message = "lost the connection to " + target + ": " + error.getMessage();
        return error instanceof R2dbcTransientResourceException
                ? new R2dbcTransientResourceException(message, error)
                : new R2dbcNonTransientResourceException(message, error);
    }

    private Throwable connectFailure(Throwable error) {
        String reason = error.getMessage() == null ? error.getClass().getName() : error.getMessage();
        String message = "cannot connect to " + target + ": " + reason;
        if (error instanceof R2dbcPermissionDeniedException) {
            R2dbcException e = (R2dbcException) error;
            return new R2dbcPermissionDeniedException(message, e.getSqlState(), e.getErrorCode(), error);
        }
        if (error instanceof R2dbcTimeoutException || error instanceof TimeoutException) {
            return new R2dbcTimeoutException(message + " (connect timeout " + options.connectTimeout()
                    + ", acquire timeout " + options.acquireTimeout() + ")", error);
        }
        if (error instanceof IllegalStateException) {
            return error; // pool disposed
        }
        return new R2dbcTransientResourceException(message, error);
    }

    private Mono<Rows> query(Connection connection, String sql, List<?> parameters) {
        Statement statement = connection.createStatement(sql);
        for (int i = 0; i < parameters.size(); i++) {
            bind(statement, i, parameters.get(i));
        }
        AtomicReference<List<String>> columns = new AtomicReference<>();
        Flux<Object[]> read = Flux.from(statement.execute())
                .concatMap(result -> result.map((row, metadata) -> read(row, metadata, columns)))
                .concatMap(R2dbcQueryExecutor::resolveLobs);
        int maxRows = options.maxRows();
        if (maxRows > 0) {
            // the row past the limit fails the query and cancels the driver's stream, so the
            // rest is never read into memory and the connection goes back to the pool
            AtomicInteger count = new AtomicInteger();
            read = read.handle((row, sink) -> {
                if (count.incrementAndGet() > maxRows) {
                    sink.error(new R2dbcNonTransientResourceException("the query on " + target
                            + " returned more than " + maxRows + " rows, the limit (R2dbcOptions.maxRows,"
                            + " DB_MAX_ROWS); select fewer rows (WHERE, LIMIT) or raise the limit"));
                } else {
                    sink.next(row);
                }
            });
        }
        return read
                .collectList()
                .map(values -> {
                    List<String> names = columns.get();
                    if (names == null) {
                        return Rows.empty();
                    }
                    Rows.Builder builder = Rows.builder(names);
                    for (Object[] row : values) {
                        builder.add(row);
                    }
                    return builder.build();
                })
                .timeout(options.statementTimeout().plus(CLIENT_TIMEOUT_GRACE),
                        Mono.error(() -> new R2dbcTimeoutException("statement on " + target
                                + " did not complete within the statement timeout "
                                + options.statementTimeout())));
    }

    private void bind(Statement statement, int index, Object value) {
        if (value == null) {
            // PostgreSQL: Object binds the unspecified type, so the server infers it from the
            // context; the other drivers have no encoder for Object and take a String null anywhere
            statement.bindNull(index, dialect == Dialect.POSTGRESQL ? Object.class : String.class);
        } else if (value instanceof byte[] && dialect != Dialect.H2) {
            // every server driver takes a ByteBuffer; r2dbc-h2 takes byte[] as it is, while its
            // ByteBuffer path goes through a blocking Blob adapter that can hang
            statement.bind(index, ByteBuffer.wrap((byte[]) value));
        } else {
            statement.bind(index, value);
        }
    }

    private static Object[] read(Row row, RowMetadata metadata, AtomicReference<List<String>> columns) {
        int n = metadata.getColumnMetadatas().size();
        if (columns.get() == null) {
            List<String> names = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                names.add(metadata.getColumnMetadata(i).getName());
            }
            columns.compareAndSet(null, names);
        }
        Object[] values = new Object[n];
        for (int i = 0; i < n; i++) {
            Object value = row.get(i);
            if (value != null && isPostgresJson(value.getClass())) {
                value = row.get(i, String.class);
            }
            values[i] = normalize(value);
        }
        return values;
    }

    /** Maps a driver value to a codec type where the class is known; see the class Javadoc. */
    static Object normalize(Object value) {
        if (value instanceof ByteBuffer) {
            ByteBuffer buffer = ((ByteBuffer) value).duplicate();
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        }
        if (value instanceof java.sql.Timestamp) {
            return ((java.sql.Timestamp) value).toLocalDateTime();
        }
        if (value instanceof java.sql.Date) {
            return ((java.sql.Date) value).toLocalDate();
        }
        if (value instanceof java.sql.Time) {
            return ((java.sql.Time) value).toLocalTime();
        }
        if (value instanceof java.util.Date) {
            return ((java.util.Date) value).toInstant();
        }
        if (value instanceof Character) {
            return value.toString();
        }
        return value;
    }

    private static boolean isPostgresJson(Class<?> type) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            if (c.getName().equals(PG_JSON)) {
                return true;
            }
        }
        return false;
    }

    /** Reads any Blob or Clob in the row to byte[] or String, while the connection is held. */
    private static Mono<Object[]> resolveLobs(Object[] row) {
        boolean any = false;
        for (Object v : row) {
            if (v instanceof Blob || v instanceof Clob) {
                any = true;
                break;
            }
        }
        if (!any) {
            return Mono.just(row);
        }
        return Flux.range(0, row.length)
                .concatMap(i -> {
                    Object v = row[i];
                    if (v instanceof Blob) {
                        return Flux.from(((Blob) v).stream())
                                .collect(ByteArrayOutputStream::new, (out, b) -> {
                                    ByteBuffer d = b.duplicate();
                                    byte[] chunk = new byte[d.remaining()];
                                    d.get(chunk);
                                    out.write(chunk, 0, chunk.length);
                                })
                                .doOnNext(out -> row[i] = out.toByteArray());
                    }
                    if (v instanceof Clob) {
                        return Flux.from(((Clob) v).stream())
                                .collect(StringBuilder::new, StringBuilder::append)
                                .doOnNext(sb -> row[i] = sb.toString());
                    }
                    return Mono.empty();
                })
                .then(Mono.just(row));
    }

    /** The pool's counters (acquired, idle, allocated), when r2dbc-pool records them. */
    Optional<PoolMetrics> poolMetrics() {
        return pool.getMetrics();
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
            if (!closed.compareAndSet(false, true) || !ownsPool) {
                return Mono.empty();
            }
            return pool.disposeLater();
        });
    }

    /** Names the target and the options; never a password. */
    @Override
    public String toString() {
        return "R2dbcQueryExecutor[" + target + ", " + options + "]";
    }
}
