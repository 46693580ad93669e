package com.example.hazelcast;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.EntryView;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import java.time.Duration;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A Hazelcast member started in this JVM for the tests: a cluster of its own (random name), on
 * the loopback interface, with every way of joining others (multicast, TCP/IP, discovery) off,
 * so it needs no server and finds no other member.
 */
final class EmbeddedMember {

    /** Hazelcast logs through java.util.logging; kept here so the level is not garbage-collected. */
    private static final Logger HAZELCAST_LOG = Logger.getLogger("com.hazelcast");

    private EmbeddedMember() {
    }

    static HazelcastInstance start() {
        HAZELCAST_LOG.setLevel(Level.WARNING);
        Config config = new Config();
        config.setClusterName("cache-aside-contract-" + UUID.randomUUID());
        config.setProperty("hazelcast.logging.type", "jdk");
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.socket.bind.any", "false");
        config.getJetConfig().setEnabled(false);
        NetworkConfig network = config.getNetworkConfig();
        network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        return Hazelcast.newHazelcastInstance(config);
    }

    /** What the member says is left of {@code key}'s TTL in {@code map}, or {@code null} when absent. */
    static Duration ttlOf(HazelcastInstance member, String map, String key) {
        EntryView<String, Object> view = member.<String, Object>getMap(map).getEntryView(key);
        if (view == null || view.getExpirationTime() == Long.MAX_VALUE) {
            return null;
        }
        return Duration.ofMillis(view.getExpirationTime() - System.currentTimeMillis());
    }
}
