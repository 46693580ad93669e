package dev.cacheaside.r2dbc;

import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.pool.PoolMetrics;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcPermissionDeniedException;
import io.r2dbc.spi.R2dbcTimeoutException;
import io.r2dbc.spi.R2dbcTransientResourceException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The connections of one executor (see {@link R2dbcQueryExecutor}, "Pooling", "Read-only
 * sessions" and "Writes"): the pool, either its own (whose connections {@link Sessions} sets up)
 * or the caller's; each connection acquired for one unit of work and given back when that work
 * completes, fails or is cancelled; a set-up statement on a READ WRITE session; writes in
 * auto-commit or in a READ WRITE transaction. Acquiring errors and lost connections name the
 * target. Thread safe; every {@link Mono} is lazy.
 */
final class R2dbcConnections {

    private static final Logger LOG = LoggerFactory.getLogger(R2dbcQueryExecutor.class);
    /**
     * Reactor's {@code boundedElastic} threads, whose tasks a cancel never interrupts: an
     * interrupt during file I/O closes the file's channel, and H2's file databases live on it.
     */
    static final Scheduler UNINTERRUPTED = Schedulers.fromExecutor(task -> Schedulers.boundedElastic().schedule(task));

    private final ConnectionPool pool;
    private final boolean ownsPool;
    private final Dialect dialect;
    private final R2dbcOptions options;
    private final String target;
    /** Whether the connections are read-only sessions, so writes open READ WRITE transactions. */
    private final boolean readOnlySessions;
    /**
     * For a driver that blocks its calling thread (H2), where every call on a connection runs:
     * the work after an acquire (which the pool may hand over on the thread that released a
     * connection, a timer's for a cancelled statement) and every release (which hands the
     * connection to, and validates it for, the next borrower). Null for non-blocking drivers.
     */
    private final Scheduler blocking;

    /**
     * Pools {@code factory}, or uses it as it is when it already is a {@link ConnectionPool}.
     * Opens no connection.
     *
     * @param target what errors name: host, port, database and user, never a password
     */
    R2dbcConnections(ConnectionFactory factory, Dialect dialect, R2dbcOptions options, String target) {
        this.dialect = dialect;
        this.options = options;
        this.target = target;
        if (factory instanceof ConnectionPool) {
            this.pool = (ConnectionPool) factory;
            this.ownsPool = false;
        } else {
            Duration statementTimeout = options.statementTimeout();
            this.pool = new ConnectionPool(ConnectionPoolConfiguration.builder(factory)
                    .name("cache-aside-" + dialect.name().toLowerCase(Locale.ROOT))
                    .initialSize(0)
                    .maxSize(options.poolMaxSize())
                    .maxAcquireTime(options.acquireTimeout())
                    .maxCreateConnectionTime(options.connectTimeout())
                    .postAllocate(c -> Sessions.setUp(c, dialect, statementTimeout))
                    .build());
            this.ownsPool = true;
        }
        this.readOnlySessions = ownsPool && Sessions.readOnlySessionSql(dialect) != null;
        this.blocking = dialect == Dialect.H2 ? UNINTERRUPTED : null;
    }

    /**
     * Runs {@code work} on a connection and gives the connection back on completion, error and
     * cancellation. On a read-only session, a statement that {@link Sessions#startsAsRead} rejects
     * runs with the session switched to READ WRITE, and the session is made read-only again
     * before the connection goes back (or the connection is closed when that fails).
     *
     * @param sql  the statement {@code work} runs, as the caller wrote it
     * @param work called once the connection is acquired (and before any switch of the session)
     */
    <T> Mono<T> use(String sql, Function<Connection, Mono<T>> work) {
        if (readOnlySessions && !Sessions.startsAsRead(sql, dialect.syntax)) {
            // not a read (set-up code: DDL, loading data): READ WRITE for this statement only
            return Mono.usingWhen(acquire(),
                    offloaded(connection -> Sessions.switchTo(connection, dialect, false).then(work.apply(connection))),
                    this::restoreAndClose,
                    (connection, error) -> restoreAndClose(connection),
                    this::restoreAndClose)
                    .onErrorMap(this::lostConnection);
        }
        return Mono.usingWhen(acquire(),
                offloaded(work),
                this::release,
                (connection, error) -> release(connection),
                this::release)
                .onErrorMap(this::lostConnection);
    }

    /**
     * Runs a write on one connection: a single statement on a connection in auto-commit mode
     * with {@code update}, unless {@code transaction} is set, the session is read-only or the
     * connection is not in auto-commit mode; then every statement in order in one READ WRITE
     * transaction, committed at the end and rolled back on error and on cancellation. The
     * connection goes back in every case.
     *
     * @return the row counts {@code update} gives, summed
     */
    <S> Mono<Long> write(List<S> statements, boolean transaction, BiFunction<Connection, S, Mono<Long>> update) {
        return Mono.usingWhen(acquire(),
                offloaded(connection -> transaction || readOnlySessions || !connection.isAutoCommit()
                        ? inTransaction(connection, statements, update)
                        : update.apply(connection, statements.get(0))),
                this::release,
                (connection, error) -> release(connection),
                connection -> transaction || readOnlySessions || !connection.isAutoCommit()
                        ? offload(rollback(connection).onErrorResume(e -> Mono.empty()).then(Mono.from(connection.close())))
                        : release(connection))
                .onErrorMap(this::lostConnection);
    }

    private <S> Mono<Long> inTransaction(Connection connection, List<S> statements,
            BiFunction<Connection, S, Mono<Long>> update) {
        return begin(connection)
                .thenMany(Flux.fromIterable(statements).concatMap(statement -> update.apply(connection, statement)))
                .reduce(0L, Long::sum)
                .flatMap(total -> Mono.from(connection.commitTransaction()).thenReturn(total))
                .onErrorResume(error -> rollback(connection)
                        .onErrorResume(rollbackError -> {
                            error.addSuppressed(rollbackError);
                            return Mono.empty();
                        })
                        .then(Mono.error(error)));
    }

    /** Begins a transaction that may write: READ WRITE on a read-only session. */
    private Mono<Void> begin(Connection connection) {
        if (!readOnlySessions) {
            return Mono.from(connection.beginTransaction());
        }
        return Sessions.beginReadWrite(connection, dialect);
    }

    private static Mono<Void> rollback(Connection connection) {
        return Mono.defer(() -> Mono.from(connection.rollbackTransaction()));
    }

    /**
     * Makes the session read-only again and gives the connection back; when that fails, the
     * underlying connection is closed so that no read-write session returns to the pool.
     */
    private Mono<Void> restoreAndClose(Connection connection) {
        return offload(Sessions.switchTo(connection, dialect, true)
                .onErrorResume(e -> {
                    LOG.warn("could not make a connection to {} read-only again; closing it: {}", target, e.toString());
                    Connection raw = connection instanceof io.r2dbc.spi.Wrapped
                            ? (Connection) ((io.r2dbc.spi.Wrapped<?>) connection).unwrap() : connection;
                    return Mono.from(raw.close()).onErrorResume(x -> Mono.empty());
                })
                .then(Mono.from(connection.close())));
    }

    private Mono<Connection> acquire() {
        return Mono.from(pool.create()).onErrorMap(this::connectFailure);
    }

    /**
     * {@code work}, started on the blocking driver's scheduler when there is one: a connection
     * can reach its borrower on whatever thread gave it back to the pool (a timer's, an event
     * loop's), and a blocking driver must not run there. The hop is inside the usage, so a
     * cancel that lands during it still gives the connection back.
     */
    private <T> Function<Connection, Mono<T>> offloaded(Function<Connection, Mono<T>> work) {
        return blocking == null ? work : connection -> Mono.defer(() -> work.apply(connection)).subscribeOn(blocking);
    }

    /** Gives {@code connection} back to the pool (on the blocking driver's scheduler, if any). */
    private Mono<Void> release(Connection connection) {
        return offload(Mono.from(connection.close()));
    }

    /** {@code work}, subscribed on the blocking driver's scheduler when there is one. */
    private Mono<Void> offload(Mono<Void> work) {
        return blocking == null ? work : work.subscribeOn(blocking);
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

    /** The pool's counters (acquired, idle, allocated), when r2dbc-pool records them. */
    Optional<PoolMetrics> poolMetrics() {
        return pool.getMetrics();
    }

    /** Disposes the pool if it is this executor's own; a caller's pool stays open. Lazy. */
    Mono<Void> close() {
        return ownsPool ? pool.disposeLater() : Mono.empty();
    }
}
