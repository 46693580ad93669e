package dev.cacheaside.lettuce;

import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.testkit.StampedeContract;
import dev.cacheaside.testing.TestServers;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The stampede contract on a Redis Cluster ({@code REDIS_CLUSTER}: seeds on the given port
 * and the next two, 7000-7002 by default). Each engine instance has its own cluster client;
 * TTLs are read back with {@code PTTL} through a plain cluster connection, routed by slot.
 */
class RedisClusterStampedeIT extends StampedeContract {

    private static List<String> seeds;
    private static RedisClusterClient adminClient;
    private static StatefulRedisClusterConnection<String, String> admin;

    @BeforeAll
    static void cluster() {
        String first = TestServers.require("REDIS_CLUSTER", 7000);
        String host = LettuceNodes.host(first);
        int port = LettuceNodes.port(first);
        seeds = List.of(host + ":" + port, host + ":" + (port + 1), host + ":" + (port + 2));
        List<RedisURI> uris = new ArrayList<>();
        for (String seed : seeds) {
            uris.add(RedisURI.Builder.redis(LettuceNodes.host(seed), LettuceNodes.port(seed))
                    .withTimeout(Duration.ofSeconds(5)).build());
        }
        adminClient = RedisClusterClient.create(uris);
        admin = adminClient.connect();
    }

    @AfterAll
    static void closeAdmin() {
        if (admin != null) {
            admin.close();
        }
        if (adminClient != null) {
            adminClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Override
    protected CacheStore createClient() {
        return LettuceCacheStore.create(LettuceStoreOptions.builder()
                .cluster(seeds)
                .commandTimeout(RedisTestSupport.TEST_COMMAND_TIMEOUT)
                .build());
    }

    @Override
    protected Duration serverTtl(String key) {
        return RedisTestSupport.ttlOf(key, admin.sync().pttl(key));
    }
}
