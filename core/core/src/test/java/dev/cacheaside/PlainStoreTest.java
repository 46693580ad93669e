package dev.cacheaside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.spi.Rows;
import dev.cacheaside.testing.CountingQueryExecutor;
import dev.cacheaside.testing.PlainCacheStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The engine over a store with the essential operations only: without tags nothing is
 * registered and invalidation by table fails saying so; without a compare-and-set a stale entry
 * is served and left as it is. (Without a bound of its own every call gets the engine's timer:
 * {@code ResilienceTest} and {@code GuardedStoreTest}.)
 */
class PlainStoreTest {

    static final String SQL = "SELECT * FROM airport WHERE airport_id = 1";
    static final Rows AIRPORT = Rows.of(List.of("airport_id", "iata"), List.<Object[]>of(new Object[] {1, "FRA"}));

    final PlainCacheStore store = new PlainCacheStore();
    final CountingQueryExecutor database = CountingQueryExecutor.answering(AIRPORT);

    @Test
    void withoutTagsQueriesAreCachedAndInvalidationByTableFailsSayingTheStoreHasNone() {
        CacheAside cache = CacheAside.builder().database(database).cache(store).build();
        assertThat(cache.query(SQL).block(Duration.ofSeconds(10)).source()).isEqualTo(Source.CACHE_MISS);
        assertThat(cache.query(SQL).block(Duration.ofSeconds(10)).source()).as("cached without tags")
                .isEqualTo(Source.CACHE_HIT);
        assertThat(store.memory.tagCalls).as("registrations reaching the store").hasValue(0);

        assertThatThrownBy(() -> cache.invalidateTable("airport").block(Duration.ofSeconds(10)))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessage(PlainCacheStore.class.getName() + " has no tags, so queries cannot be invalidated by table");
        assertThat(cache.query(SQL).block(Duration.ofSeconds(10)).source()).as("the entry is untouched")
                .isEqualTo(Source.CACHE_HIT);
        assertThat(cache.invalidate(SQL).block(Duration.ofSeconds(10))).as("a key is still invalidated by itself").isTrue();
        assertThat(database.executions).as("one load before the key's invalidation").hasValue(1);
        cache.close();
    }

    @Test
    void withoutCompareAndSetAStaleEntryIsServedAndLeftAsItIs() {
        MutableClock clock = new MutableClock();
        CacheAside cache = CacheAside.builder().database(database).cache(store)
                .options(CacheAsideOptions.builder().clock(clock).staleWhileRevalidate(Duration.ofHours(1))
                        .earlyRefreshBeta(0).build()).build();
        assertThat(cache.query(SQL, Duration.ofMinutes(1)).block(Duration.ofSeconds(10)).source()).isEqualTo(Source.CACHE_MISS);
        byte[] stored = store.memory.peek(cache.keyFor(SQL));
        int writes = store.memory.writes.get();
        clock.advance(Duration.ofMinutes(2));

        for (int i = 0; i < 3; i++) {
            QueryResult stale = cache.query(SQL, Duration.ofMinutes(1)).block(Duration.ofSeconds(10));
            assertThat(stale.source()).as("past the TTL, within the stale window (query %d)", i).isEqualTo(Source.CACHE_STALE);
            assertThat(stale.rows()).isEqualTo(AIRPORT);
        }
        // a refresh would run in the background: give one the time to reach the database
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (database.executions.get() == 1 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(cache.engine().refresher().inFlight()).as("refreshes running").isZero();
        assertThat(database.executions).as("no refresh asked the database").hasValue(1);
        assertThat(store.memory.writes).as("writes reaching the store after the fill").hasValue(writes);
        assertThat(store.memory.peek(cache.keyFor(SQL))).as("the entry as it was stored").isEqualTo(stored);
        cache.close();
    }
}
