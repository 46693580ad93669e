package dev.cacheaside.lettuce;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Options of a {@link LettuceCacheStore}: where the servers are, how to authenticate, and the
 * client's failure behaviour (timeouts, queue bound, reconnect delays).
 *
 * <p>Immutable and thread safe; build with {@link #builder()}. A builder is reusable and checks
 * its values in {@link Builder#build()}, with messages naming the setting and the value. The
 * password never appears in {@link #toString()} or in any message.
 *
 * <h2>Topologies</h2>
 * <ul>
 *   <li>{@link Topology#STANDALONE}: one server (the only node).
 *   <li>{@link Topology#SENTINEL}: the nodes are Sentinels that name the current primary of
 *       {@link #sentinelMaster()}; Lettuce asks them again after a failover.
 *   <li>{@link Topology#CLUSTER}: the nodes are seeds of a Redis Cluster; Lettuce discovers the
 *       rest and follows the topology.
 * </ul>
 */
public final class LettuceStoreOptions {

    /** How the servers are laid out. */
    public enum Topology {
        /** One server. */
        STANDALONE,
        /** A primary found through Redis Sentinel. */
        SENTINEL,
        /** A Redis Cluster (or Valkey cluster). */
        CLUSTER
    }

    /** The default host: {@code localhost}. */
    public static final String DEFAULT_HOST = "localhost";
    /** The default port of a server: 6379. */
    public static final int DEFAULT_PORT = 6379;
    /** The default port of a Sentinel: 26379. */
    public static final int DEFAULT_SENTINEL_PORT = 26379;
    /**
     * The default command timeout: 250 ms. A cache that is slower than this is worse than a
     * miss, so a command that has no answer by then fails and the engine goes to the database.
     */
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMillis(250);
    /**
     * The default connect timeout: 5 seconds. It bounds opening one connection: TCP connect, TLS
     * handshake and the Redis handshake ({@code HELLO}/{@code AUTH}, {@code SELECT}, {@code PING}),
     * which under CPU load can take far longer than a command.
     */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** The longest connect timeout accepted: 1 day (the client keeps it as {@code int} milliseconds). */
    public static final Duration MAX_CONNECT_TIMEOUT = Duration.ofDays(1);
    /**
     * The default bound on commands queued on one connection: 16384. When it is reached, a new
     * command fails at once instead of adding to a backlog (and to memory).
     */
    public static final int DEFAULT_REQUEST_QUEUE_SIZE = 16_384;
    /** The default first reconnect delay: 50 ms. */
    public static final Duration DEFAULT_RECONNECT_DELAY_MIN = Duration.ofMillis(50);
    /** The default longest reconnect delay: 5 seconds. */
    public static final Duration DEFAULT_RECONNECT_DELAY_MAX = Duration.ofSeconds(5);
    /** The default period of the cluster topology refresh: 30 seconds. */
    public static final Duration DEFAULT_TOPOLOGY_REFRESH_PERIOD = Duration.ofSeconds(30);

    /**
     * Default largest value: 1 MiB, {@code CacheAsideOptions.DEFAULT_MAX_ENTRY_BYTES}, so the
     * store reads every entry the engine writes by default.
     */
    public static final int DEFAULT_MAX_VALUE_BYTES = dev.cacheaside.CacheAsideOptions.DEFAULT_MAX_ENTRY_BYTES;

    private final Topology topology;
    private final List<String> nodes;
    private final String sentinelMaster;
    private final String username;
    private final char[] password;
    private final char[] sentinelPassword;
    private final boolean tls;
    private final Path tlsCaFile;
    private final int database;
    private final Duration commandTimeout;
    private final Duration connectTimeout;
    private final int requestQueueSize;
    private final Duration reconnectDelayMin;
    private final Duration reconnectDelayMax;
    private final Duration topologyRefreshPeriod;
    private final int maxValueBytes;

    private LettuceStoreOptions(Builder b, List<String> nodes) {
        this.topology = b.topology;
        this.nodes = nodes;
        this.sentinelMaster = b.sentinelMaster;
        this.username = b.username;
        this.password = b.password == null ? null : b.password.clone();
        this.sentinelPassword = b.sentinelPassword == null ? null : b.sentinelPassword.clone();
        this.tls = b.tls;
        this.tlsCaFile = b.tlsCaFile;
        this.database = b.database;
        this.commandTimeout = b.commandTimeout;
        this.connectTimeout = b.connectTimeout;
        this.requestQueueSize = b.requestQueueSize;
        this.reconnectDelayMin = b.reconnectDelayMin;
        this.reconnectDelayMax = b.reconnectDelayMax;
        this.topologyRefreshPeriod = b.topologyRefreshPeriod;
        this.maxValueBytes = b.maxValueBytes;
    }

    /** A builder for one server at {@code localhost:6379}, with the default timeouts. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options. */
    public Builder mutate() {
        Builder b = new Builder();
        b.topology = topology;
        b.nodes = new ArrayList<>(nodes);
        b.sentinelMaster = sentinelMaster;
        b.username = username;
        b.password = password == null ? null : password.clone();
        b.sentinelPassword = sentinelPassword == null ? null : sentinelPassword.clone();
        b.tls = tls;
        b.tlsCaFile = tlsCaFile;
        b.database = database;
        b.commandTimeout = commandTimeout;
        b.connectTimeout = connectTimeout;
        b.requestQueueSize = requestQueueSize;
        b.reconnectDelayMin = reconnectDelayMin;
        b.reconnectDelayMax = reconnectDelayMax;
        b.topologyRefreshPeriod = topologyRefreshPeriod;
        b.maxValueBytes = maxValueBytes;
        return b;
    }

    /** The layout of the servers. */
    public Topology topology() {
        return topology;
    }

    /** The nodes as {@code host:port}: the server, the Sentinels, or the cluster seeds. */
    public List<String> nodes() {
        return nodes;
    }

    /** The Sentinel master name, or {@code null} outside {@link Topology#SENTINEL}. */
    public String sentinelMaster() {
        return sentinelMaster;
    }

    /** The ACL user name, or {@code null} for the default user. */
    public String username() {
        return username;
    }

    /** Whether a password is set (the password itself is never exposed). */
    public boolean hasPassword() {
        return password != null;
    }

    char[] password() {
        return password == null ? null : password.clone();
    }

    char[] sentinelPassword() {
        return sentinelPassword == null ? null : sentinelPassword.clone();
    }

    /** Whether connections use TLS, verifying the server's certificate and host name. */
    public boolean tls() {
        return tls;
    }

    /**
     * The PEM file of the certificates (CA or self-signed) that server certificates must chain
     * to, or {@code null} for the JVM's default trust store.
     */
    public Path tlsCaFile() {
        return tlsCaFile;
    }

    /** The database number (0 unless set; always 0 for a cluster). */
    public int database() {
        return database;
    }

    /** How long a command may wait for its answer before it fails. */
    public Duration commandTimeout() {
        return commandTimeout;
    }

    /**
     * How long opening one connection may take: TCP connect, TLS handshake and the Redis
     * handshake ({@code HELLO}/{@code AUTH}, {@code SELECT}, {@code PING}). Commands are bounded
     * by {@link #commandTimeout()} instead.
     */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** The bound on commands queued per connection. */
    public int requestQueueSize() {
        return requestQueueSize;
    }

    /** The first delay between reconnect attempts; later delays double up to the maximum. */
    public Duration reconnectDelayMin() {
        return reconnectDelayMin;
    }

    /** The longest delay between reconnect attempts. */
    public Duration reconnectDelayMax() {
        return reconnectDelayMax;
    }

    /** How often a cluster client reloads the topology (ignored outside a cluster). */
    public Duration topologyRefreshPeriod() {
        return topologyRefreshPeriod;
    }

    /**
     * The largest value the store reads or writes. A read finds a longer value too large to be
     * an entry: the server deletes it inside the read's script and reports the key absent, so it
     * is never sent and the key heals. A write of a longer value is refused. Match it to
     * {@code CacheAsideOptions.maxEntryBytes()} ({@code CACHE_MAX_ENTRY_BYTES} sets both).
     */
    public int maxValueBytes() {
        return maxValueBytes;
    }

    @Override
    public String toString() {
        return "LettuceStoreOptions[topology=" + topology + ", nodes=" + nodes
                + (sentinelMaster != null ? ", sentinelMaster=" + sentinelMaster : "")
                + ", username=" + (username == null ? "(default)" : username)
                + ", password=" + (password == null ? "(none)" : "(redacted)")
                + (sentinelPassword != null ? ", sentinelPassword=(redacted)" : "")
                + ", tls=" + tls + (tlsCaFile != null ? ", tlsCaFile=" + tlsCaFile : "") + ", database=" + database
                + ", commandTimeout=" + commandTimeout + ", connectTimeout=" + connectTimeout
                + ", requestQueueSize=" + requestQueueSize + ", maxValueBytes=" + maxValueBytes
                + ", reconnectDelay=" + reconnectDelayMin + ".." + reconnectDelayMax
                + (topology == Topology.CLUSTER ? ", topologyRefreshPeriod=" + topologyRefreshPeriod : "")
                + "]";
    }

    /** Builds {@link LettuceStoreOptions}; not thread safe, reusable. */
    public static final class Builder {

        private Topology topology = Topology.STANDALONE;
        private List<String> nodes = List.of(DEFAULT_HOST + ":" + DEFAULT_PORT);
        private String sentinelMaster;
        private String username;
        private char[] password;
        private char[] sentinelPassword;
        private boolean tls;
        private Path tlsCaFile;
        private int database;
        private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private int requestQueueSize = DEFAULT_REQUEST_QUEUE_SIZE;
        private Duration reconnectDelayMin = DEFAULT_RECONNECT_DELAY_MIN;
        private Duration reconnectDelayMax = DEFAULT_RECONNECT_DELAY_MAX;
        private Duration topologyRefreshPeriod = DEFAULT_TOPOLOGY_REFRESH_PERIOD;
        private int maxValueBytes = DEFAULT_MAX_VALUE_BYTES;

        private Builder() {
        }

        /** One server at {@code host:port}. */
        public Builder standalone(String host, int port) {
            this.topology = Topology.STANDALONE;
            this.nodes = List.of(hostPort(host, port));
            this.sentinelMaster = null;
            return this;
        }

        /** The primary named {@code master}, found through the Sentinels at {@code sentinels} ({@code host:port}). */
        public Builder sentinel(String master, List<String> sentinels) {
            this.topology = Topology.SENTINEL;
            this.sentinelMaster = Objects.requireNonNull(master, "master");
            this.nodes = List.copyOf(sentinels);
            return this;
        }

        /** A Redis Cluster reached through the seed nodes {@code seeds} ({@code host:port}). */
        public Builder cluster(List<String> seeds) {
            this.topology = Topology.CLUSTER;
            this.nodes = List.copyOf(seeds);
            this.sentinelMaster = null;
            return this;
        }

        /** The ACL user; {@code null} (the default) authenticates as the default user. */
        public Builder username(String username) {
            this.username = username;
            return this;
        }

        /** The password; {@code null} (the default) sends none. Copied, never printed. */
        public Builder password(CharSequence password) {
            this.password = password == null ? null : password.toString().toCharArray();
            return this;
        }

        /** The Sentinels' own password, when they require one; {@code null} by default. */
        public Builder sentinelPassword(CharSequence sentinelPassword) {
            this.sentinelPassword = sentinelPassword == null ? null : sentinelPassword.toString().toCharArray();
            return this;
        }

        /** Whether to use TLS (certificate and host name verified); default {@code false}. */
        public Builder tls(boolean tls) {
            this.tls = tls;
            return this;
        }

        /**
         * The PEM file of trusted certificates for TLS (a private CA, or the server's own
         * self-signed certificate); {@code null} (the default) uses the JVM's trust store.
         */
        public Builder tlsCaFile(Path tlsCaFile) {
            this.tlsCaFile = tlsCaFile;
            return this;
        }

        /** The database number, 0 to 15 on a default server; default 0. */
        public Builder database(int database) {
            this.database = database;
            return this;
        }

        /** The command timeout, positive; default {@link #DEFAULT_COMMAND_TIMEOUT}. */
        public Builder commandTimeout(Duration commandTimeout) {
            this.commandTimeout = Objects.requireNonNull(commandTimeout, "commandTimeout");
            return this;
        }

        /**
         * The connect timeout (TCP, TLS and Redis handshake), positive and at most
         * {@link #MAX_CONNECT_TIMEOUT}; default {@link #DEFAULT_CONNECT_TIMEOUT}.
         */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
            return this;
        }

        /** The bound on queued commands per connection, positive; default {@link #DEFAULT_REQUEST_QUEUE_SIZE}. */
        public Builder requestQueueSize(int requestQueueSize) {
            this.requestQueueSize = requestQueueSize;
            return this;
        }

        /**
         * The reconnect delays: the first attempt waits {@code min}, each next one twice as long,
         * up to {@code max}; defaults {@link #DEFAULT_RECONNECT_DELAY_MIN} and
         * {@link #DEFAULT_RECONNECT_DELAY_MAX}.
         */
        public Builder reconnectDelay(Duration min, Duration max) {
            this.reconnectDelayMin = Objects.requireNonNull(min, "min");
            this.reconnectDelayMax = Objects.requireNonNull(max, "max");
            return this;
        }

        /** The cluster topology refresh period, positive; default {@link #DEFAULT_TOPOLOGY_REFRESH_PERIOD}. */
        public Builder topologyRefreshPeriod(Duration topologyRefreshPeriod) {
            this.topologyRefreshPeriod = Objects.requireNonNull(topologyRefreshPeriod, "topologyRefreshPeriod");
            return this;
        }

        /** The largest value read or written, positive; default {@link #DEFAULT_MAX_VALUE_BYTES}. */
        public Builder maxValueBytes(int maxValueBytes) {
            this.maxValueBytes = maxValueBytes;
            return this;
        }

        /**
         * The options.
         *
         * @throws IllegalArgumentException when a value is out of range or the settings conflict;
         *     the message names the setting and the value
         */
        public LettuceStoreOptions build() {
            if (nodes.isEmpty()) {
                throw new IllegalArgumentException("nodes must not be empty for topology " + topology);
            }
            List<String> checked = new ArrayList<>();
            for (String node : nodes) {
                checked.add(LettuceNodes.checkHostPort(node));
            }
            LettuceStoreOptions options = new LettuceStoreOptions(this, Collections.unmodifiableList(checked));
            LettuceOptionChecks.check(options);
            return options;
        }

        private static String hostPort(String host, int port) {
            return Objects.requireNonNull(host, "host") + ":" + port;
        }
    }
}
