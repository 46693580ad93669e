package dev.cacheaside;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CompareAndSetStore;
import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.spi.TaggedStore;
import dev.cacheaside.testing.CountingQueryExecutor;
import dev.cacheaside.testing.InMemoryCacheStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * A cache hit does everything a hit must, though it takes the engine's shortest path: it asks the
 * circuit breaker and reports to it, is bounded by the cache timeout, serves stale entries while
 * refreshing them, refreshes early as XFetch decides, hands its breaker permit back when
 * cancelled, and reads with the subscriber's Context.
 */
class HitPathTest {

    static final String SQL = "SELECT * FROM airplane WHERE airplane_id = 3";
    static final Rows PLANE = Rows.of(List.of("airplane_id", "capacity"), List.<Object[]>of(new Object[] {3, 180}));

    /**
     * An in-memory store (not self-bounded, so the engine times its reads) whose reads the test
     * can slow down, hang, or watch; everything else goes straight to the memory.
     */
    static final class ShapedStore implements TaggedStore, CompareAndSetStore {
        final InMemoryCacheStore memory = new InMemoryCacheStore();
        /** Applied to every read; identity unless the test says otherwise. */
        volatile Function<Mono<?>, Mono<?>> reads = Function.identity();
        final AtomicInteger cancelledReads = new AtomicInteger();
        final List<ContextView> readContexts = new CopyOnWriteArrayList<>();

        void hangReads() {
            reads = read -> Mono.never().doOnCancel(cancelledReads::incrementAndGet);
        }

        @SuppressWarnings("unchecked")
        private <T> Mono<T> shaped(Mono<T> read) {
            return Mono.deferContextual(context -> {
                readContexts.add(context);
                return (Mono<T>) reads.apply(read);
            });
        }

        @Override
        public Mono<byte[]> get(String key) {
            return shaped(memory.get(key));
        }

        @Override
        public Mono<CacheLookup> getOrLease(String key, Duration leaseTtl) {
            return shaped(memory.getOrLease(key, leaseTtl));
        }

        @Override
        public Mono<Void> set(String key, byte[] value, Duration ttl) {
            return memory.set(key, value, ttl);
        }

        @Override
        public Mono<Boolean> delete(String key) {
            return memory.delete(key);
        }

        @Override
        public Mono<Boolean> fill(String key, String leaseToken, byte[] value, Duration ttl) {
            return memory.fill(key, leaseToken, value, ttl);
        }

        @Override
        public Mono<Boolean> replace(String key, byte[] expected, byte[] value, Duration ttl) {
            return memory.replace(key, expected, value, ttl);
        }

        @Override
        public Mono<Void> tag(java.util.Collection<String> tags, String key, Duration ttl) {
            return memory.tag(tags, key, ttl);
        }

        @Override
        public Mono<Long> invalidateTag(String tag) {
            return memory.invalidateTag(tag);
        }

        @Override
        public Mono<Void> closeAsync() {
            return memory.closeAsync();
        }
    }

    final ShapedStore store = new ShapedStore();
    final CountingQueryExecutor database = CountingQueryExecutor.answering(PLANE);
    final MutableClock clock = new MutableClock();

    private static QueryResult block(Mono<QueryResult> result) {
        return result.block(Duration.ofSeconds(10));
    }

    /** Opens the breaker with failed reads while the entry stays in the cache. */
    private void openTheBreaker(CacheAside cache) {
        store.memory.failReads(new IllegalStateException("Connection refused"));
        for (int i = 0; i < 10; i++) {
            block(cache.query(SQL));
        }
        store.memory.failReads(null);
        assertThat(cache.cacheCircuitState()).as("after 10 failed reads").isEqualTo("OPEN");
        assertThat(store.memory.peek(cache.keyFor(SQL))).as("the entry is still cached").isNotNull();
    }

    @Test
    void aHitAsksTheBreakerAndReportsItsSuccessToIt() {
        CacheAside cache = CacheAside.builder().database(database).cache(store)
                .options(CacheAsideOptions.builder().clock(clock).build()).build();
        assertThat(block(cache.query(SQL)).source()).isEqualTo(Source.CACHE_MISS);
        assertThat(block(cache.query(SQL)).source()).isEqualTo(Source.CACHE_HIT);
        openTheBreaker(cache);

        int reads = store.memory.reads.get();
        long rejections = cache.stats().breakerRejections();
        QueryResult whileOpen = block(cache.query(SQL));
        assertThat(whileOpen.source()).as("a cached entry is not read while the breaker is open").isEqualTo(Source.CACHE_MISS);
        assertThat(whileOpen.rows()).isEqualTo(PLANE);
        assertThat(store.memory.reads.get()).as("no read reached the cache").isEqualTo(reads);
        assertThat(cache.stats().breakerRejections()).isEqualTo(rejections + 1);

        clock.advance(Duration.ofMillis(2001));
        for (int i = 0; i < 3; i++) {
            assertThat(block(cache.query(SQL)).source()).as("half-open probe %d", i).isEqualTo(Source.CACHE_HIT);
        }
        assertThat(cache.cacheCircuitState()).as("three successful hits closed the breaker").isEqualTo("CLOSED");
        cache.close();
    }

    @Test
    void aHitSlowerThanTheCacheTimeoutIsAnsweredByTheDatabaseAndCountsAsAFailureOnTheBreaker() {
        VirtualTimeScheduler time = VirtualTimeScheduler.create();
        CacheAside cache = CacheAside.builder().database(database).cache(store)
                .options(CacheAsideOptions.builder().clock(clock).scheduler(time)
                        .nanoTime(() -> time.now(TimeUnit.NANOSECONDS)).cacheTimeout(Duration.ofMillis(100)).build())
                .build();
        assertThat(block(cache.query(SQL)).source()).isEqualTo(Source.CACHE_MISS);
        assertThat(block(cache.query(SQL)).source()).isEqualTo(Source.CACHE_HIT);
        store.reads = read -> read.delayElement(Duration.ofMillis(150), time);

        int timedOut = 0;
        while (cache.cacheCircuitState().equals("CLOSED") && timedOut < 20) {
            int i = timedOut;
            int loads = database.executions.get();
            CompletableFuture<QueryResult> pending = cache.query(SQL).toFuture();
            time.advanceTimeBy(Duration.ofMillis(99));
            assertThat(pending).as("query %d before the cache timeout", i).isNotDone();
            time.advanceTimeBy(Duration.ofMillis(1));
            QueryResult r = pending.getNow(null);
            assertThat(r).as("query %d answered at the cache timeout", i).isNotNull();
            assertThat(r.source()).isEqualTo(Source.CACHE_MISS);
            assertThat(r.rows()).isEqualTo(PLANE);
            assertThat(r.latency()).isEqualTo(Duration.ofMillis(100));
            assertThat(database.executions.get()).as("the database answered query %d", i).isEqualTo(loads + 1);
            // the late value arrives and is dropped
            time.advanceTimeBy(Duration.ofMillis(100));
            timedOut++;
        }
        assertThat(cache.cacheCircuitState()).as("timed-out reads opened the breaker").isEqualTo("OPEN");
        assertThat(timedOut).as("reads that timed out before it opened").isBetween(5, 10);
        assertThat(cache.stats().cacheReadErrors()).isEqualTo(timedOut);
        cache.close();
    }

    @Test
    void aStaleHitIsServedAtOnceAndRefreshedInTheBackground() {
        CacheAside cache = CacheAside.builder().database(database).cache(store)
                .options(CacheAsideOptions.builder().clock(clock).staleWhileRevalidate(Duration.ofHours(1))
                        .earlyRefreshBeta(0).build()).build();
        assertThat(block(cache.query(SQL, Duration.ofMinutes(1))).source()).isEqualTo(Source.CACHE_MISS);
        assertThat(block(cache.query(SQL, Duration.ofMinutes(1))).source()).as("fresh").isEqualTo(Source.CACHE_HIT);
        assertThat(database.executions).hasValue(1);

        clock.advance(Duration.ofMinutes(2));
        QueryResult stale = block(cache.query(SQL, Duration.ofMinutes(1)));
        assertThat(stale.source()).as("past its TTL, within the stale window").isEqualTo(Source.CACHE_STALE);
        assertThat(stale.rows()).isEqualTo(PLANE);
        awaitNoRefresh(cache);
        assertThat(database.executions).as("the stale hit started a refresh").hasValue(2);
        assertThat(cache.stats().staleHits()).isEqualTo(1);
        assertThat(block(cache.query(SQL, Duration.ofMinutes(1))).source()).as("fresh again").isEqualTo(Source.CACHE_HIT);
        cache.close();
    }

    @Test
    void aFreshHitNearItsExpiryIsRefreshedEarlyAsXFetchDecides() {
        AtomicLong nanos = new AtomicLong();
        // every load takes 10 s on the engine's clock
        QueryExecutor slow = new QueryExecutor() {
            @Override
            public Mono<Rows> execute(String sql, List<?> parameters) {
                return database.execute(sql, parameters).doOnNext(r -> nanos.addAndGet(10_000_000_000L));
            }

            @Override
            public Mono<Void> closeAsync() {
                return Mono.empty();
            }
        };
        CacheAside cache = CacheAside.builder().database(slow).cache(store)
                .options(CacheAsideOptions.builder().clock(clock).nanoTime(nanos::get).random(() -> 0.5)
                        .earlyRefreshBeta(1).ttlJitter(0).build()).build();
        assertThat(block(cache.query(SQL, Duration.ofMinutes(1))).source()).isEqualTo(Source.CACHE_MISS);
        // XFetch with beta 1, a 10 s load and a random draw of 0.5 refreshes within 10 s * ln 2 = 6.9 s of expiry
        clock.advance(Duration.ofSeconds(50));
        assertThat(block(cache.query(SQL, Duration.ofMinutes(1))).source()).isEqualTo(Source.CACHE_HIT);
        awaitNoRefresh(cache);
        assertThat(database.executions).as("10 s before expiry: no early refresh").hasValue(1);

        clock.advance(Duration.ofSeconds(5));
        assertThat(block(cache.query(SQL, Duration.ofMinutes(1))).source()).isEqualTo(Source.CACHE_HIT);
        awaitNoRefresh(cache);
        assertThat(database.executions).as("5 s before expiry: refreshed early").hasValue(2);
        cache.close();
    }

    @Test
    void cancellingAHitThatIsStillReadingHandsItsPermitBackToTheBreaker() {
        CacheAside cache = CacheAside.builder().database(database).cache(store)
                .options(CacheAsideOptions.builder().clock(clock).build()).build();
        assertThat(block(cache.query(SQL)).source()).isEqualTo(Source.CACHE_MISS);
        openTheBreaker(cache);
        clock.advance(Duration.ofMillis(2001));

        store.hangReads();
        List<Disposable> hung = List.of(cache.query(SQL).subscribe(), cache.query(SQL).subscribe(),
                cache.query(SQL).subscribe());
        long rejections = cache.stats().breakerRejections();
        assertThat(block(cache.query(SQL)).source()).as("the half-open breaker's 3 permits are taken")
                .isEqualTo(Source.CACHE_MISS);
        assertThat(cache.stats().breakerRejections()).isEqualTo(rejections + 1);

        hung.forEach(Disposable::dispose);
        assertThat(store.cancelledReads).as("each cancel reached the store's read").hasValue(3);
        store.reads = Function.identity();
        for (int i = 0; i < 3; i++) {
            assertThat(block(cache.query(SQL)).source()).as("probe %d after the cancels", i).isEqualTo(Source.CACHE_HIT);
        }
        assertThat(cache.cacheCircuitState()).isEqualTo("CLOSED");
        cache.close();
    }

    @Test
    void theReadOfAHitSeesTheSubscribersContext() {
        CacheAside cache = CacheAside.builder().database(database).cache(store).build();
        block(cache.query(SQL));
        store.readContexts.clear();
        QueryResult hit = block(cache.query(SQL).contextWrite(Context.of("trace", "t-42")));
        assertThat(hit.source()).isEqualTo(Source.CACHE_HIT);
        assertThat(hit.rows()).isEqualTo(PLANE);
        assertThat(store.readContexts).hasSize(1);
        assertThat(store.readContexts.get(0).getOrDefault("trace", "none")).isEqualTo("t-42");
        cache.close();
    }

    /** Waits, on the real clock, until no background refresh runs. */
    private static void awaitNoRefresh(CacheAside cache) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (cache.engine().refresher().inFlight() > 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(cache.engine().refresher().inFlight()).as("background refreshes still running").isZero();
    }
}
