package dev.cacheaside.store.memcached;

import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.store.CacheStoreContract;
import dev.cacheaside.testing.TestServers;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;

/**
 * The {@link CacheStoreContract} against two real memcached servers together ("MEMCACHED" on
 * 11211 and "MEMCACHED2" on 11212, see {@code scripts/services.sh}), so every case also runs
 * across the ketama ring.
 */
class MemcachedCacheStoreContractIT extends CacheStoreContract {

    private static String first;
    private static String second;

    @BeforeAll
    static void servers() {
        first = TestServers.require("MEMCACHED", 11211);
        second = TestServers.require("MEMCACHED2", 11212);
    }

    @Override
    protected CacheStore createStore() {
        return MemcachedCacheStore.create(MemcachedStoreOptions.builder()
                .servers(first + "," + second)
                .timeout(Duration.ofSeconds(2))
                .build());
    }

    /** Memcached counts TTLs in whole seconds on a clock that ticks once a second. */
    @Override
    protected Duration shortTtl() {
        return Duration.ofSeconds(2);
    }

    @Override
    protected Duration expiryPrecision() {
        return Duration.ofMillis(1100);
    }

    /** The store's default limit, for servers started with memcached's default {@code -I 1m}. */
    @Override
    protected int maxValueBytes() {
        return MemcachedStoreOptions.DEFAULT_MAX_VALUE_SIZE;
    }
}
