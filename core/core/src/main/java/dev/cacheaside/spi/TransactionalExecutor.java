package dev.cacheaside.spi;

import java.util.List;
import reactor.core.publisher.Mono;

/**
 * A {@link QueryExecutor} that knows the database transaction its caller has open (a framework's,
 * such as a Spring reactive transaction, found in the subscriber's Reactor {@code Context}), so
 * that the engine joins it instead of going around it.
 *
 * <p>What the engine does with it: a query whose subscriber runs in a transaction is answered by
 * {@link Transaction#execute} and neither read from nor written to the cache (it may see the
 * transaction's own uncommitted writes, which no other caller may see); a write runs with
 * {@link Transaction#update}, uncommitted, and the invalidation of the tables it writes is
 * registered with {@link Transaction#afterCommit}, so it runs only once the transaction has
 * committed, and not at all when it rolls back. Outside a transaction every method of
 * {@link QueryExecutor} is used as usual.
 */
public interface TransactionalExecutor extends QueryExecutor {

    /**
     * The transaction the subscriber of the returned {@link Mono} runs in, read from its context
     * at subscription.
     *
     * @return a {@link Mono} of the transaction, or empty when the subscriber runs in none that
     *     this executor's database takes part in; it errors only when the lookup itself fails
     */
    Mono<Transaction> currentTransaction();

    /**
     * An open transaction of the caller's. Its methods are lazy, run on the transaction's own
     * connection, and never begin, commit or roll back the transaction: its owner does.
     */
    interface Transaction {

        /**
         * Runs one query in the transaction, as {@link QueryExecutor#execute} does outside one;
         * it sees the transaction's uncommitted writes.
         */
        Mono<Rows> execute(String sql, List<?> parameters);

        /**
         * Runs {@code statements} in order in the transaction, uncommitted: they commit or roll
         * back with it.
         *
         * @return the number of rows they changed, summed
         */
        Mono<Long> update(List<Statement> statements);

        /**
         * Registers {@code action} to run once the transaction has committed; it never runs when
         * the transaction rolls back. Where the owner of the transaction can, an error of
         * {@code action} reaches whoever committed it (Spring's commit {@link Mono} errors).
         *
         * @return a {@link Mono} completing once {@code action} is registered; it errors when it
         *     cannot be (then the caller must not assume it will run)
         */
        Mono<Void> afterCommit(Mono<Void> action);
    }
}
