package dev.cacheaside.lettuce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.CacheAside;
import dev.cacheaside.CacheAsideOptions;
import dev.cacheaside.QueryResult;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.testing.CountingQueryExecutor;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The near tier on Redis Cluster starts (it was refused before the store tracked every master),
 * and while no master has confirmed tracking (here: no cluster answers at all) it keeps nothing:
 * every answer comes from the database. No server is needed.
 */
class LettuceNearClusterStartTest {

    @Test
    void aNearTierOnAnUnreachableClusterStartsAndServesNothingNear() {
        LettuceCacheStore store = LettuceCacheStore.create(LettuceStoreOptions.builder()
                .cluster(List.of("127.0.0.1:1", "127.0.0.1:2"))
                .connectTimeout(Duration.ofMillis(200)).commandTimeout(Duration.ofMillis(200))
                .reconnectDelay(Duration.ofMillis(50), Duration.ofMillis(200)).build());
        CountingQueryExecutor database = new CountingQueryExecutor((sql, p) ->
                Rows.of(List.of("n"), List.<Object[]>of(new Object[] {1L})));
        CacheAside cache = CacheAside.builder()
                .database(database)
                .cache(store)
                .options(CacheAsideOptions.builder().nearCache(true).cacheTimeout(Duration.ofMillis(300)).build())
                .build();
        try {
            for (int i = 0; i < 3; i++) {
                QueryResult r = cache.query("SELECT n FROM t").block(Duration.ofSeconds(10));
                assertThat(r.fromNearTier()).as("read %d from the near tier without tracking", i).isFalse();
            }
            assertThat(NearTrackingContract.nearSize(cache)).as("near entries kept without tracking").isZero();
        } finally {
            cache.close();
        }
    }
}
