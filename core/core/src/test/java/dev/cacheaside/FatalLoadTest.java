package dev.cacheaside;

import dev.cacheaside.internal.LeaseProtocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.testing.InMemoryCacheStore;
import java.time.Duration;
import java.util.AbstractList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * A load that ends in any way leaves the in-flight table, and no key stays dead behind a load
 * that never signals: Reactor rethrows JVM-fatal errors ({@code Exceptions.throwIfJvmFatal})
 * instead of signalling them, which on a3c4871 left {@code loadsInFlight} at 1 and made the next
 * query of the key join the dead load and hang (issue 12).
 */
class FatalLoadTest {

    static final String SQL = "SELECT * FROM flight WHERE flight_id = 7";
    static final Rows FLIGHT = Rows.of(List.of("flight_id"), List.<Object[]>of(new Object[] {7}));
    static final Duration STEP = Duration.ofSeconds(10);

    /** Answers each execution with the next of {@code answers}, the last one repeated. */
    static final class ScriptedExecutor implements QueryExecutor {
        final List<Mono<Rows>> answers;
        final AtomicInteger executions = new AtomicInteger();

        ScriptedExecutor(List<Mono<Rows>> answers) {
            this.answers = answers;
        }

        @Override
        public Mono<Rows> execute(String sql, List<?> parameters) {
            return Mono.defer(() -> answers.get(Math.min(executions.getAndIncrement(), answers.size() - 1)));
        }

        @Override
        public Mono<Void> closeAsync() {
            return Mono.empty();
        }
    }

    /** Rows whose every read throws OutOfMemoryError, as a huge result does in the encoder. */
    static Rows rowsThatExhaustMemory() {
        return Rows.wrap(List.of("flight_id"), new AbstractList<>() {
            @Override
            public Object[] get(int index) {
                throw new OutOfMemoryError("test: the encoder ran out of memory");
            }

            @Override
            public int size() {
                return 2_000_000;
            }
        });
    }

    @Test
    void anAdapterThatCompletesWithoutRowsErrorsNamingTheQueryAsTheCallerWroteIt() {
        ScriptedExecutor database = new ScriptedExecutor(List.of(Mono.empty()));
        try (CacheAside cache = CacheAside.builder().database(database).cache(new InMemoryCacheStore()).build()) {
            StepVerifier.create(cache.query(Query.of(SQL).withTtl(Duration.ofSeconds(5))))
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
                            .hasMessage("the database adapter completed without rows for Query[" + SQL + ", ttl=PT5S]"))
                    .verify(STEP);
            assertThat(cache.stats().databaseErrors()).isEqualTo(1);
        }
    }

    @Test
    void anEncoderThatRunsOutOfMemoryReturnsTheRowsUncached() {
        Rows huge = rowsThatExhaustMemory();
        ScriptedExecutor database = new ScriptedExecutor(List.of(Mono.just(huge), Mono.just(FLIGHT)));
        InMemoryCacheStore store = new InMemoryCacheStore();
        try (CacheAside cache = CacheAside.builder().database(database).cache(store).build()) {
            QueryResult first = cache.query(SQL).block(STEP);
            assertThat(first.source()).as("the first query is answered from the database").isEqualTo(Source.CACHE_MISS);
            assertThat(first.rows()).as("with the rows read").isSameAs(huge);
            assertThat(cache.stats().uncacheable()).as("counted as not cacheable").isEqualTo(1);
            assertThat(cache.engine().flights().size()).as("loads left in flight").isZero();
            assertThat(store.size()).as("entries written").isZero();
            QueryResult second = cache.query(SQL).block(STEP);
            assertThat(second.rows()).as("the next query of the key answers").isEqualTo(FLIGHT);
            assertThat(database.executions).as("database executions").hasValue(2);
        }
    }

    @Test
    void aLoadWhoseWorkThrowsAnErrorOnTheCallersThreadEndsAndFreesItsKey() {
        Mono<Rows> fatal = Mono.just(1).map(x -> {
            throw new OutOfMemoryError("test: thrown inside an operator");
        });
        ScriptedExecutor database = new ScriptedExecutor(List.of(fatal, Mono.just(FLIGHT)));
        InMemoryCacheStore store = new InMemoryCacheStore();
        try (CacheAside cache = CacheAside.builder().database(database).cache(store).build()) {
            StepVerifier.create(cache.query(SQL)).as("the first query")
                    .expectError(OutOfMemoryError.class).verify(STEP);
            assertThat(cache.engine().flights().size()).as("loads left in flight").isZero();
            QueryResult second = cache.query(SQL).block(STEP);
            assertThat(second.rows()).as("the next query of the key answers").isEqualTo(FLIGHT);
            assertThat(second.source()).as("and fills the cache").isEqualTo(Source.CACHE_MISS);
            assertThat(cache.query(SQL).block(STEP).source()).as("the key heals").isEqualTo(Source.CACHE_HIT);
        }
    }

    @Test
    void aLoadThatNeverSignalsIsNotJoinedAfterTheLeaseTtlAndItsCallersGetTheNextLoad() {
        Scheduler elsewhere = Schedulers.newSingle("fatal-load");
        try {
            // the Error is thrown on another thread: Reactor hands it to that thread, the load gets no signal
            Mono<Rows> silent = Mono.just(1).publishOn(elsewhere).map(x -> {
                throw new OutOfMemoryError("test: thrown on a driver thread");
            });
            ScriptedExecutor database = new ScriptedExecutor(List.of(silent, Mono.just(FLIGHT)));
            InMemoryCacheStore store = new InMemoryCacheStore();
            AtomicLong now = new AtomicLong();
            Duration leaseTtl = Duration.ofSeconds(10);
            try (CacheAside cache = CacheAside.builder().database(database).cache(store)
                    .options(CacheAsideOptions.builder().leaseTtl(leaseTtl).nanoTime(now::get).build()).build()) {
                QueryResult[] firstResult = new QueryResult[1];
                cache.query(SQL).subscribe(r -> firstResult[0] = r);
                long deadline = System.nanoTime() + STEP.toNanos();
                while (database.executions.get() < 1 && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                assertThat(cache.engine().flights().size()).as("the dead load is in flight").isEqualTo(1);

                now.addAndGet(leaseTtl.toNanos() - 1);
                assertThat(cache.engine().flights().callersOf(cache.keyFor(SQL))).isEqualTo(1);
                // before the lease TTL a second caller shares the load (it is not known to be dead)
                assertThat(cache.engine().flights().size()).isEqualTo(1);

                now.addAndGet(2);
                store.advance(leaseTtl.plusMillis(1));
                QueryResult second = cache.query(SQL).block(STEP);
                assertThat(second.rows()).as("a query after the lease TTL answers").isEqualTo(FLIGHT);
                assertThat(firstResult[0]).as("the first caller got the new load's rows").isNotNull();
                assertThat(firstResult[0].rows()).isEqualTo(FLIGHT);
                assertThat(cache.engine().flights().size()).as("loads left in flight").isZero();
                assertThat(cache.query(SQL).block(STEP).source()).as("the key heals").isEqualTo(Source.CACHE_HIT);
            }
        } finally {
            elsewhere.dispose();
        }
    }

    @Test
    void aKeyWhoseReadsTimeOutThreeTimesInARowIsDeleted() {
        LeaseCleanupTest.FaultyStore store = new LeaseCleanupTest.FaultyStore();
        ScriptedExecutor database = new ScriptedExecutor(List.of(Mono.just(FLIGHT)));
        try (CacheAside cache = CacheAside.builder().database(database).cache(store)
                .options(CacheAsideOptions.builder().cacheTimeout(Duration.ofMillis(50)).build()).build()) {
            store.lateLeaseReplies.set(true);
            for (int i = 1; i < LeaseProtocol.TIMEOUTS_BEFORE_DELETE; i++) {
                assertThat(cache.query(SQL).block(STEP).rows()).isEqualTo(FLIGHT);
            }
            assertThat(store.memory.deletes).as("deletes after %d timeouts", LeaseProtocol.TIMEOUTS_BEFORE_DELETE - 1).hasValue(0);
            assertThat(cache.query(SQL).block(STEP).rows()).isEqualTo(FLIGHT);
            long deadline = System.nanoTime() + STEP.toNanos();
            while (store.memory.deletes.get() == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(store.memory.deletes).as("deletes after %d timeouts in a row", LeaseProtocol.TIMEOUTS_BEFORE_DELETE).hasValue(1);
        }
    }

    @Test
    void aReadThatAnswersResetsTheCountOfTimeouts() {
        LeaseCleanupTest.FaultyStore store = new LeaseCleanupTest.FaultyStore();
        ScriptedExecutor database = new ScriptedExecutor(List.of(Mono.just(FLIGHT)));
        try (CacheAside cache = CacheAside.builder().database(database).cache(store)
                .options(CacheAsideOptions.builder().cacheTimeout(Duration.ofMillis(50)).build()).build()) {
            for (int round = 0; round < 2; round++) {
                store.lateLeaseReplies.set(true);
                for (int i = 1; i < LeaseProtocol.TIMEOUTS_BEFORE_DELETE; i++) {
                    cache.query(SQL).block(STEP);
                }
                store.lateLeaseReplies.set(false);
                store.memory.delete(cache.keyFor(SQL)).block(STEP);
                cache.query(SQL).block(STEP);
            }
            assertThat(store.memory.deletes).as("deletes other than the test's own").hasValue(2);
        }
    }
}
