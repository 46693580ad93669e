package dev.cacheaside.spring;

import dev.cacheaside.r2dbc.R2dbcQueryExecutor;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.spi.SqlDialect;
import dev.cacheaside.spi.Statement;
import dev.cacheaside.spi.TransactionalExecutor;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import java.util.List;
import org.springframework.r2dbc.connection.ConnectionHolder;
import org.springframework.transaction.NoTransactionException;
import org.springframework.transaction.reactive.TransactionSynchronization;
import org.springframework.transaction.reactive.TransactionSynchronizationManager;
import reactor.core.publisher.Mono;

/**
 * The starter's database side over the application's {@link ConnectionFactory}: an
 * {@link R2dbcQueryExecutor} that joins the Spring reactive transaction its caller runs in.
 *
 * <p>A caller runs in a transaction when its Reactor {@code Context} holds Spring's transaction
 * context ({@code TransactionalOperator}, {@code @Transactional} methods) with an actual
 * transaction active and a connection of {@code factory} bound to it, which is what an
 * {@code R2dbcTransactionManager} over the same {@link ConnectionFactory} bean does. Then queries
 * and writes run on that connection (through the executor's binding and row reading) and
 * after-commit actions are registered as a {@link TransactionSynchronization}, so they run only
 * after the commit, and their error reaches the commit's subscriber. Outside such a transaction
 * (none, or one of another factory) every call goes to the executor as it is. Thread safe.
 */
final class SpringTransactionalExecutor implements TransactionalExecutor {

    private final R2dbcQueryExecutor executor;
    private final ConnectionFactory factory;

    /**
     * @param executor the executor over {@code factory} (or a pool of it)
     * @param factory  the application's bean, the key under which Spring binds a transaction's
     *                 connection
     */
    SpringTransactionalExecutor(R2dbcQueryExecutor executor, ConnectionFactory factory) {
        this.executor = executor;
        this.factory = factory;
    }

    @Override
    public Mono<Transaction> currentTransaction() {
        return TransactionSynchronizationManager.forCurrentTransaction()
                .onErrorResume(NoTransactionException.class, e -> Mono.empty())
                .flatMap(manager -> {
                    // R2dbcTransactionManager binds its holder under the factory for the transaction
                    if (!manager.isActualTransactionActive()
                            || !(manager.getResource(factory) instanceof ConnectionHolder holder)) {
                        return Mono.empty();
                    }
                    return Mono.just(new Joined(manager, holder.getConnection()));
                });
    }

    /** A transaction's connection, and its manager for after-commit actions. */
    private final class Joined implements Transaction {
        private final TransactionSynchronizationManager manager;
        private final Connection connection;

        Joined(TransactionSynchronizationManager manager, Connection connection) {
            this.manager = manager;
            this.connection = connection;
        }

        @Override
        public Mono<Rows> execute(String sql, List<?> parameters) {
            return executor.execute(connection, sql, parameters);
        }

        @Override
        public Mono<Long> update(List<Statement> statements) {
            return executor.update(connection, statements);
        }

        @Override
        public Mono<Void> afterCommit(Mono<Void> action) {
            // registerSynchronization throws IllegalStateException when synchronization is off
            return Mono.fromRunnable(() -> manager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public Mono<Void> afterCommit() {
                    return action;
                }
            }));
        }
    }

    @Override
    public Mono<Rows> execute(String sql, List<?> parameters) {
        return executor.execute(sql, parameters);
    }

    @Override
    public Mono<Long> update(Statement statement) {
        return executor.update(statement);
    }

    @Override
    public Mono<Long> updateInTransaction(List<Statement> statements) {
        return executor.updateInTransaction(statements);
    }

    @Override
    public SqlDialect dialect() {
        return executor.dialect();
    }

    @Override
    public Mono<Void> closeAsync() {
        return executor.closeAsync();
    }

    @Override
    public String toString() {
        return executor.toString();
    }
}
