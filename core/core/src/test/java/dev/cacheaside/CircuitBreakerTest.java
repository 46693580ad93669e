package dev.cacheaside;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.spi.Rows;
import dev.cacheaside.testing.CountingQueryExecutor;
import dev.cacheaside.testing.InMemoryCacheStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {

    static final String SQL = "SELECT * FROM airplane WHERE airplane_id = 3";
    static final String BY_ID = "SELECT * FROM airplane WHERE airplane_id = ?";
    static final Rows PLANE = Rows.of(List.of("airplane_id", "capacity"), List.<Object[]>of(new Object[] {3, 180}));

    final InMemoryCacheStore store = new InMemoryCacheStore();
    final CountingQueryExecutor database = CountingQueryExecutor.answering(PLANE);
    final MutableClock clock = new MutableClock();
    final CacheAside cache = CacheAside.builder().database(database).cache(store)
            .options(CacheAsideOptions.builder().clock(clock).build()).build();

    @Test
    void aDeadCacheOpensTheBreakerAndProbesFindItAgain() {
        store.failReads(new IllegalStateException("Connection refused"));
        for (int i = 0; i < 10; i++) {
            assertThat(cache.query(SQL).block().source()).isEqualTo(Source.CACHE_MISS);
        }
        assertThat(cache.cacheCircuitState()).as("after 10 failed reads").isEqualTo("OPEN");
        int readsWhenOpened = store.reads.get();
        for (int i = 0; i < 50; i++) {
            QueryResult r = cache.query(SQL).block();
            assertThat(r.rows()).as("answered by the database while open").isEqualTo(PLANE);
        }
        assertThat(store.reads.get()).as("no cache call while the breaker is open").isEqualTo(readsWhenOpened);
        assertThat(cache.stats().breakerRejections()).isEqualTo(50);

        store.failReads(null);
        clock.advance(Duration.ofMillis(2001));
        // half-open: three probes reach the cache, succeed, and close the breaker
        for (int i = 0; i < 3; i++) {
            cache.query(SQL).block();
        }
        assertThat(cache.cacheCircuitState()).isEqualTo("CLOSED");
        assertThat(cache.query(SQL).block().source()).as("hits resume by themselves").isEqualTo(Source.CACHE_HIT);
    }

    @Test
    void theBreakerCanBeTurnedOff() {
        CacheAside plain = CacheAside.builder().database(database).cache(store)
                .options(CacheAsideOptions.builder().circuitBreaker(null).build()).build();
        store.failReads(new IllegalStateException("down"));
        for (int i = 0; i < 30; i++) {
            plain.query(SQL).block();
        }
        assertThat(plain.cacheCircuitState()).isEqualTo("DISABLED");
        assertThat(store.reads.get()).as("every query tried the cache").isEqualTo(30);
    }

    @Test
    void metricsCountResultsAndTimeTheCalls() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CacheAsideMetrics.bind(cache, registry, "airport");
        cache.query(SQL).block();
        cache.query(SQL).block();
        cache.query(SQL).block();
        assertThat(registry.get("cacheaside.results").tag("source", "hit").functionCounter().count()).isEqualTo(2);
        assertThat(registry.get("cacheaside.results").tag("source", "miss").functionCounter().count()).isEqualTo(1);
        assertThat(registry.get("cacheaside.database.time").tag("name", "airport").timer().count()).isEqualTo(1);
        assertThat(registry.get("cacheaside.cache.time").tag("operation", "read").timer().count()).isEqualTo(3);
        assertThat(registry.get("cacheaside.cache.time").tag("operation", "write").timer().count()).isEqualTo(1);
        assertThat(registry.get("cacheaside.cache.circuit").gauge().value()).isZero();
        assertThat(registry.get("cacheaside.loads.in.flight").gauge().value()).isZero();
        store.failReads(new IllegalStateException("down"));
        cache.query(SQL).block();
        assertThat(registry.get("cacheaside.cache.errors").tag("kind", "read").functionCounter().count()).isEqualTo(1);
        assertThat(registry.get("cacheaside.cache.time").tag("operation", "read").tag("outcome", "error").timer().count())
                .isEqualTo(1);
    }

    /**
     * The breaker protects reads; an invalidation refused by it would leave the caller unsure
     * whether stale data remains. With the breaker opened by failed reads, every invalidation
     * still reaches the cache and succeeds while the cache accepts writes.
     */
    @Test
    void invalidationsBypassAnOpenBreaker() {
        store.failReads(new IllegalStateException("read timed out"));
        for (int i = 0; i < 10; i++) {
            cache.query(SQL).block(Duration.ofSeconds(10));
        }
        assertThat(cache.cacheCircuitState()).as("after 10 failed reads").isEqualTo("OPEN");
        int deletesBefore = store.deletes.get();
        int failed = 0;
        for (int i = 0; i < 200; i++) {
            try {
                cache.invalidate(BY_ID, i).block(Duration.ofSeconds(10));
            } catch (RuntimeException e) {
                failed++;
            }
        }
        assertThat(failed).as("invalidations failed while the cache accepted deletes").isZero();
        assertThat(store.deletes.get() - deletesBefore).as("each invalidation reached the cache once").isEqualTo(200);
        assertThat(cache.cacheCircuitState()).as("reads stay protected").isEqualTo("OPEN");
    }

    @Test
    void anInvalidationOfADeadCacheFailsAfterOneRetrySayingTheEntryMayRemain() {
        store.failWrites(new IllegalStateException("Connection refused"));
        int deletesBefore = store.deletes.get();
        for (int i = 0; i < 20; i++) {
            int id = i;
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> cache.invalidate(BY_ID, id).block(Duration.ofSeconds(10)))
                    .isInstanceOf(CacheInvalidationException.class)
                    .hasMessageContaining(cache.keyFor(BY_ID, id))
                    .hasMessageContaining("2 attempts")
                    .hasMessageContaining("may remain")
                    .hasRootCauseMessage("Connection refused");
        }
        assertThat(store.deletes.get() - deletesBefore).as("each tried twice, never refused by the breaker").isEqualTo(40);
        assertThat(cache.stats().breakerRejections()).isZero();
    }
}
