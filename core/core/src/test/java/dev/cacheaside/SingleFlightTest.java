package dev.cacheaside;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.spi.Rows;
import dev.cacheaside.testing.CountingQueryExecutor;
import dev.cacheaside.testing.InMemoryCacheStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.test.StepVerifier;

class SingleFlightTest {

    static final String SQL = "SELECT * FROM flight WHERE flight_id = 115";
    static final Rows FLIGHT = Rows.of(List.of("flight_id", "flightno"), List.<Object[]>of(new Object[] {115, "LH2001"}));

    final InMemoryCacheStore store = new InMemoryCacheStore();
    final CountingQueryExecutor database = CountingQueryExecutor.answering(FLIGHT);
    final CacheAside cache = CacheAside.builder().database(database).cache(store).build();

    @AfterEach
    void close() {
        cache.close();
    }

    @Test
    void hundredConcurrentMissesRunOneDatabaseQuery() throws Exception {
        database.hold();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<CompletableFuture<QueryResult>> results = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                results.add(CompletableFuture.supplyAsync(() -> {
                    await(start);
                    return cache.query(SQL).toFuture();
                }, pool).thenCompose(f -> f));
            }
            start.countDown();
            // every subscriber has missed and joined the one load before it is let go
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (cache.engine().flights().callersOf(cache.keyFor(SQL)) < 100 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(cache.engine().flights().callersOf(cache.keyFor(SQL))).as("callers sharing the load").isEqualTo(100);
            database.release();
            for (CompletableFuture<QueryResult> r : results) {
                QueryResult result = r.get(10, TimeUnit.SECONDS);
                assertThat(result.rows()).isEqualTo(FLIGHT);
                // a caller that found the lease held may be served from the cache once it is filled
                assertThat(result.source()).isIn(Source.CACHE_MISS, Source.CACHE_HIT);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(database.executions).as("database queries for 100 concurrent misses").hasValue(1);
        assertThat(store.writes).as("cache writes").hasValue(1);
        assertThat(cache.engine().flights().size()).as("in-flight bookkeeping after the load").isZero();
    }

    @Test
    void aCancelledSubscriberDoesNotCancelTheLoadForTheOthers() {
        database.hold();
        Disposable first = cache.query(SQL).subscribe();
        CompletableFuture<QueryResult> second = cache.query(SQL).toFuture();
        assertThat(cache.engine().flights().size()).isEqualTo(1);
        first.dispose();
        database.release();
        assertThat(second.join().rows()).isEqualTo(FLIGHT);
        assertThat(database.executions).hasValue(1);
        assertThat(database.cancellations).as("the load was not cancelled").hasValue(0);
        assertThat(store.peek(cache.keyFor(SQL))).as("the load filled the cache").isNotNull();
        assertThat(cache.engine().flights().size()).isZero();
    }

    @Test
    void whenEverySubscriberCancelsTheLoadStillCompletesAndFillsTheCache() {
        database.hold();
        cache.query(SQL).subscribe().dispose();
        database.release();
        assertThat(database.cancellations).hasValue(0);
        assertThat(cache.engine().flights().size()).isZero();
        StepVerifier.create(cache.query(SQL))
                .assertNext(r -> assertThat(r.source()).isEqualTo(Source.CACHE_HIT))
                .verifyComplete();
    }

    @Test
    void aFailedLoadIsSharedByItsWaitersButNotReusedByTheNextCaller() {
        database.hold();
        database.fail(new IllegalStateException("deadlock"));
        CompletableFuture<QueryResult> a = cache.query(SQL).toFuture();
        CompletableFuture<QueryResult> b = cache.query(SQL).toFuture();
        database.release();
        assertThat(a).isCompletedExceptionally();
        assertThat(b).isCompletedExceptionally();
        assertThat(database.executions).hasValue(1);
        assertThat(cache.engine().flights().size()).isZero();
        database.fail(null);
        StepVerifier.create(cache.query(SQL)).expectNextCount(1).verifyComplete();
        assertThat(database.executions).hasValue(2);
    }

    @Test
    void invalidationDuringALoadKeepsTheLoadFromWritingWhatItRead() {
        database.hold();
        CompletableFuture<QueryResult> reader = cache.query(SQL).toFuture();
        StepVerifier.create(cache.invalidate(SQL)).expectNext(false).verifyComplete();
        database.release();
        assertThat(reader.join().rows()).isEqualTo(FLIGHT);
        assertThat(store.peek(cache.keyFor(SQL))).as("no stale set after invalidation").isNull();
        assertThat(cache.engine().flights().size()).isZero();
    }

    @Test
    void closeEndsLoadsInFlight() {
        database.hold();
        CompletableFuture<QueryResult> waiting = cache.query(SQL).toFuture();
        cache.close();
        assertThat(waiting).isCompletedExceptionally();
        assertThat(cache.engine().flights().size()).isZero();
    }

    @Test
    void forceRefreshDoesNotJoinALoadInFlight() {
        database.hold();
        CompletableFuture<QueryResult> miss = cache.query(SQL).toFuture();
        CompletableFuture<QueryResult> refresh = cache.refresh(SQL).toFuture();
        database.release();
        miss.join();
        refresh.join();
        assertThat(database.executions).hasValue(2);
        StepVerifier.create(cache.query(SQL).delaySubscription(Duration.ZERO)).expectNextCount(1).verifyComplete();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
