package dev.cacheaside.lettuce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.CacheAside;
import dev.cacheaside.testing.TestServers;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The near tier's proofs on the shared Redis Cluster ({@code REDIS_CLUSTER}: seeds on the given
 * port and the next two, 7000-7002 by default), where every store keeps one tracking connection
 * per master ({@link LettuceClusterTracking}) and the queries' keys fall on every master. Fewer
 * rounds than on the single servers (a fifth): the protocol per node is the same, what is proven
 * here is the aggregation over the masters. The contract's kill test kills every tracking
 * connection on the seed node only (one master of three). No server is restarted or flushed.
 */
class NearClusterIT extends NearTrackingContract {

    private static List<String> seeds;

    @BeforeAll
    static void cluster() {
        String first = TestServers.require("REDIS_CLUSTER", 7000);
        String host = LettuceNodes.host(first);
        int port = LettuceNodes.port(first);
        seeds = List.of(host + ":" + port, host + ":" + (port + 1), host + ":" + (port + 2));
    }

    @Override
    String address() {
        return seeds.get(0);
    }

    @Override
    LettuceCacheStore newStore() {
        return LettuceCacheStore.create(LettuceStoreOptions.builder().cluster(seeds)
                .commandTimeout(RedisTestSupport.TEST_COMMAND_TIMEOUT).build());
    }

    /**
     * 30 s: a cluster store opens more before its near tier serves (the topology, then a tracking
     * connection per master, and the data connection's topology and one connection per master);
     * under {@code stress-ng --cpu 2} beside the build, 10 s was once not enough.
     */
    @Override
    Duration trackingBound() {
        return Duration.ofSeconds(30);
    }

    @Override
    int rounds(String name, int standard) {
        return Math.max(1, super.rounds(name, standard) / 5);
    }

    /** The masters ({@code host:port}) and the slots each holds, as the cluster reports them now. */
    private static Map<String, Set<Integer>> masters() {
        RedisClusterClient client = RedisClusterClient.create(RedisURI.create("redis://" + seeds.get(0)));
        try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
            Map<String, Set<Integer>> masters = new LinkedHashMap<>();
            for (RedisClusterNode node : connection.getPartitions()) {
                if (node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.hasNoSlots()) {
                    masters.put(node.getUri().getHost() + ":" + node.getUri().getPort(), new HashSet<>(node.getSlots()));
                }
            }
            return masters;
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /** The ids of the tracking connections on {@code node}. */
    private static Set<Long> trackingIds(String node) {
        try (RedisTestSupport.Admin admin = new RedisTestSupport.Admin(node)) {
            Set<Long> ids = new HashSet<>();
            for (String line : admin.sync().clientList().split("\n")) {
                if (line.contains(" name=" + LettuceTracking.CLIENT_NAME + " ") && line.startsWith("id=")) {
                    ids.add(Long.parseLong(line.substring(3, line.indexOf(' '))));
                }
            }
            return ids;
        }
    }

    /** A query over table t whose key (on {@code c}) falls in {@code slots}. */
    private static String queryOn(CacheAside c, Set<Integer> slots, String tag) {
        for (int i = 0; i < 100_000; i++) {
            String sql = "SELECT version FROM t /* " + tag + " " + i + " */";
            if (slots.contains(SlotHash.getSlot(c.keyFor(sql)))) {
                return sql;
            }
        }
        throw new AssertionError("no query key found in the slots of " + tag);
    }

    /**
     * With tracking confirmed on every master, one master's tracking connection of instance a is
     * killed ({@code CLIENT KILL ID} on that node only): a's near tier forgets at once (its
     * entries on the other masters too), serves no stale value while that channel comes back, and
     * serves again once it has; then a change of a key owned by each master, made on instance b,
     * reaches a's near tier (no stale read), before and after the kill.
     */
    @Test
    void losingOneMastersTrackingForgetsEverythingUntilItConfirmsAndEveryMastersChangesArrive() {
        Map<String, Set<Integer>> masters = masters();
        assertThat(masters).as("the cluster's masters with slots").hasSize(3);
        List<String> nodes = new ArrayList<>(masters.keySet());
        String victim = nodes.get(1);
        Set<Long> before = trackingIds(victim);
        CacheAside a = instance();
        Set<Long> ofA = trackingIds(victim);
        ofA.removeAll(before);
        assertThat(ofA).as("a's tracking connection on %s", victim).hasSize(1);
        for (String node : nodes) {
            assertThat(trackingIds(node)).as("a tracking connection on master %s", node).isNotEmpty();
        }
        CacheAside b = instance();
        String tag = UUID.randomUUID().toString().substring(0, 8);
        List<String> queries = new ArrayList<>();
        for (String node : nodes) {
            queries.add(queryOn(a, masters.get(node), "master " + node + " " + tag));
        }

        // every master's change reaches a
        int stale = 0;
        for (String sql : queries) {
            assertThat(warmAndKept(a, sql)).as("kept near on a: %s", sql).isTrue();
            long next = version.incrementAndGet();
            b.invalidate(sql).block(Duration.ofSeconds(10));
            if (untilServed(a, sql, next, PROPAGATION) < 0) {
                stale++;
            }
        }
        assertThat(stale).as("queries on some master still served stale on a after b's invalidation").isZero();

        // lose one master's channel: everything is forgotten, not only that master's keys
        for (String sql : queries) {
            assertThat(warmAndKept(a, sql)).as("kept near on a before the kill: %s", sql).isTrue();
        }
        long nearBefore = nearSize(a);
        assertThat(nearBefore).as("a's near entries before the kill").isGreaterThanOrEqualTo(queries.size());
        long killedId = ofA.iterator().next();
        try (RedisTestSupport.Admin admin = new RedisTestSupport.Admin(victim)) {
            assertThat(admin.sync().clientKill(KillArgs.Builder.id(killedId))).as("a's tracking connection on %s killed", victim)
                    .isEqualTo(1);
        }
        assertThat(RedisTestSupport.waitFor(PROPAGATION, () -> nearSize(a) == 0))
                .as("a's near tier emptied, entries of the other masters too").isTrue();
        // changes on every master while a's channel to the victim is down or coming back
        long next = version.incrementAndGet();
        for (String sql : queries) {
            b.invalidate(sql).block(Duration.ofSeconds(10));
        }
        for (String sql : queries) {
            assertThat(versionOf(get(a, sql))).as("no stale value after the kill: %s", sql).isEqualTo(next);
        }
        assertThat(RedisTestSupport.waitFor(Duration.ofSeconds(20), () -> tracking(a)))
                .as("a's near tier serves again once the channel is back").isTrue();
        Set<Long> now = trackingIds(victim);
        assertThat(now).as("the killed connection is gone").doesNotContain(killedId);

        // after the recovery, every master's change reaches a again
        for (String sql : queries) {
            assertThat(warmAndKept(a, sql)).as("kept near on a after the recovery: %s", sql).isTrue();
            long last = version.incrementAndGet();
            b.invalidate(sql).block(Duration.ofSeconds(10));
            if (untilServed(a, sql, last, PROPAGATION) < 0) {
                stale++;
            }
        }
        assertThat(stale).as("stale reads after the recovery").isZero();
    }
}
