package dev.cacheaside.lettuce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.spi.InvalidatingStore;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The aggregation of the per-master tracking channels on Redis Cluster, with channels the test
 * drives (no server): what the engine's listener hears when channels confirm, fail, and when the
 * topology changes.
 */
class LettuceClusterTrackingTest {

    /** What the engine's listener heard, in order. */
    private final List<String> heard = new ArrayList<>();
    private final InvalidatingStore.Listener engine = new InvalidatingStore.Listener() {
        @Override
        public synchronized void invalidated(String key) {
            heard.add("invalidated " + key);
        }

        @Override
        public synchronized void forgetAll() {
            heard.add("forgetAll");
        }

        @Override
        public synchronized void tracking() {
            heard.add("tracking");
        }
    };
    /** The channels opened, by master; the latest one of each. */
    private final Map<String, InvalidatingStore.Listener> channels = new LinkedHashMap<>();
    private final List<String> closed = new ArrayList<>();
    private final LettuceClusterTracking tracking = new LettuceClusterTracking(
            LettuceStoreOptions.builder().cluster(List.of("127.0.0.1:1")).build(), "p:", engine,
            (master, report) -> {
                channels.put(master, report);
                return () -> {
                    closed.add(master);
                    report.forgetAll();
                    return CompletableFuture.completedFuture(null);
                };
            }, false);

    @AfterEach
    void close() throws Exception {
        tracking.close().get(10, TimeUnit.SECONDS);
    }

    private static RedisClusterNode node(int port, NodeFlag role, List<Integer> slots, NodeFlag... more) {
        EnumSet<NodeFlag> flags = EnumSet.of(role);
        flags.addAll(List.of(more));
        return new RedisClusterNode(RedisURI.create("127.0.0.1", port), "node" + port, true, null, 0, 0, 0,
                new ArrayList<>(slots), flags);
    }

    private static RedisClusterNode master(int port, int slot) {
        return node(port, NodeFlag.UPSTREAM, List.of(slot));
    }

    private List<String> heardSince(int from) {
        synchronized (engine) {
            return new ArrayList<>(heard.subList(from, heard.size()));
        }
    }

    @Test
    void trackingOnlyOnceEveryMasterConfirmedAndAnyLossForgetsAtOnce() {
        tracking.reconcile(List.of(master(7000, 1), master(7001, 2), master(7002, 3),
                node(7003, NodeFlag.REPLICA, List.of())), true);
        assertThat(channels.keySet()).as("one channel per master, none to the replica")
                .containsExactly("127.0.0.1:7000", "127.0.0.1:7001", "127.0.0.1:7002");
        int start = heard.size();
        channels.get("127.0.0.1:7000").tracking();
        channels.get("127.0.0.1:7001").tracking();
        assertThat(heardSince(start)).as("two of three confirmed").doesNotContain("tracking");
        channels.get("127.0.0.1:7002").tracking();
        assertThat(heardSince(start)).as("all three confirmed").containsExactly("tracking");

        channels.get("127.0.0.1:7001").invalidated("p:k");
        assertThat(heardSince(start)).as("a key's push passes through").endsWith("invalidated p:k");

        int lost = heard.size();
        channels.get("127.0.0.1:7001").forgetAll();
        assertThat(heardSince(lost)).as("one channel lost").containsExactly("forgetAll");
        channels.get("127.0.0.1:7000").tracking();
        assertThat(heardSince(lost)).as("another channel's confirmation while one is lost").containsExactly("forgetAll");
        channels.get("127.0.0.1:7001").tracking();
        assertThat(heardSince(lost)).as("the lost channel confirmed again").containsExactly("forgetAll", "tracking");

        int flushed = heard.size();
        channels.get("127.0.0.1:7002").forgetAll();
        channels.get("127.0.0.1:7002").tracking();
        assertThat(heardSince(flushed)).as("a push without keys (FLUSHALL) on one master").containsExactly("forgetAll", "tracking");
    }

    @Test
    void aFailoverReplacesTheDeadMastersChannelAndTrackingResumesWhenTheNewMasterConfirms() {
        tracking.reconcile(List.of(master(7000, 1), master(7001, 2), master(7002, 3)), true);
        InvalidatingStore.Listener dead = channels.get("127.0.0.1:7001");
        channels.values().forEach(InvalidatingStore.Listener::tracking);
        dead.forgetAll();
        int before = heard.size();
        // the topology after the failover: the old master failed without slots, its replica took them
        tracking.reconcile(List.of(master(7000, 1), node(7001, NodeFlag.UPSTREAM, List.of(), NodeFlag.FAIL),
                master(7005, 2), master(7002, 3)), true);
        assertThat(closed).as("the dead master's channel closed").containsExactly("127.0.0.1:7001");
        assertThat(channels).as("a channel to the new master").containsKey("127.0.0.1:7005");
        assertThat(heardSince(before)).as("the change forgets, and the new master has not confirmed").containsExactly("forgetAll");
        dead.tracking();
        assertThat(heardSince(before)).as("the closed channel's late confirmation is ignored").containsExactly("forgetAll");
        channels.get("127.0.0.1:7005").tracking();
        assertThat(heardSince(before)).as("the new master confirmed").containsExactly("forgetAll", "tracking");
        dead.forgetAll();
        assertThat(heardSince(before)).as("the closed channel's loss is ignored").containsExactly("forgetAll", "tracking");
    }

    @Test
    void whichNodesAreTracked() {
        assertThat(LettuceClusterTracking.isTracked(master(7000, 1))).as("a master with slots").isTrue();
        assertThat(LettuceClusterTracking.isTracked(node(7000, NodeFlag.UPSTREAM, List.of())))
                .as("a healthy master without slots (slots may move to it)").isTrue();
        assertThat(LettuceClusterTracking.isTracked(node(7000, NodeFlag.UPSTREAM, List.of(), NodeFlag.FAIL)))
                .as("a failed master without slots").isFalse();
        assertThat(LettuceClusterTracking.isTracked(node(7000, NodeFlag.UPSTREAM, List.of(1), NodeFlag.FAIL)))
                .as("a failed master that still holds slots (nobody else tracks them)").isTrue();
        assertThat(LettuceClusterTracking.isTracked(node(7000, NodeFlag.REPLICA, List.of()))).as("a replica").isFalse();
    }

    @Test
    void anUnchangedMasterSetKeepsServingAndClosingForgets() {
        tracking.reconcile(List.of(master(7000, 1), master(7001, 2)), true);
        channels.values().forEach(InvalidatingStore.Listener::tracking);
        int before = heard.size();
        tracking.reconcile(List.of(master(7000, 1), master(7001, 2)), false);
        assertThat(heardSince(before)).as("the same masters, no change reported").isEmpty();
        tracking.reconcile(List.of(master(7000, 2), master(7001, 1)), true);
        assertThat(heardSince(before)).as("slots moved between tracked masters").containsExactly("forgetAll", "tracking");
        assertThat(closed).as("no channel closed").isEmpty();
        tracking.close().join();
        assertThat(heardSince(before)).as("closed").endsWith("forgetAll");
        assertThat(closed).containsExactlyInAnyOrder("127.0.0.1:7000", "127.0.0.1:7001");
    }
}
