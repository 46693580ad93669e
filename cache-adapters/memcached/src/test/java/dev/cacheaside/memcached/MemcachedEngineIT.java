package dev.cacheaside.memcached;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.CacheAside;
import dev.cacheaside.CacheAsideOptions;
import dev.cacheaside.QueryResult;
import dev.cacheaside.Source;
import dev.cacheaside.env.CacheStoreProvider;
import dev.cacheaside.env.Settings;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.testing.CountingQueryExecutor;
import dev.cacheaside.testing.TestServers;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The engine on the memcached store, created as a user would: through the provider and settings. */
class MemcachedEngineIT {

    private static final Duration STEP = Duration.ofSeconds(10);
    private static String nodes;

    @BeforeAll
    static void servers() {
        nodes = TestServers.require("MEMCACHED", 11211) + "," + TestServers.require("MEMCACHED2", 11212);
    }

    private static CacheStore storeFromSettings() {
        CacheStoreProvider provider = ServiceLoader.load(CacheStoreProvider.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p.engines().contains("memcached"))
                .findFirst().orElseThrow(() -> new AssertionError("no provider for memcached"));
        return provider.create("memcached", Settings.of(Map.of("CACHE_ENGINE", "memcached", "CACHE_NODES", nodes,
                "CACHE_TIMEOUT", "2s")));
    }

    @Test
    void missThenHitThenInvalidate() {
        Rows rows = Rows.of(List.of("id", "price", "name"),
                List.<Object[]>of(new Object[] {1, new BigDecimal("12.50"), "first"}, new Object[] {2, null, "second"}));
        CountingQueryExecutor db = CountingQueryExecutor.answering(rows);
        String sql = "SELECT id, price, name FROM item WHERE tag = ? /* " + UUID.randomUUID() + " */";
        // the engine's cache timeout is the store's (2 s): the test is about the flow, and a busy
        // machine's first calls on a new connection may take longer than the 250 ms default
        // (a cache call past its timeout is a miss by design, see CacheFaultIT)
        CacheAsideOptions options = CacheAsideOptions.builder().cacheTimeout(Duration.ofSeconds(2)).build();
        try (CacheAside cache = CacheAside.builder().database(db).cache(storeFromSettings()).options(options).build()) {
            QueryResult first = cache.query(sql, "x").block(STEP);
            assertThat(first.source()).as("first query").isEqualTo(Source.CACHE_MISS);
            QueryResult second = cache.query(sql, "x").block(STEP);
            assertThat(second.source()).as("second query").isEqualTo(Source.CACHE_HIT);
            assertThat(second.rows()).as("rows read back from memcached").isEqualTo(rows);
            assertThat(db.executions.get()).as("database executions").isEqualTo(1);

            assertThat(cache.invalidate(sql, "x").block(STEP)).as("invalidate a cached query").isTrue();
            assertThat(cache.query(sql, "x").block(STEP).source()).as("query after invalidate").isEqualTo(Source.CACHE_MISS);
            assertThat(db.executions.get()).as("database executions after invalidate").isEqualTo(2);
        }
    }
}
