package dev.cacheaside;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.spi.Rows;
import dev.cacheaside.spi.Statement;
import dev.cacheaside.spi.TransactionalExecutor;
import dev.cacheaside.testing.InMemoryCacheStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * The engine's side of {@link TransactionalExecutor}, with a fake transaction carried in the
 * Reactor context: inside it, queries go to the transaction and never to the cache, writes go to
 * the transaction and their invalidation waits for the commit (and is dropped on rollback);
 * outside it, the executor is used as usual.
 */
class TransactionJoinTest {

    static final Duration WAIT = Duration.ofSeconds(10);
    static final String READ = "SELECT v FROM item WHERE id = 1";
    static final String WRITE = "UPDATE item SET v = 'new' WHERE id = 1";

    /** A transaction: what it ran, and the actions registered for after its commit. */
    static final class FakeTransaction implements TransactionalExecutor.Transaction {
        final AtomicInteger reads = new AtomicInteger();
        final List<Statement> writes = new ArrayList<>();
        final List<Mono<Void>> afterCommit = new ArrayList<>();

        @Override
        public Mono<Rows> execute(String sql, List<?> parameters) {
            return Mono.fromSupplier(() -> {
                reads.incrementAndGet();
                return Rows.of(List.of("v"), List.<Object[]>of(new Object[] {"uncommitted"}));
            });
        }

        @Override
        public Mono<Long> update(List<Statement> statements) {
            return Mono.fromSupplier(() -> {
                writes.addAll(statements);
                return (long) statements.size();
            });
        }

        @Override
        public Mono<Void> afterCommit(Mono<Void> action) {
            return Mono.fromRunnable(() -> afterCommit.add(action));
        }

        /** Commits: runs the registered actions in order. */
        void commit() {
            for (Mono<Void> action : afterCommit) {
                action.block(WAIT);
            }
        }
    }

    /** An executor that knows the transaction under the context key {@code FakeTransaction.class}. */
    static final class Database implements TransactionalExecutor {
        final AtomicInteger reads = new AtomicInteger();
        final AtomicInteger writes = new AtomicInteger();

        @Override
        public Mono<Transaction> currentTransaction() {
            return Mono.deferContextual(ctx -> Mono.justOrEmpty(ctx.getOrEmpty(FakeTransaction.class)));
        }

        @Override
        public Mono<Rows> execute(String sql, List<?> parameters) {
            return Mono.fromSupplier(() -> {
                reads.incrementAndGet();
                return Rows.of(List.of("v"), List.<Object[]>of(new Object[] {"committed"}));
            });
        }

        @Override
        public Mono<Long> update(Statement statement) {
            return Mono.fromSupplier(() -> (long) writes.incrementAndGet());
        }

        @Override
        public Mono<Void> closeAsync() {
            return Mono.empty();
        }
    }

    final Database database = new Database();
    final InMemoryCacheStore store = new InMemoryCacheStore();
    final CacheAside cache = CacheAside.builder().database(database).cache(store).build();

    private QueryResult outside() {
        return cache.query(READ).block(WAIT);
    }

    private <T> T inside(Mono<T> work, FakeTransaction tx) {
        return work.contextWrite(ctx -> ctx.put(FakeTransaction.class, tx)).block(WAIT);
    }

    @Test
    void aQueryInATransactionNeitherReadsNorFillsTheCache() {
        assertThat(outside().source()).isEqualTo(Source.CACHE_MISS);
        assertThat(outside().source()).isEqualTo(Source.CACHE_HIT);
        int storeReads = store.reads.get();
        int storeWrites = store.writes.get();
        FakeTransaction tx = new FakeTransaction();

        QueryResult in = inside(cache.query(READ), tx);
        QueryResult uncached = inside(cache.query("SELECT v FROM item WHERE id = 2"), tx);

        assertThat(in.source()).as("answered by the transaction").isEqualTo(Source.CACHE_MISS);
        assertThat(in.rows().get(0, 0)).isEqualTo("uncommitted");
        assertThat(uncached.rows().get(0, 0)).isEqualTo("uncommitted");
        assertThat(tx.reads.get()).isEqualTo(2);
        assertThat(database.reads.get()).as("the executor's own path was not used").isEqualTo(1);
        assertThat(store.reads.get()).as("the cache was not read").isEqualTo(storeReads);
        assertThat(store.writes.get()).as("the cache was not written").isEqualTo(storeWrites);
        assertThat(cache.stats().databaseLoads()).as("both counted as database loads").isEqualTo(3);
        assertThat(outside().rows().get(0, 0)).as("the cached entry is untouched").isEqualTo("committed");
        assertThat(cache.query("SELECT v FROM item WHERE id = 2").block(WAIT).source())
                .as("the read in the transaction filled nothing").isEqualTo(Source.CACHE_MISS);
    }

    @Test
    void aWriteInATransactionInvalidatesOnlyWhenItCommits() {
        outside();
        FakeTransaction tx = new FakeTransaction();

        assertThat(inside(cache.update(WRITE), tx)).isEqualTo(1L);

        assertThat(tx.writes).as("ran in the transaction").containsExactly(Statement.of(WRITE));
        assertThat(database.writes.get()).as("not through the executor's own write").isZero();
        assertThat(tx.afterCommit).as("one invalidation waits for the commit").hasSize(1);
        assertThat(outside().source()).as("not invalidated before the commit").isEqualTo(Source.CACHE_HIT);
        tx.commit();
        assertThat(outside().source()).as("invalidated by the commit").isEqualTo(Source.CACHE_MISS);
    }

    @Test
    void aRolledBackTransactionInvalidatesNothing() {
        outside();
        FakeTransaction tx = new FakeTransaction();

        inside(cache.transaction(List.of(Query.of(WRITE), Query.of("DELETE FROM item WHERE id = 2"))), tx);

        assertThat(tx.writes).hasSize(2);
        // rolled back: the registered actions are dropped, never run
        assertThat(outside().source()).isEqualTo(Source.CACHE_HIT);
    }

    @Test
    void outsideATransactionTheExecutorIsUsedAsUsual() {
        outside();
        assertThat(cache.update(WRITE).block(WAIT)).isEqualTo(1L);
        assertThat(database.writes.get()).isEqualTo(1);
        assertThat(outside().source()).as("invalidated at once").isEqualTo(Source.CACHE_MISS);
    }
}
