package dev.cacheaside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.spi.Rows;
import dev.cacheaside.testing.CountingQueryExecutor;
import dev.cacheaside.testing.InMemoryCacheStore;
import dev.cacheaside.testing.TrackingCacheStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * The near tier: hot hits from process memory, exact through the store's invalidations. Each
 * test drives a store that reports changes as a tracking server would ({@link TrackingCacheStore})
 * and counts the reads that reach it, so a near hit is one that did not read.
 */
class NearTierTest {

    static final String SQL = "SELECT * FROM airplane WHERE airplane_id = 3";
    static final Rows PLANE = Rows.of(List.of("airplane_id", "capacity"), List.<Object[]>of(new Object[] {3, 180}));
    static final Rows BIGGER = Rows.of(List.of("airplane_id", "capacity"), List.<Object[]>of(new Object[] {3, 220}));

    final InMemoryCacheStore memory = new InMemoryCacheStore();
    final TrackingCacheStore store = TrackingCacheStore.over(memory);
    final AtomicInteger answer = new AtomicInteger();
    final CountingQueryExecutor database = new CountingQueryExecutor((sql, p) -> answer.get() == 0 ? PLANE : BIGGER);
    final MutableClock clock = new MutableClock();

    private CacheAside near(TrackingCacheStore s, CacheAsideOptions.Builder options) {
        return CacheAside.builder().database(database).cache(s)
                .options(options.clock(clock).nearCache(true).earlyRefreshBeta(0).build()).build();
    }

    private CacheAside near(TrackingCacheStore s) {
        return near(s, CacheAsideOptions.builder());
    }

    private static QueryResult block(Mono<QueryResult> result) {
        return result.block(Duration.ofSeconds(10));
    }

    /** A miss, then a remote hit that is kept near; returns the reads of the store so far. */
    private int warm(CacheAside cache) {
        assertThat(block(cache.query(SQL)).source()).as("first query").isEqualTo(Source.CACHE_MISS);
        QueryResult remote = block(cache.query(SQL));
        assertThat(remote.source()).as("second query").isEqualTo(Source.CACHE_HIT);
        assertThat(remote.fromNearTier()).as("the second query read the store").isFalse();
        return memory.reads.get();
    }

    @Test
    void aKeptEntryIsServedWithoutReadingTheStoreAndReportsItsTier() {
        CacheAside cache = near(store);
        store.listener().tracking();
        int reads = warm(cache);
        for (int i = 0; i < 5; i++) {
            QueryResult r = block(cache.query(SQL));
            assertThat(r.source()).as("near hit %d is a cache hit", i).isEqualTo(Source.CACHE_HIT);
            assertThat(r.fromNearTier()).as("near hit %d", i).isTrue();
            assertThat(r.rows()).isEqualTo(PLANE);
        }
        assertThat(memory.reads.get()).as("no near hit read the store").isEqualTo(reads);
        assertThat(cache.stats().hits()).as("near hits count as hits").isEqualTo(6);
        assertThat(cache.engine().counters().nearHits.sum()).isEqualTo(5);
        assertThat(cache.engine().nearSize()).isEqualTo(1);
        cache.close();
    }

    @Test
    void aSharedNearResultCannotBeChangedByACaller() {
        CacheAside cache = near(store);
        store.listener().tracking();
        warm(cache);
        QueryResult first = block(cache.query(SQL));
        assertThat(first.fromNearTier()).isTrue();
        List<Map<String, Object>> maps = first.rows().asMaps();
        assertThatThrownBy(() -> maps.get(0).put("capacity", 1)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> maps.remove(0)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> first.rows().columns().add("x")).isInstanceOf(UnsupportedOperationException.class);
        List<Plane> mapped = first.mapTo(Plane.class);
        mapped.clear();
        QueryResult second = block(cache.query(SQL));
        assertThat(second.fromNearTier()).isTrue();
        assertThat(second.rows()).as("what the next caller is served").isEqualTo(PLANE);
        assertThat(second.mapTo(Plane.class)).containsExactly(new Plane(3, 180));
        cache.close();
    }

    /** A row of {@link #PLANE}. */
    record Plane(int airplaneId, int capacity) {
    }

    @Test
    void nothingIsKeptOrServedBeforeTheStoreConfirmsTracking() {
        CacheAside cache = near(store);
        int reads = warm(cache);
        QueryResult r = block(cache.query(SQL));
        assertThat(r.fromNearTier()).as("tracking not confirmed").isFalse();
        assertThat(memory.reads.get()).isEqualTo(reads + 1);
        assertThat(cache.engine().nearSize()).isZero();
        cache.close();
    }

    @Test
    void anInvalidationBetweenTheReadsSendAndItsReplyKeepsNothing() {
        CacheAside cache = near(store);
        store.listener().tracking();
        assertThat(block(cache.query(SQL)).source()).isEqualTo(Source.CACHE_MISS);
        String key = cache.keyFor(SQL);
        AtomicInteger raced = new AtomicInteger();
        // the invalidation arrives after the read was sent and before its (old) value is handed over
        store.reads = read -> read.doOnNext(v -> {
            raced.incrementAndGet();
            store.listener().invalidated(key);
        });
        assertThat(block(cache.query(SQL)).fromNearTier()).isFalse();
        assertThat(raced).hasValue(1);
        assertThat(cache.engine().nearSize()).as("the value read before the change is not kept").isZero();
        store.reads = java.util.function.Function.identity();

        int reads = memory.reads.get();
        assertThat(block(cache.query(SQL)).fromNearTier()).as("the next query reads the store").isFalse();
        assertThat(memory.reads.get()).isEqualTo(reads + 1);
        assertThat(block(cache.query(SQL)).fromNearTier()).as("control: an undisturbed read is kept").isTrue();
        cache.close();
    }

    @Test
    void trackingLostBetweenTheReadsSendAndItsReplyKeepsNothingAndServesNothingUntilConfirmedAgain() {
        CacheAside cache = near(store);
        store.listener().tracking();
        assertThat(block(cache.query(SQL)).source()).isEqualTo(Source.CACHE_MISS);
        store.reads = read -> read.doOnNext(v -> store.listener().forgetAll());
        assertThat(block(cache.query(SQL)).fromNearTier()).isFalse();
        store.reads = java.util.function.Function.identity();
        assertThat(cache.engine().nearSize()).isZero();
        assertThat(block(cache.query(SQL)).fromNearTier()).as("still not tracking").isFalse();
        assertThat(cache.engine().nearSize()).as("nothing kept while not tracking").isZero();

        store.listener().tracking();
        assertThat(block(cache.query(SQL)).fromNearTier()).as("first read after tracking is back").isFalse();
        assertThat(block(cache.query(SQL)).fromNearTier()).isTrue();
        store.listener().forgetAll();
        assertThat(cache.engine().nearSize()).as("forgetting empties the tier at once").isZero();
        assertThat(block(cache.query(SQL)).fromNearTier()).isFalse();
        cache.close();
    }

    @Test
    void anInvalidationOrUpdateOnAnotherInstanceIsServedThereAtOnce() {
        CacheAside a = near(store);
        TrackingCacheStore otherView = store.another();
        CacheAside b = near(otherView);
        store.listener().tracking();
        otherView.listener().tracking();
        warm(a);
        assertThat(block(a.query(SQL)).fromNearTier()).isTrue();

        answer.set(1);
        assertThat(b.invalidate(SQL).block(Duration.ofSeconds(10))).isTrue();
        QueryResult after = block(a.query(SQL));
        assertThat(after.fromNearTier()).as("after an invalidation elsewhere").isFalse();
        assertThat(after.rows()).isEqualTo(BIGGER);

        assertThat(block(a.query(SQL)).fromNearTier()).as("the reloaded entry, read from the store").isFalse();
        assertThat(block(a.query(SQL)).fromNearTier()).isTrue();
        answer.set(0);
        assertThat(b.invalidateTable("airplane").block(Duration.ofSeconds(10))).isEqualTo(1L);
        QueryResult afterTable = block(a.query(SQL));
        assertThat(afterTable.fromNearTier()).as("after a table invalidation elsewhere").isFalse();
        assertThat(afterTable.rows()).isEqualTo(PLANE);
        a.close();
        b.close();
    }

    @Test
    void anEntryIsNotServedNearPastTheTimeTheStoreKeepsIt() {
        CacheAside cache = near(store, CacheAsideOptions.builder().staleWhileRevalidate(Duration.ofSeconds(30)));
        store.listener().tracking();
        assertThat(block(cache.query(SQL, Duration.ofMinutes(1))).source()).isEqualTo(Source.CACHE_MISS);
        assertThat(block(cache.query(SQL, Duration.ofMinutes(1))).fromNearTier()).isFalse();
        assertThat(block(cache.query(SQL, Duration.ofMinutes(1))).fromNearTier()).isTrue();

        clock.advance(Duration.ofSeconds(61));
        QueryResult stale = block(cache.query(SQL, Duration.ofMinutes(1)));
        assertThat(stale.source()).as("past its TTL, within the stale window: served stale, from near")
                .isEqualTo(Source.CACHE_STALE);
        clock.advance(Duration.ofSeconds(30));
        int reads = memory.reads.get();
        block(cache.query(SQL, Duration.ofMinutes(1)));
        assertThat(memory.reads.get()).as("past fresh time plus stale window the store is read").isGreaterThan(reads);
        cache.close();
    }

    @Test
    void theTierStaysWithinItsByteBound() {
        CacheAside cache = near(store, CacheAsideOptions.builder().nearCacheMaxBytes(1024));
        store.listener().tracking();
        for (int i = 0; i < 20; i++) {
            String sql = SQL + " AND capacity > " + i;
            block(cache.query(sql));
            block(cache.query(sql));
        }
        // each kept entry weighs at least the fixed overhead (160) plus twice its key: at most 4 fit
        assertThat(cache.engine().nearSize()).isBetween(1L, 4L);
        cache.close();
    }

    @Test
    void aStoreThatReportsNoInvalidationsIsRefusedWithTheReason() {
        assertThatThrownBy(() -> CacheAside.builder().database(database).cache(new InMemoryCacheStore())
                .options(CacheAsideOptions.builder().nearCache(true).build()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nearCache needs a cache store that reports invalidations")
                .hasMessageContaining("InMemoryCacheStore");
    }

    @Test
    void theOptionsAreCheckedAndOffByDefault() {
        assertThat(CacheAsideOptions.defaults().nearCache()).isFalse();
        assertThat(CacheAsideOptions.defaults().nearCacheMaxBytes()).isEqualTo(64L * 1024 * 1024);
        assertThatThrownBy(() -> CacheAsideOptions.builder().nearCacheMaxBytes(1000).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("nearCacheMaxBytes must be at least 1024, was 1000");
        CacheAsideOptions on = CacheAsideOptions.builder().nearCache(true).nearCacheMaxBytes(4096).build();
        assertThat(on.mutate().build().nearCache()).isTrue();
        assertThat(on.mutate().build().nearCacheMaxBytes()).isEqualTo(4096);
    }

    @Test
    void anInstanceReadsItsOwnInvalidationsWithoutWaitingForTheServersPush() {
        CacheAside cache = near(store);
        store.listener().tracking();
        store.pushes = false;
        warm(cache);
        assertThat(block(cache.query(SQL)).fromNearTier()).isTrue();
        answer.set(1);
        assertThat(cache.invalidate(SQL).block(Duration.ofSeconds(10))).isTrue();
        QueryResult afterKey = block(cache.query(SQL));
        assertThat(afterKey.fromNearTier()).as("after its own invalidate").isFalse();
        assertThat(afterKey.rows()).isEqualTo(BIGGER);

        block(cache.query(SQL));
        assertThat(block(cache.query(SQL)).fromNearTier()).as("kept again").isTrue();
        answer.set(0);
        assertThat(cache.invalidateTable("AIRPLANE").block(Duration.ofSeconds(10))).isEqualTo(1L);
        QueryResult afterTable = block(cache.query(SQL));
        assertThat(afterTable.fromNearTier()).as("after its own table invalidation").isFalse();
        assertThat(afterTable.rows()).isEqualTo(PLANE);
        assertThat(cache.engine().nearSize()).as("nothing kept from the read after the invalidation yet").isZero();
        cache.close();
    }
}
