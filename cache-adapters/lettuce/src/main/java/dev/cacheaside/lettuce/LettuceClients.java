package dev.cacheaside.lettuce;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.protocol.ConnectionIntent;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the Lettuce client for {@link LettuceStoreOptions}, configured by
 * {@link LettuceClientConfig} (which sets every option that matters when the server goes away
 * explicitly), opens connections with it, and shuts it down.
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


    private final LettuceStoreOptions options;
    private final ClientResources resources;
    private final AbstractRedisClient client;
    private final RedisURI standaloneUri;
    /** The reason of the last failed attempt that was logged; null after a success. */
    private final AtomicReference<String> lastFailure = new AtomicReference<>();

    LettuceClients(LettuceStoreOptions options) {
        this.options = options;
        LettuceClientConfig config = new LettuceClientConfig(options);
        this.resources = config.resources();
        if (options.topology() == LettuceStoreOptions.Topology.CLUSTER) {
            RedisClusterClient cluster = RedisClusterClient.create(resources, config.clusterSeeds());
            cluster.setOptions(config.clusterOptions());
            this.client = cluster;
            this.standaloneUri = null;
        } else {
            RedisClient redis = RedisClient.create(resources);
            redis.setOptions(config.clientOptions(ClientOptions.builder()).build());
            this.client = redis;
            this.standaloneUri = config.standaloneOrSentinelUri();
        }
    }

    /**
     * Opens one connection (for a cluster: the cluster connection that routes by slot), within
     * {@link LettuceStoreOptions#connectTimeout()} for each connection. Non-blocking. A failure
     * is a {@link RedisConnectionException} that says why (see the class comment).
     */
    CompletableFuture<Connected> connect() {
        return openOnce().handle((connected, error) -> {
            // Lettuce reports a handshake that failed before it looked at the handshake as "not
            // registered", without the server's answer (seen with the CPUs saturated): one more
            // attempt at once gets the answer, or the connection
            return error != null && handshakeOutcomeLost(unwrap(error)) ? openOnce()
                    : error != null ? CompletableFuture.<Connected>failedFuture(error)
                    : CompletableFuture.completedFuture(connected);
        }).thenCompose(f -> f).handle((connected, error) -> {
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

    private CompletableFuture<Connected> openOnce() {
        try {
            return open();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Whether {@code error}, or a cause of it, is Lettuce's "handshake handler not registered". */
    static boolean handshakeOutcomeLost(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IllegalStateException && "RedisHandshakeHandler not registered".equals(t.getMessage())) {
                return true;
            }
        }
        return false;
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
     * command per node. Primaries without slots are skipped: they serve no key, and one that
     * died and was failed over stays listed without slots. (A primary that appears later is
     * connected on first use, and its first commands may be rejected: the engine treats that as a miss.)
     */
    private static CompletableFuture<Connected> connectToEveryPrimary(StatefulRedisClusterConnection<String, byte[]> connection) {
        List<CompletableFuture<?>> nodes = new ArrayList<>();
        for (RedisClusterNode node : connection.getPartitions()) {
            // a primary without slots serves no key: after a failover the dead one stays listed
            // (flagged fail, its slots gone to its replica) and connecting to it would fail this connection
            if (node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.hasNoSlots()) {
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
