package dev.cacheaside.lettuce;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.MaintNotificationsConfig;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a Lettuce client for {@link LettuceStoreOptions} is configured with: its resources, its
 * client options (every option that matters when the server goes away set explicitly, see
 * {@link #clientOptions}, rather than left to Lettuce's defaults) and the URIs it connects to.
 * Creates no client and opens no connection; {@link LettuceClients} does. Immutable.
 */
final class LettuceClientConfig {

    /** TCP keep-alive: first probe after 30 s idle, then every 10 s, dead after 3 unanswered. */
    static final Duration KEEP_ALIVE_IDLE = Duration.ofSeconds(30);
    static final Duration KEEP_ALIVE_INTERVAL = Duration.ofSeconds(10);
    static final int KEEP_ALIVE_COUNT = 3;
    /** Cluster: at most this many MOVED/ASK redirections per command. */
    static final int CLUSTER_MAX_REDIRECTS = 5;
    /** Cluster: adaptive refreshes (after MOVED, ASK, reconnects) at most this often. */
    static final Duration ADAPTIVE_REFRESH_TIMEOUT = Duration.ofSeconds(5);

    private final LettuceStoreOptions options;

    LettuceClientConfig(LettuceStoreOptions options) {
        this.options = options;
    }

    /** New client resources (threads), reconnecting with the options' bounded exponential back-off. */
    ClientResources resources() {
        return DefaultClientResources.builder()
                // Reconnect in the background with a bounded exponential back-off: min, 2*min, ... max.
                .reconnectDelay(Delay.exponential(options.reconnectDelayMin(), options.reconnectDelayMax(), 2, TimeUnit.MILLISECONDS))
                .build();
    }

    /** Cluster: one seed URI per configured node. */
    List<RedisURI> clusterSeeds() {
        List<RedisURI> seeds = new ArrayList<>();
        for (String node : options.nodes()) {
            seeds.add(authenticated(RedisURI.Builder.redis(LettuceNodes.host(node), LettuceNodes.port(node))).build());
        }
        return seeds;
    }

    /** Cluster: one node's URI (the tracking channel of one master), with timeout, TLS and credentials. */
    RedisURI nodeUri(String host, int port) {
        return authenticated(RedisURI.Builder.redis(host, port)).build();
    }

    /**
     * The client options, each chosen for a cache that must fail fast rather than wait:
     * <ul>
     *   <li>{@code timeoutOptions}: every command times out after the command timeout; the
     *       handshake instead is bounded by the connect timeout (the URI's timeout).
     *   <li>{@code disconnectedBehavior(REJECT_COMMANDS)}: while disconnected, commands fail at
     *       once instead of queueing until the server is back (a queued cache read is useless).
     *   <li>{@code requestQueueSize}: a bounded queue per connection; beyond it commands fail.
     *   <li>{@code autoReconnect(true)}: reconnect in the background with the bounded delays.
     *   <li>{@code pingBeforeActivateConnection(true)}: a connection is used only after PING works.
     *   <li>{@code suspendReconnectOnProtocolFailure(false)}: keep reconnecting after a failed handshake.
     *   <li>{@code protocolVersion(RESP2)}: plain AUTH/PING handshake, no push messages (none needed).
     *   <li>{@code maintNotificationsConfig(disabled)}: no Redis Enterprise maintenance push handling.
     *   <li>{@code publishOnScheduler(false)}: results complete on the I/O thread; the store only
     *       maps them, and callers that do heavy work move it with {@code publishOn}.
     *   <li>{@code reauthenticateBehavior(DEFAULT)}, {@code scriptCharset(UTF-8)},
     *       {@code useHashIndexQueue(true)}: Lettuce's defaults, stated.
     *   <li>{@code socketOptions}: connect timeout, TCP keep-alive (30 s idle, 10 s interval,
     *       3 probes) so a silently dead peer is noticed, TCP_NODELAY.
     *   <li>{@code sslOptions}: when TLS is on, the JDK's TLS provider, a handshake timeout equal
     *       to the connect timeout, and the trust store (the CA file if one is set).
     * </ul>
     *
     * @throws IllegalArgumentException when the CA file cannot be read
     */
    <B extends ClientOptions.Builder> B clientOptions(B builder) {
        builder.autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(options.requestQueueSize())
                .pingBeforeActivateConnection(true)
                .suspendReconnectOnProtocolFailure(false)
                .protocolVersion(ProtocolVersion.RESP2)
                .maintNotificationsConfig(MaintNotificationsConfig.disabled())
                .publishOnScheduler(false)
                .reauthenticateBehavior(ClientOptions.ReauthenticateBehavior.DEFAULT)
                .scriptCharset(java.nio.charset.StandardCharsets.UTF_8)
                .useHashIndexQueue(true)
                .timeoutOptions(TimeoutOptions.builder().timeoutCommands(true).fixedTimeout(options.commandTimeout()).build())
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(options.connectTimeout())
                        .keepAlive(SocketOptions.KeepAliveOptions.builder()
                                .enable()
                                .idle(KEEP_ALIVE_IDLE)
                                .interval(KEEP_ALIVE_INTERVAL)
                                .count(KEEP_ALIVE_COUNT)
                                .build())
                        .tcpNoDelay(true)
                        .build());
        if (options.tls()) {
            SslOptions.Builder ssl = SslOptions.builder().jdkSslProvider().handshakeTimeout(options.connectTimeout());
            if (options.tlsCaFile() != null) {
                // read once here: given the file, Lettuce would read it again for every new
                // connection, on its event loop (BlockHound caught that in LettuceCacheStoreTlsIT)
                byte[] ca = readCaFile(options.tlsCaFile());
                ssl.trustManager(() -> new ByteArrayInputStream(ca));
            }
            builder.sslOptions(ssl.build());
        }
        return builder;
    }

    private static byte[] readCaFile(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("tlsCaFile " + file + " cannot be read: " + e, e);
        }
    }

    /**
     * Cluster options: the common ones plus a topology refresh every
     * {@link LettuceStoreOptions#topologyRefreshPeriod()} and adaptive refreshes (on MOVED, ASK,
     * persistent reconnects) at most every {@link #ADAPTIVE_REFRESH_TIMEOUT}, stale connections
     * closed, at most {@link #CLUSTER_MAX_REDIRECTS} redirections per command.
     */
    ClusterClientOptions clusterOptions() {
        ClusterClientOptions.Builder builder = ClusterClientOptions.builder()
                .maxRedirects(CLUSTER_MAX_REDIRECTS)
                .validateClusterNodeMembership(true)
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enablePeriodicRefresh(options.topologyRefreshPeriod())
                        .enableAllAdaptiveRefreshTriggers()
                        .adaptiveRefreshTriggersTimeout(ADAPTIVE_REFRESH_TIMEOUT)
                        .refreshTriggersReconnectAttempts(3)
                        .dynamicRefreshSources(true)
                        .closeStaleConnections(true)
                        .build());
        return (ClusterClientOptions) clientOptions(builder).build();
    }

    /** One server or Sentinel: the URI with its database, timeout, TLS and credentials. */
    RedisURI standaloneOrSentinelUri() {
        List<String> nodes = options.nodes();
        RedisURI.Builder builder;
        if (options.topology() == LettuceStoreOptions.Topology.SENTINEL) {
            char[] sentinelPassword = options.sentinelPassword();
            String first = nodes.get(0);
            builder = sentinelPassword == null
                    ? RedisURI.Builder.sentinel(LettuceNodes.host(first), LettuceNodes.port(first), options.sentinelMaster())
                    : RedisURI.Builder.sentinel(LettuceNodes.host(first), LettuceNodes.port(first),
                            options.sentinelMaster(), new String(sentinelPassword));
            for (String node : nodes.subList(1, nodes.size())) {
                if (sentinelPassword == null) {
                    builder.withSentinel(LettuceNodes.host(node), LettuceNodes.port(node));
                } else {
                    builder.withSentinel(LettuceNodes.host(node), LettuceNodes.port(node), new String(sentinelPassword));
                }
            }
        } else {
            String node = nodes.get(0);
            builder = RedisURI.Builder.redis(LettuceNodes.host(node), LettuceNodes.port(node));
        }
        return authenticated(builder).withDatabase(options.database()).build();
    }

    private RedisURI.Builder authenticated(RedisURI.Builder builder) {
        // The URI's timeout bounds the connection handshake (HELLO/AUTH, SELECT, PING): the
        // connect timeout, not the command timeout (commands use timeoutOptions' fixed timeout).
        builder.withTimeout(options.connectTimeout()).withSsl(options.tls());
        char[] password = options.password();
        if (password != null) {
            if (options.username() != null) {
                builder.withAuthentication(options.username(), password);
            } else {
                builder.withPassword(password);
            }
        }
        return builder;
    }
}
