package dev.cacheaside.lettuce;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.CacheAside;
import dev.cacheaside.CacheAsideOptions;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.testing.CountingQueryExecutor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The near tier refuses Redis Cluster, where this store does not track invalidations on every
 * node: starting it there fails with the reason instead of serving incoherent copies. No server
 * is needed: the store opens no connection before its first operation.
 */
class LettuceNearRefusalTest {

    @Test
    void aNearTierOnRedisClusterIsRefusedWithTheReason() {
        LettuceCacheStore store = LettuceCacheStore.create(LettuceStoreOptions.builder()
                .cluster(List.of("127.0.0.1:1", "127.0.0.1:2")).build());
        try {
            assertThatThrownBy(() -> CacheAside.builder()
                    .database(CountingQueryExecutor.answering(Rows.empty()))
                    .cache(store)
                    .options(CacheAsideOptions.builder().nearCache(true).build())
                    .build())
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("not supported on Redis Cluster")
                    .hasMessageContaining("every node's connection");
        } finally {
            store.close();
        }
    }
}
