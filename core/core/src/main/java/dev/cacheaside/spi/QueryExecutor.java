package dev.cacheaside.spi;

import java.util.List;
import reactor.core.publisher.Mono;

/**
 * The database side of cache-aside: runs one SQL query and returns all of its rows.
 *
 * <p>Implementations live in adapter modules (for example the R2DBC adapter); core never
 * imports a driver. Bind parameters are written as {@code ?} in the SQL text, in order, whatever
 * the database; an implementation translates them to its driver's own placeholders
 * (for example {@code $1} on PostgreSQL) and leaves a {@code ?} inside a quoted literal or a
 * comment alone.
 *
 * <p>Every method is lazy: nothing reaches the database until the returned {@link Mono} is
 * subscribed, and each subscription runs the query again. Implementations are thread safe.
 */
public interface QueryExecutor extends AutoCloseable {

    /**
     * Runs {@code sql} with {@code parameters} bound to its {@code ?} placeholders, in order.
     *
     * @param sql        the SQL text, never null or blank
     * @param parameters the values to bind, possibly empty, never null; an element may be null
     * @return a {@link Mono} of all rows with their column names in select order, the values of
     *     the driver's own Java types; it errors with the database's error when the query fails
     */
    Mono<Rows> execute(String sql, List<?> parameters);

    /**
     * Runs one write ({@code INSERT}, {@code UPDATE}, {@code DELETE}, ...), its parameters bound
     * to its {@code ?} placeholders, committed when the returned {@link Mono} completes.
     *
     * <p>The default signals an error: an executor that only reads cannot write.
     *
     * @return the number of rows the statement changed
     */
    default Mono<Long> update(Statement statement) {
        return Mono.error(new UnsupportedOperationException(getClass().getName() + " does not run writes"));
    }

    /**
     * Runs {@code statements} in order in one transaction: all of them are committed when the
     * returned {@link Mono} completes, none of them when it errors.
     *
     * <p>The default signals an error: an executor that only reads cannot write.
     *
     * @param statements the writes, at least one
     * @return the number of rows the statements changed, summed
     */
    default Mono<Long> updateInTransaction(List<Statement> statements) {
        return Mono.error(new UnsupportedOperationException(getClass().getName() + " does not run writes"));
    }

    /**
     * The SQL family of the database, which decides how the read check and the bind-marker count
     * lex the text (quotes, comments, {@code ?}).
     *
     * <p>The default is {@link SqlDialect#UNKNOWN}: the check then accepts only text that is one
     * read in every dialect it knows.
     */
    default SqlDialect dialect() {
        return SqlDialect.UNKNOWN;
    }

    /**
     * Releases what this executor holds (connections, pools, threads). Lazy, idempotent.
     *
     * @return a {@link Mono} completing once everything is released
     */
    Mono<Void> closeAsync();

    /** Blocking twin of {@link #closeAsync()}; never call it on an event-loop thread. */
    @Override
    default void close() {
        closeAsync().block();
    }
}
