package dev.cacheaside.lettuce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.TaggedStore;
import dev.cacheaside.testkit.CacheStoreContract;
import dev.cacheaside.testing.TestServers;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The store contract on a Redis Cluster ({@code REDIS_CLUSTER}: seeds on the given port and the
 * next two, 7000-7002 by default), where keys of one test land on different nodes.
 */
class LettuceCacheStoreClusterIT extends CacheStoreContract {

    private static List<String> seeds;

    @BeforeAll
    static void cluster() {
        String first = TestServers.require("REDIS_CLUSTER", 7000);
        String host = LettuceNodes.host(first);
        int port = LettuceNodes.port(first);
        seeds = List.of(host + ":" + port, host + ":" + (port + 1), host + ":" + (port + 2));
    }

    @Override
    protected CacheStore createStore() {
        return LettuceCacheStore.create(LettuceStoreOptions.builder()
                .cluster(seeds)
                .commandTimeout(RedisTestSupport.TEST_COMMAND_TIMEOUT)
                .build());
    }

    @Override
    protected boolean makeLeaseEternal(String key) {
        RedisClusterClient client = RedisClusterClient.create(RedisURI.create("redis://" + seeds.get(0)));
        try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
            return connection.sync().persist(key);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Override
    protected boolean writeRaw(String key, byte[] value) {
        RedisClusterClient client = RedisClusterClient.create(RedisURI.create("redis://" + seeds.get(0)));
        try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
            return "OK".equals(connection.sync().set(key, new String(value, java.nio.charset.StandardCharsets.ISO_8859_1)));
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /** The tag's PTTL read through a plain cluster connection (which follows the slot). */
    @Override
    protected Duration tagTtl(String tag) {
        RedisClusterClient client = RedisClusterClient.create(RedisURI.create("redis://" + seeds.get(0)));
        try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
            long pttl = connection.sync().pttl(tag);
            return pttl == -2 ? null : RedisTestSupport.ttlOf(tag, pttl);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Test
    void tagMembersOnEveryMasterAreInvalidated() {
        TaggedStore store = taggedStore();
        String tag = key("table:spread");
        Set<Integer> slotRanges = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            String k = key("tagged" + i);
            slotRanges.add(SlotHash.getSlot(k) * 3 / SlotHash.SLOT_COUNT);
            await(store.set(k, bytes("v" + i), Duration.ofMinutes(5)), "set " + k);
            await(store.tag(List.of(tag), k, Duration.ofMinutes(5)), "tag " + k);
        }
        assertThat(slotRanges).as("the members fall in each third of the slot space").hasSize(3);
        assertThat(await(store.invalidateTag(tag), "invalidateTag")).as("values removed across the cluster").isEqualTo(30L);
        for (int i = 0; i < 30; i++) {
            assertThat(await(store.get(key("tagged" + i)), "get " + i)).as("member %d after invalidateTag", i).isNull();
        }
    }

    @Test
    void keysOnEveryMasterAreStoredAndLeased() {
        CacheStore store = store();
        Set<Integer> slotRanges = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            String k = key("spread" + i);
            slotRanges.add(SlotHash.getSlot(k) * 3 / SlotHash.SLOT_COUNT);
            await(store.set(k, bytes("v" + i), Duration.ofMinutes(5)), "set " + k);
        }
        assertThat(slotRanges).as("the keys fall in each third of the slot space").hasSize(3);
        for (int i = 0; i < 30; i++) {
            assertThat(await(store.get(key("spread" + i)), "get " + i)).as("value %d", i).isEqualTo(bytes("v" + i));
            assertThat(await(store.delete(key("spread" + i)), "delete " + i)).as("delete %d", i).isTrue();
            assertThat(await(store.getOrLease(key("spread" + i), Duration.ofSeconds(30)), "getOrLease " + i).kind())
                    .as("lease after delete %d", i).isEqualTo(dev.cacheaside.spi.CacheLookup.Kind.LEASE_WON);
        }
    }
}
