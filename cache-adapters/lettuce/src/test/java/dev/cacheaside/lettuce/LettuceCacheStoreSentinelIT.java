package dev.cacheaside.lettuce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.testkit.CacheStoreContract;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The store contract through Redis Sentinel: this test starts its own primary and one Sentinel
 * watching it ({@link OwnSentinel}), and configures the store through the provider's variables
 * {@code CACHE_SENTINEL_MASTER} and {@code CACHE_NODES}.
 */
class LettuceCacheStoreSentinelIT extends CacheStoreContract {

    private static OwnSentinel own;

    @BeforeAll
    static void startPrimaryAndSentinel() throws IOException {
        own = OwnSentinel.start();
    }

    @AfterAll
    static void stopProcesses() throws InterruptedException {
        if (own != null) {
            own.close();
        }
    }

    @Override
    protected CacheStore createStore() {
        return own.store(Duration.ofSeconds(2));
    }

    @Override
    protected boolean makeLeaseEternal(String key) {
        try (RedisTestSupport.Admin admin = new RedisTestSupport.Admin(own.primaryAddress())) {
            return admin.sync().persist(key);
        }
    }

    @Override
    protected boolean writeRaw(String key, byte[] value) {
        try (RedisTestSupport.Admin admin = new RedisTestSupport.Admin(own.primaryAddress())) {
            return "OK".equals(admin.sync().set(key, new String(value, StandardCharsets.ISO_8859_1)));
        }
    }

    @Override
    protected Duration tagTtl(String tag) {
        try (RedisTestSupport.Admin admin = new RedisTestSupport.Admin(own.primaryAddress())) {
            long pttl = admin.sync().pttl(tag);
            return pttl == -2 ? null : RedisTestSupport.ttlOf(tag, pttl);
        }
    }

    @Test
    void theStoreTalksToThePrimaryNamedByTheSentinel() {
        CacheStore store = store();
        assertThat(((LettuceCacheStore) store).options().topology()).isEqualTo(LettuceStoreOptions.Topology.SENTINEL);
        await(store.set(key("via-sentinel"), bytes("v"), Duration.ofMinutes(1)), "set through Sentinel");
        assertThat(await(store.get(key("via-sentinel")), "get")).isEqualTo(bytes("v"));
    }
}
