package dev.cacheaside.lettuce;

import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.testkit.StampedeContract;
import dev.cacheaside.testing.TestServers;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The stampede contract on Valkey ({@code VALKEY}, 6380): each engine instance has its own
 * {@link LettuceCacheStore} (own client and connection); TTLs are read back with {@code PTTL}.
 */
class ValkeyStampedeIT extends StampedeContract {

    private static String address;
    private static RedisTestSupport.Admin admin;

    @BeforeAll
    static void server() {
        address = TestServers.require("VALKEY", 6380);
        admin = new RedisTestSupport.Admin(address);
    }

    @AfterAll
    static void closeAdmin() {
        if (admin != null) {
            admin.close();
        }
    }

    @Override
    protected CacheStore createClient() {
        return LettuceCacheStore.create(RedisTestSupport.standalone(address).build());
    }

    @Override
    protected Duration serverTtl(String key) {
        return RedisTestSupport.ttlOf(key, admin.sync().pttl(key));
    }
}
