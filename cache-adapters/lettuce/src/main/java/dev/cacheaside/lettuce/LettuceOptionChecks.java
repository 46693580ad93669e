package dev.cacheaside.lettuce;

import dev.cacheaside.lettuce.LettuceStoreOptions.Topology;
import java.nio.file.Files;
import java.time.Duration;

/**
 * The checks {@link LettuceStoreOptions.Builder#build()} runs on options whose nodes are already
 * checked: ranges, and settings that conflict. Each message names the setting and the value.
 */
final class LettuceOptionChecks {

    private LettuceOptionChecks() {
    }

    /** @throws IllegalArgumentException at the first value out of range or conflict */
    static void check(LettuceStoreOptions o) {
        Topology topology = o.topology();
        int database = o.database();
        if (topology == Topology.STANDALONE && o.nodes().size() != 1) {
            throw new IllegalArgumentException("a standalone server has exactly one node, got " + o.nodes());
        }
        if (topology == Topology.SENTINEL && (o.sentinelMaster() == null || o.sentinelMaster().isBlank())) {
            throw new IllegalArgumentException("sentinelMaster must be set for topology SENTINEL");
        }
        if (topology == Topology.CLUSTER && database != 0) {
            throw new IllegalArgumentException("database must be 0 for a cluster (Redis Cluster has only database 0), was " + database);
        }
        if (database < 0) {
            throw new IllegalArgumentException("database must not be negative, was " + database);
        }
        if (o.tlsCaFile() != null && !o.tls()) {
            throw new IllegalArgumentException("tlsCaFile (" + o.tlsCaFile() + ") is set but tls is off");
        }
        if (o.tlsCaFile() != null && !Files.isReadable(o.tlsCaFile())) {
            throw new IllegalArgumentException("tlsCaFile " + o.tlsCaFile() + " is not a readable file");
        }
        if (o.username() != null && !o.hasPassword()) {
            throw new IllegalArgumentException("username '" + o.username() + "' needs a password");
        }
        Duration commandTimeout = o.commandTimeout();
        Duration connectTimeout = o.connectTimeout();
        Duration max = LettuceStoreOptions.MAX_CONNECT_TIMEOUT;
        requirePositive("commandTimeout", commandTimeout);
        requirePositive("connectTimeout", connectTimeout);
        if (connectTimeout.compareTo(max) > 0) {
            throw new IllegalArgumentException("connectTimeout must be at most " + max + ", was " + connectTimeout);
        }
        if (commandTimeout.compareTo(max) > 0) {
            throw new IllegalArgumentException("commandTimeout must be at most " + max + ", was " + commandTimeout);
        }
        requirePositive("reconnectDelay min", o.reconnectDelayMin());
        requirePositive("topologyRefreshPeriod", o.topologyRefreshPeriod());
        if (o.reconnectDelayMax().compareTo(o.reconnectDelayMin()) < 0) {
            throw new IllegalArgumentException("reconnectDelay max (" + o.reconnectDelayMax()
                    + ") must not be shorter than min (" + o.reconnectDelayMin() + ")");
        }
        if (o.maxValueBytes() <= 0) {
            throw new IllegalArgumentException("maxValueBytes must be positive, was " + o.maxValueBytes());
        }
        if (o.requestQueueSize() <= 0) {
            throw new IllegalArgumentException("requestQueueSize must be positive, was " + o.requestQueueSize());
        }
    }

    private static void requirePositive(String name, Duration value) {
        if (value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
    }
}
