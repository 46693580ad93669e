package dev.cacheaside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.CompareAndSetStore;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.spi.TaggedStore;
import dev.cacheaside.testing.CountingQueryExecutor;
import dev.cacheaside.testing.InMemoryCacheStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

class ResilienceTest {

    static final String SQL = "SELECT * FROM airport WHERE airport_id = 7";
    static final Rows AIRPORT = Rows.of(List.of("airport_id", "name"), List.<Object[]>of(new Object[] {7, "Frankfurt"}));

    /** A cache that accepts every call and never answers, as a hung server would. */
    static final class SilentStore implements TaggedStore, CompareAndSetStore {
        @Override
        public Mono<byte[]> get(String key) {
            return Mono.never();
        }

        @Override
        public Mono<Void> set(String key, byte[] value, Duration ttl) {
            return Mono.never();
        }

        @Override
        public Mono<Boolean> delete(String key) {
            return Mono.never();
        }

        @Override
        public Mono<CacheLookup> getOrLease(String key, Duration leaseTtl) {
            return Mono.never();
        }

        @Override
        public Mono<Boolean> fill(String key, String token, byte[] value, Duration ttl) {
            return Mono.never();
        }

        @Override
        public Mono<Boolean> replace(String key, byte[] expected, byte[] value, Duration ttl) {
            return Mono.never();
        }

        @Override
        public Mono<Void> tag(java.util.Collection<String> tags, String key, Duration ttl) {
            return Mono.never();
        }

        @Override
        public Mono<Long> invalidateTag(String tag) {
            return Mono.never();
        }

        @Override
        public Mono<Void> closeAsync() {
            return Mono.empty();
        }
    }

    @Test
    void aHungCacheCostsAtMostTheCacheTimeoutPerOperation() {
        CountingQueryExecutor database = CountingQueryExecutor.answering(AIRPORT);
        for (boolean leases : new boolean[] {true, false}) {
            VirtualTimeScheduler time = VirtualTimeScheduler.create();
            CacheAside cache = CacheAside.builder().database(database).cache(new SilentStore())
                    .options(CacheAsideOptions.builder().leases(leases).scheduler(time)
                            .nanoTime(() -> time.now(java.util.concurrent.TimeUnit.NANOSECONDS))
                            .cacheTimeout(Duration.ofMillis(100)).build()).build();
            StepVerifier.withVirtualTime(() -> cache.query(SQL), () -> time, Long.MAX_VALUE)
                    .expectSubscription()
                    .expectNoEvent(Duration.ofMillis(99))
                    .thenAwait(Duration.ofMillis(leases ? 1 : 101))
                    .assertNext(r -> {
                        assertThat(r.source()).isEqualTo(Source.CACHE_MISS);
                        assertThat(r.rows()).isEqualTo(AIRPORT);
                        assertThat(r.latency()).as("read timeout only: with leases the result is not written")
                                .isEqualTo(leases ? Duration.ofMillis(100) : Duration.ofMillis(200));
                    })
                    .expectComplete()
                    .verify(Duration.ofSeconds(10));
            assertThat(cache.stats().cacheReadErrors()).isEqualTo(1);
            assertThat(cache.engine().flights().size()).isZero();
        }
    }

    @Test
    void invalidateOnAHungCacheTriesTwiceThenErrorsWithinTheInvalidationTimeoutSayingTheEntryMayRemain() {
        Duration limit = Duration.ofMillis(1000);
        String[] key = new String[1];
        hungInvalidation(limit, cache -> {
            key[0] = cache.keyFor(SQL);
            return cache.invalidate(SQL);
        }, e -> assertThat(e).isInstanceOf(CacheInvalidationException.class)
                .hasMessageContaining(key[0])
                .hasMessageContaining("2 attempts within " + limit)
                .hasMessageContaining("may remain")
                .hasCauseInstanceOf(java.util.concurrent.TimeoutException.class));
        hungInvalidation(limit, cache -> cache.invalidateTable("airport"),
                e -> assertThat(e).isInstanceOf(CacheInvalidationException.class)
                        .hasMessageContaining("[airport]")
                        .hasMessageContaining("may be stale")
                        .satisfies(x -> assertThat(((CacheInvalidationException) x).rowsUpdated()).isEqualTo(-1)));
    }

    private static void hungInvalidation(Duration limit, java.util.function.Function<CacheAside, Mono<?>> call,
                                         java.util.function.Consumer<Throwable> check) {
        VirtualTimeScheduler time = VirtualTimeScheduler.create();
        CacheAside cache = CacheAside.builder().database(CountingQueryExecutor.answering(AIRPORT)).cache(new SilentStore())
                .options(CacheAsideOptions.builder().scheduler(time).nanoTime(() -> time.now(java.util.concurrent.TimeUnit.NANOSECONDS))
                        .cacheTimeout(Duration.ofMillis(100)).invalidationTimeout(limit).build()).build();
        StepVerifier.withVirtualTime(() -> call.apply(cache), () -> time, Long.MAX_VALUE)
                .expectSubscription()
                .expectNoEvent(limit.minusMillis(1))
                .thenAwait(Duration.ofMillis(1))
                .expectErrorSatisfies(check)
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void anInvalidationThatFailsOnceSucceedsOnItsRetry() {
        InMemoryCacheStore store = new InMemoryCacheStore();
        java.util.concurrent.atomic.AtomicInteger deletes = new java.util.concurrent.atomic.AtomicInteger();
        CacheStore failsFirst = new LeaseCleanupTest.Delegating(store) {
            @Override
            public Mono<Boolean> delete(String key) {
                return deletes.incrementAndGet() == 1 ? Mono.error(new IllegalStateException("connection reset")) : store.delete(key);
            }
        };
        CacheAside cache = CacheAside.builder().database(CountingQueryExecutor.answering(AIRPORT)).cache(failsFirst).build();
        cache.query(SQL).block(Duration.ofSeconds(10));
        assertThat(cache.invalidate(SQL).block(Duration.ofSeconds(10))).as("removed on the second attempt").isTrue();
        assertThat(deletes).as("one failed attempt, one retry").hasValue(2);
        assertThat(store.peek(cache.keyFor(SQL))).as("the entry is gone").isNull();
    }

    @Test
    void connectProbesUntilTheCacheAnswersOrTheTimeIsUp() {
        InMemoryCacheStore store = new InMemoryCacheStore();
        CacheAside cache = CacheAside.builder().database(CountingQueryExecutor.answering(AIRPORT)).cache(store).build();
        store.failReads(new IllegalStateException("connecting"));
        java.util.concurrent.CompletableFuture<Boolean> connected = cache.connect(Duration.ofSeconds(10)).toFuture();
        // the probes stop by the connect timeout: wait for three of them no longer than that
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (store.reads.get() < 3 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(store.reads.get()).as("probes within the connect timeout").isGreaterThanOrEqualTo(3);
        store.failReads(null);
        assertThat(connected.join()).as("answered once the store could").isTrue();
        assertThat(cache.cacheCircuitState()).as("probes do not count against the breaker").isEqualTo("CLOSED");

        VirtualTimeScheduler time = VirtualTimeScheduler.create();
        CacheAside silent = CacheAside.builder().database(CountingQueryExecutor.answering(AIRPORT)).cache(new SilentStore())
                .options(CacheAsideOptions.builder().scheduler(time)
                        .nanoTime(() -> time.now(java.util.concurrent.TimeUnit.NANOSECONDS)).build()).build();
        StepVerifier.withVirtualTime(() -> silent.connect(Duration.ofSeconds(5)), () -> time, Long.MAX_VALUE)
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(6))
                .expectNext(false)
                .expectComplete()
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void oversizedResultsAreReturnedButNotCached() {
        List<Object[]> many = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            many.add(new Object[] {i, "x".repeat(100)});
        }
        Rows big = Rows.of(List.of("id", "pad"), many);
        InMemoryCacheStore store = new InMemoryCacheStore();
        CacheAside cache = CacheAside.builder().database(CountingQueryExecutor.answering(big)).cache(store)
                .options(CacheAsideOptions.builder().maxEntryBytes(50_000).build()).build();
        StepVerifier.create(cache.query(SQL)).assertNext(r -> assertThat(r.rows().size()).isEqualTo(1000)).verifyComplete();
        assertThat(store.size()).isZero();
        assertThat(cache.stats().uncacheable()).isEqualTo(1);
        StepVerifier.create(cache.query(SQL))
                .assertNext(r -> assertThat(r.source()).as("not cached, and no lease left behind").isEqualTo(Source.CACHE_MISS))
                .verifyComplete();
    }

    @Test
    void nonSelectSqlIsRefusedAtTheCall() {
        CountingQueryExecutor database = CountingQueryExecutor.answering(AIRPORT);
        CacheAside cache = CacheAside.builder().database(database).cache(new InMemoryCacheStore()).build();
        assertThatThrownBy(() -> cache.query("UPDATE booking SET price = 0"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("UPDATE");
        assertThat(database.executions).hasValue(0);
    }

    @Test
    void statsCountWhatHappened() {
        InMemoryCacheStore store = new InMemoryCacheStore();
        CountingQueryExecutor database = CountingQueryExecutor.answering(AIRPORT);
        CacheAside cache = CacheAside.builder().database(database).cache(store).build();
        cache.query(SQL).block();
        cache.query(SQL).block();
        cache.query(SQL).block();
        store.failReads(new IllegalStateException("down"));
        cache.query(SQL).block();
        CacheAsideStats stats = cache.stats();
        assertThat(stats.hits()).isEqualTo(2);
        assertThat(stats.misses()).isEqualTo(2);
        assertThat(stats.databaseLoads()).isEqualTo(2);
        assertThat(stats.cacheReadErrors()).isEqualTo(1);
        assertThat(stats.hitRatio()).isEqualTo(0.5);
        assertThat(stats.loadsInFlight()).isZero();
    }
}
