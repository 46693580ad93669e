package dev.cacheaside.memcached;

import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Options of a {@link MemcachedCacheStore}: the servers, the per-operation timeout, reconnection,
 * the item size limit and, optionally, the Vert.x instance to run on.
 *
 * <p>Immutable and thread safe; build with {@link #builder()}. A builder is reusable and checks
 * its values in {@link Builder#build()}, failing with an {@link IllegalArgumentException} whose
 * message names the setting and the value.
 */
public final class MemcachedStoreOptions {

    /** The port of a server given without one: memcached's default, 11211. */
    public static final int DEFAULT_PORT = 11211;

    /** The default per-operation timeout: 250 ms. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(250);

    /**
     * The default connect timeout: 5 s, as for Redis. It bounds each TCP connect (memcached has
     * no handshake); operations meanwhile are bounded by {@link #timeout()}.
     */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /** The longest timeout (per-operation or connect) accepted: 1 day. */
    public static final Duration MAX_TIMEOUT = Duration.ofDays(1);

    /** The default first delay before reconnecting to a server that went away: 100 ms. */
    public static final Duration DEFAULT_RECONNECT_DELAY = Duration.ofMillis(100);

    /** The default longest delay between reconnection attempts (the backoff doubles up to it): 5 s. */
    public static final Duration DEFAULT_MAX_RECONNECT_DELAY = Duration.ofSeconds(5);

    /**
     * The default largest value that is sent to a server: 1 MiB (memcached's default item size
     * limit, {@code -I 1m}) minus 1 KiB for the item's header and key. A larger value is not
     * cached (a warning is logged).
     */
    public static final int DEFAULT_MAX_VALUE_SIZE = 1024 * 1024 - 1024;

    /** The default bound on requests waiting for an answer on one connection: 10,000. */
    public static final int DEFAULT_MAX_PENDING_REQUESTS = 10_000;

    /** The default number of points per server on the consistent-hash ring: 160, as ketama. */
    public static final int DEFAULT_POINTS_PER_SERVER = 160;

    private final List<String> servers;
    private final Duration timeout;
    private final Duration connectTimeout;
    private final Duration reconnectDelay;
    private final Duration maxReconnectDelay;
    private final int maxValueSize;
    private final int maxPendingRequests;
    private final int pointsPerServer;
    private final Clock clock;
    private final Vertx vertx;

    private MemcachedStoreOptions(Builder b) {
        this.servers = Collections.unmodifiableList(new ArrayList<>(b.servers));
        this.timeout = b.timeout;
        this.connectTimeout = b.connectTimeout;
        this.reconnectDelay = b.reconnectDelay;
        this.maxReconnectDelay = b.maxReconnectDelay;
        this.maxValueSize = b.maxValueSize;
        this.maxPendingRequests = b.maxPendingRequests;
        this.pointsPerServer = b.pointsPerServer;
        this.clock = b.clock;
        this.vertx = b.vertx;
    }

    /** A builder starting from the defaults, with no server yet. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options. */
    public Builder mutate() {
        Builder b = new Builder();
        b.servers.addAll(servers);
        return b.timeout(timeout).connectTimeout(connectTimeout).reconnectDelay(reconnectDelay)
                .maxReconnectDelay(maxReconnectDelay).maxValueSize(maxValueSize)
                .maxPendingRequests(maxPendingRequests).pointsPerServer(pointsPerServer).clock(clock)
                .vertx(vertx);
    }

    /** The servers as {@code host:port}, in the order given; never empty, no duplicates. */
    public List<String> servers() {
        return servers;
    }

    /** How long one operation may take, including a wait for the first connection. */
    public Duration timeout() {
        return timeout;
    }

    /** How long a TCP connect may take. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** The first delay before reconnecting to a server that went away. */
    public Duration reconnectDelay() {
        return reconnectDelay;
    }

    /** The longest delay between reconnection attempts. */
    public Duration maxReconnectDelay() {
        return maxReconnectDelay;
    }

    /** The largest value, in bytes, that is sent to a server; larger ones are not cached. */
    public int maxValueSize() {
        return maxValueSize;
    }

    /** The bound on requests waiting for an answer on one connection; past it operations fail fast. */
    public int maxPendingRequests() {
        return maxPendingRequests;
    }

    /** Points per server on the consistent-hash ring. */
    public int pointsPerServer() {
        return pointsPerServer;
    }

    /** The wall clock used to turn TTLs over 30 days into absolute Unix times. */
    public Clock clock() {
        return clock;
    }

    /**
     * The Vert.x instance to run on, or {@code null} when the store creates (and later closes)
     * its own.
     */
    public Vertx vertx() {
        return vertx;
    }

    @Override
    public String toString() {
        return "MemcachedStoreOptions[servers=" + servers + ", timeout=" + timeout
                + ", connectTimeout=" + connectTimeout + ", reconnectDelay=" + reconnectDelay
                + ", maxReconnectDelay=" + maxReconnectDelay + ", maxValueSize=" + maxValueSize
                + ", maxPendingRequests=" + maxPendingRequests + ", pointsPerServer=" + pointsPerServer
                + ", vertx=" + (vertx == null ? "own" : "shared") + "]";
    }

    /** Builds {@link MemcachedStoreOptions}; not thread safe, reusable. */
    public static final class Builder {

        private final List<String> servers = new ArrayList<>();
        private Duration timeout = DEFAULT_TIMEOUT;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration reconnectDelay = DEFAULT_RECONNECT_DELAY;
        private Duration maxReconnectDelay = DEFAULT_MAX_RECONNECT_DELAY;
        private int maxValueSize = DEFAULT_MAX_VALUE_SIZE;
        private int maxPendingRequests = DEFAULT_MAX_PENDING_REQUESTS;
        private int pointsPerServer = DEFAULT_POINTS_PER_SERVER;
        private Clock clock = Clock.systemUTC();
        private Vertx vertx;

        private Builder() {
        }

        /** Adds a server at {@code host:port}. */
        public Builder server(String host, int port) {
            servers.add(Objects.requireNonNull(host, "host").trim() + ":" + port);
            return this;
        }

        /**
         * Adds servers from a comma-separated list of {@code host:port} or {@code host}
         * (port {@link #DEFAULT_PORT}), as in {@code CACHE_NODES}.
         */
        public Builder servers(String commaSeparated) {
            for (String part : Objects.requireNonNull(commaSeparated, "commaSeparated").split(",")) {
                String s = part.trim();
                if (!s.isEmpty()) {
                    servers.add(s.indexOf(':') < 0 ? s + ":" + DEFAULT_PORT : s);
                }
            }
            return this;
        }

        /** Per-operation timeout, positive, at most {@link #MAX_TIMEOUT}; default {@link #DEFAULT_TIMEOUT}. */
        public Builder timeout(Duration timeout) {
            this.timeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** TCP connect timeout, positive, at most {@link #MAX_TIMEOUT}; default {@link #DEFAULT_CONNECT_TIMEOUT}. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
            return this;
        }

        /** First reconnection delay, positive; default {@link #DEFAULT_RECONNECT_DELAY}. */
        public Builder reconnectDelay(Duration reconnectDelay) {
            this.reconnectDelay = Objects.requireNonNull(reconnectDelay, "reconnectDelay");
            return this;
        }

        /** Longest reconnection delay, at least {@code reconnectDelay}; default {@link #DEFAULT_MAX_RECONNECT_DELAY}. */
        public Builder maxReconnectDelay(Duration maxReconnectDelay) {
            this.maxReconnectDelay = Objects.requireNonNull(maxReconnectDelay, "maxReconnectDelay");
            return this;
        }

        /** Largest value sent to a server, in bytes, positive; default {@link #DEFAULT_MAX_VALUE_SIZE}. */
        public Builder maxValueSize(int maxValueSize) {
            this.maxValueSize = maxValueSize;
            return this;
        }

        /** Bound on unanswered requests per connection, positive; default {@link #DEFAULT_MAX_PENDING_REQUESTS}. */
        public Builder maxPendingRequests(int maxPendingRequests) {
            this.maxPendingRequests = maxPendingRequests;
            return this;
        }

        /** Points per server on the ring, 1 to 1000; default {@link #DEFAULT_POINTS_PER_SERVER}. */
        public Builder pointsPerServer(int pointsPerServer) {
            this.pointsPerServer = pointsPerServer;
            return this;
        }

        /** The wall clock for absolute expirations; default the system UTC clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * An existing Vert.x instance to run on (the store then never closes it), or
         * {@code null} (the default) for a store that creates and closes its own.
         */
        public Builder vertx(Vertx vertx) {
            this.vertx = vertx;
            return this;
        }

        /**
         * The options.
         *
         * @throws IllegalArgumentException naming the setting and the value when one is invalid
         */
        public MemcachedStoreOptions build() {
            if (servers.isEmpty()) {
                throw new IllegalArgumentException("servers must name at least one memcached server (host:port)");
            }
            List<String> seen = new ArrayList<>();
            for (String server : servers) {
                String normalized = checkServer(server);
                if (seen.contains(normalized)) {
                    throw new IllegalArgumentException("servers lists '" + server + "' twice");
                }
                seen.add(normalized);
            }
            positive("timeout", timeout);
            positive("connectTimeout", connectTimeout);
            for (String name : new String[] {"timeout", "connectTimeout", "maxReconnectDelay"}) {
                Duration value = name.equals("timeout") ? timeout : name.equals("connectTimeout") ? connectTimeout : maxReconnectDelay;
                if (value.compareTo(MAX_TIMEOUT) > 0) {
                    throw new IllegalArgumentException(name + " must be at most " + MAX_TIMEOUT + ", was " + value);
                }
            }
            positive("reconnectDelay", reconnectDelay);
            positive("maxReconnectDelay", maxReconnectDelay);
            if (maxReconnectDelay.compareTo(reconnectDelay) < 0) {
                throw new IllegalArgumentException("maxReconnectDelay (" + maxReconnectDelay
                        + ") must not be shorter than reconnectDelay (" + reconnectDelay + ")");
            }
            if (maxValueSize <= 0) {
                throw new IllegalArgumentException("maxValueSize must be positive, was " + maxValueSize);
            }
            if (maxPendingRequests <= 0) {
                throw new IllegalArgumentException("maxPendingRequests must be positive, was " + maxPendingRequests);
            }
            if (pointsPerServer < 1 || pointsPerServer > 1000) {
                throw new IllegalArgumentException("pointsPerServer must be from 1 to 1000, was " + pointsPerServer);
            }
            MemcachedStoreOptions options = new MemcachedStoreOptions(this);
            return options;
        }

        private static void positive(String name, Duration value) {
            if (value.isZero() || value.isNegative()) {
                throw new IllegalArgumentException(name + " must be positive, was " + value);
            }
        }

        private static String checkServer(String server) {
            int colon = server.lastIndexOf(':');
            String host = colon < 0 ? server : server.substring(0, colon);
            if (colon < 0 || host.isBlank()) {
                throw new IllegalArgumentException("servers entry '" + server + "' is not host:port");
            }
            int port;
            try {
                port = Integer.parseInt(server.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("servers entry '" + server + "' has no valid port");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("servers entry '" + server + "' has port " + port
                        + ", expected 1 to 65535");
            }
            return host.toLowerCase(Locale.ROOT) + ":" + port;
        }
    }
}
