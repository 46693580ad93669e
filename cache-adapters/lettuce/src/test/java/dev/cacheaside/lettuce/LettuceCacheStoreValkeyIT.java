package dev.cacheaside.lettuce;

import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.testkit.CacheStoreContract;
import dev.cacheaside.testing.TestServers;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;

/** The store contract on Valkey ({@code VALKEY}, 6380). */
class LettuceCacheStoreValkeyIT extends CacheStoreContract {

    private static String address;

    @BeforeAll
    static void server() {
        address = TestServers.require("VALKEY", 6380);
    }

    @Override
    protected CacheStore createStore() {
        return LettuceCacheStore.create(RedisTestSupport.standalone(address).build());
    }

    @Override
    protected boolean makeLeaseEternal(String key) {
        try (RedisTestSupport.Admin admin = new RedisTestSupport.Admin(address)) {
            return admin.sync().persist(key);
        }
    }

    @Override
    protected boolean writeRaw(String key, byte[] value) {
        try (RedisTestSupport.Admin admin = new RedisTestSupport.Admin(address)) {
            return "OK".equals(admin.sync().set(key, new String(value, java.nio.charset.StandardCharsets.ISO_8859_1)));
        }
    }

    @Override
    protected Duration tagTtl(String tag) {
        try (RedisTestSupport.Admin admin = new RedisTestSupport.Admin(address)) {
            long pttl = admin.sync().pttl(tag);
            return pttl == -2 ? null : RedisTestSupport.ttlOf(tag, pttl);
        }
    }
}
