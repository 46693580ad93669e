package dev.cacheaside.store.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.MaintNotificationsConfig;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.protocol.ConnectionIntent;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns {@link LettuceStoreOptions} into a configured Lettuce client and opens connections.
 * Every Lettuce option that matters when the server goes away is set here explicitly (see
 * {@link #clientOptions}), rather than left to Lettuce's defaults.
 *
 * <p>A failed connection attempt fails with a {@link RedisConnectionException} whose message
 * says why, in the server's words ({@code WRONGPASS ...}, {@code NOAUTH ...}, connection refused),
 * and, when the database number is one the server does not have, names {@code CACHE_DATABASE}
 * and the server's number of databases. The same reason is logged once (again only after the
 * next successful connection, or when the reason changes); the password never appears.
 */
final class LettuceClients {

    private static final Logger LOG = LoggerFactory.getLogger(LettuceClients.class);

    /** String keys (ASCII) and byte-array values, kept exactly. */
    static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    /** TCP keep-alive: first probe after 30 s idle, then every 10 s, dead after 3 unanswered. */
    static final Duration KEEP_ALIVE_IDLE = Duration.ofSeconds(30);
    static final Duration KEEP_ALIVE_INTERVAL = Duration.ofSeconds(10);
    static final int KEEP_ALIVE_COUNT = 3;
    /** Cluster: at most this many MOVED/ASK redirections per command. */
    static final int CLUSTER_MAX_REDIRECTS = 5;
    /** Cluster: adaptive refreshes (after MOVED, ASK, reconnects) at most this often. */
    static final Duration ADAPTIVE_REFRESH_TIMEOUT = Duration.ofSeconds(5);

    private final LettuceStoreOptions options;
    private final ClientResources resources;
    private final AbstractRedisClient client;
    private final RedisURI standaloneUri;
    /** The reason of the last failed attempt that was logged; null after a success. */
    private final AtomicReference<String> lastFailure = new AtomicReference<>();

    LettuceClients(LettuceStoreOptions options) {
        this.options = options;
        this.resources = DefaultClientResources.builder()
                // Reconnect in the background with a bounded exponential back-off: min, 2*min, ... max.
                .reconnectDelay(Delay.exponential(options.reconnectDelayMin(), options.reconnectDelayMax(), 2, TimeUnit.MILLISECONDS))
                .build();
        if (options.topology() == LettuceStoreOptions.Topology.CLUSTER) {
            List<RedisURI> seeds = new ArrayList<>();
            for (String node : options.nodes()) {
                seeds.add(authenticated(RedisURI.Builder.redis(LettuceStoreOptions.host(node), LettuceStoreOptions.port(node))).build());
            }
            RedisClusterClient cluster = RedisClusterClient.create(resources, seeds);
            cluster.setOptions(clusterOptions());
            this.client = cluster;
            this.standaloneUri = null;
        } else {
            RedisClient redis = RedisClient.create(resources);
            redis.setOptions(clientOptions(ClientOptions.builder()).build());
            this.client = redis;
            this.standaloneUri = standaloneOrSentinelUri();
        }
    }

    /**
     * Opens one connection (for a cluster: the cluster connection that routes by slot), within
     * {@link LettuceStoreOptions#connectTimeout()} for each connection. Non-blocking. A failure
     * is a {@link RedisConnectionException} that says why (see the class comment).
     */
    CompletableFuture<Connected> connect() {
        CompletableFuture<Connected> attempt;
        try {
            attempt = open();
        } catch (RuntimeException e) {
            attempt = CompletableFuture.failedFuture(e);
        }
        return attempt.handle((connected, error) -> {
            if (error == null) {
                if (lastFailure.getAndSet(null) != null) {
                    LOG.info("Redis connection to {} opened", options.nodes());
                }
                return CompletableFuture.completedFuture(connected);
            }
            return explain(unwrap(error)).<Connected>thenApply(explained -> {
                logOnce(explained);
                throw new CompletionException(explained);
            });
        }).thenCompose(f -> f);
    }

    private CompletableFuture<Connected> open() {
        if (client instanceof RedisClusterClient) {
            RedisClusterClient cluster = (RedisClusterClient) client;
            // connectAsync needs the topology; load it without blocking first (connect() would block).
            return cluster.refreshPartitionsAsync().toCompletableFuture()
                    .thenCompose(loaded -> cluster.connectAsync(CODEC))
                    .thenCompose(LettuceClients::connectToEveryPrimary);
        }
        return ((RedisClient) client).connectAsync(CODEC, standaloneUri).toCompletableFuture()
                .thenApply((StatefulRedisConnection<String, byte[]> c) -> new Connected(c, c.async()));
    }

    /**
     * Opens the connection to every primary before the cluster connection is used. Lettuce opens
     * node connections lazily, and with {@code REJECT_COMMANDS} a command sent to a node whose
     * connection is still being opened is rejected; connecting up front avoids failing the first
     * command per node. (A primary that appears later is connected on first use, and its first
     * commands may be rejected: the engine treats that as a miss.)
     */
    private static CompletableFuture<Connected> connectToEveryPrimary(StatefulRedisClusterConnection<String, byte[]> connection) {
        List<CompletableFuture<?>> nodes = new ArrayList<>();
        for (RedisClusterNode node : connection.getPartitions()) {
            if (node.is(RedisClusterNode.NodeFlag.UPSTREAM)) {
                // Commands are routed by slot to the primary's connection keyed by host and port
                // (reads too: no ReadFrom is set, so reads go to primaries).
                nodes.add(connection.getConnectionAsync(node.getUri().getHost(), node.getUri().getPort(), ConnectionIntent.WRITE));
            }
        }
        return CompletableFuture.allOf(nodes.toArray(new CompletableFuture<?>[0]))
                .handle((ignored, error) -> {
                    if (error != null) {
                        connection.closeAsync();
                        throw error instanceof CompletionException ? (CompletionException) error : new CompletionException(error);
                    }
                    return new Connected(connection, connection.async());
                });
    }

    /**
     * The error of a failed attempt with the reason in its message: the innermost cause's text
     * (the server's {@code WRONGPASS}/{@code NOAUTH} answer, a refused connection), and for a
     * database number the server does not have, {@code CACHE_DATABASE} and the server's count
     * (asked with {@code CONFIG GET databases} on database 0; "unknown" when that is refused).
     */
    CompletableFuture<RedisConnectionException> explain(Throwable error) {
        String reason = reason(error);
        String where = "Unable to connect to Redis at " + String.join(",", options.nodes());
        String upper = reason.toUpperCase(java.util.Locale.ROOT);
        if (standaloneUri != null && (upper.contains("DB INDEX IS OUT OF RANGE") || upper.contains("INVALID DB INDEX"))) {
            return databaseCount().handle((count, countError) -> new RedisConnectionException(redact(where
                    + ": CACHE_DATABASE=" + options.database() + " is out of range: the server has "
                    + (count != null ? count + " databases (0 to " + (count - 1) + ")" : "an unknown number of databases"
                    + " (CONFIG GET databases was refused)") + "; the server said: " + reason), error));
        }
        String hint = "";
        if (upper.startsWith("WRONGPASS") || upper.startsWith("NOAUTH") || upper.contains("INVALID PASSWORD")
                || upper.contains("INVALID USERNAME-PASSWORD") || upper.startsWith("NOPERM")) {
            hint = " (authentication as " + (options.username() == null ? "the default user" : "user '" + options.username() + "'")
                    + (options.hasPassword() ? " with a password" : " without a password")
                    + " failed; check CACHE_USER and CACHE_PASSWORD)";
        }
        return CompletableFuture.completedFuture(new RedisConnectionException(redact(where + ": " + reason + hint), error));
    }

    /** The server's {@code databases} setting, from a short connection to database 0 within the connect timeout. */
    private CompletableFuture<Integer> databaseCount() {
        RedisURI zero = RedisURI.builder(standaloneUri).withDatabase(0).build();
        CompletableFuture<Integer> count = new CompletableFuture<>();
        ((RedisClient) client).connectAsync(StringCodec.UTF8, zero).toCompletableFuture()
                .orTimeout(options.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((connection, connectError) -> {
                    if (connectError != null) {
                        count.completeExceptionally(connectError);
                        return;
                    }
                    connection.async().configGet("databases").toCompletableFuture()
                            .orTimeout(options.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)
                            .whenComplete((config, error) -> {
                                connection.closeAsync();
                                try {
                                    if (error != null) {
                                        count.completeExceptionally(error);
                                    } else {
                                        count.complete(Integer.valueOf(config.get("databases").trim()));
                                    }
                                } catch (RuntimeException e) {
                                    count.completeExceptionally(e);
                                }
                            });
                });
        return count;
    }

    /** Logs {@code error} unless the previous failure had the same message. */
    private void logOnce(RedisConnectionException error) {
        String message = error.getMessage();
        if (!message.equals(lastFailure.getAndSet(message))) {
            LOG.warn("{} (logged once until it changes or a connection succeeds; operations meanwhile are cache misses)", message);
        }
    }

    /** The innermost cause's text, the most specific one Lettuce gives. */
    static String reason(Throwable error) {
        Throwable innermost = error;
        for (Throwable t = error; t != null && t.getCause() != t; t = t.getCause()) {
            innermost = t;
        }
        String text = innermost.getMessage();
        return text == null || text.isBlank() ? innermost.getClass().getSimpleName() : text.trim();
    }

    private static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** {@code text} with the passwords replaced, should a server ever echo one. */
    private String redact(String text) {
        String result = text;
        for (char[] secret : new char[][] {options.password(), options.sentinelPassword()}) {
            if (secret != null && secret.length > 0) {
                result = result.replace(new String(secret), "(redacted)");
            }
        }
        return result;
    }

    /** Shuts the client (closing its connections) and then its threads down. */
    CompletableFuture<Void> shutdown() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        client.shutdownAsync(0, 2, TimeUnit.SECONDS).whenComplete((ignored, clientError) ->
                resources.shutdown(0, 2, TimeUnit.SECONDS).addListener(f -> {
                    if (clientError != null) {
                        done.completeExceptionally(clientError);
                    } else if (!f.isSuccess()) {
                        done.completeExceptionally(f.cause());
                    } else {
                        done.complete(null);
                    }
                }));
        return done;
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
    private ClusterClientOptions clusterOptions() {
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

    private RedisURI standaloneOrSentinelUri() {
        List<String> nodes = options.nodes();
        RedisURI.Builder builder;
        if (options.topology() == LettuceStoreOptions.Topology.SENTINEL) {
            char[] sentinelPassword = options.sentinelPassword();
            String first = nodes.get(0);
            builder = sentinelPassword == null
                    ? RedisURI.Builder.sentinel(LettuceStoreOptions.host(first), LettuceStoreOptions.port(first), options.sentinelMaster())
                    : RedisURI.Builder.sentinel(LettuceStoreOptions.host(first), LettuceStoreOptions.port(first),
                            options.sentinelMaster(), new String(sentinelPassword));
            for (String node : nodes.subList(1, nodes.size())) {
                if (sentinelPassword == null) {
                    builder.withSentinel(LettuceStoreOptions.host(node), LettuceStoreOptions.port(node));
                } else {
                    builder.withSentinel(LettuceStoreOptions.host(node), LettuceStoreOptions.port(node), new String(sentinelPassword));
                }
            }
        } else {
            String node = nodes.get(0);
            builder = RedisURI.Builder.redis(LettuceStoreOptions.host(node), LettuceStoreOptions.port(node));
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

    /** An open connection and its command interface (single server and cluster share it). */
    static final class Connected {
        final StatefulConnection<String, byte[]> connection;
        final RedisClusterAsyncCommands<String, byte[]> commands;

        Connected(StatefulConnection<String, byte[]> connection, RedisClusterAsyncCommands<String, byte[]> commands) {
            this.connection = connection;
            this.commands = commands;
        }
    }
}
