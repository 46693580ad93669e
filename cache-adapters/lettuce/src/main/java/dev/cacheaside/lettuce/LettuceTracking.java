package dev.cacheaside.lettuce;

import dev.cacheaside.spi.InvalidatingStore;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.TrackingArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.push.PushMessage;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.resource.ClientResources;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The invalidation channel of a {@link LettuceCacheStore} with a near tier: one dedicated RESP3
 * connection with {@code CLIENT TRACKING ON BCAST PREFIX <key prefix>}, so the server pushes
 * every change of a key under the prefix, whoever made it and whichever connection read it.
 * BCAST does not depend on which keys were read (the store reads through Lua scripts), and the
 * engine's placeholder rule makes the order between this connection and the data connection
 * irrelevant: a push that overtakes a read's reply removes the placeholder, one that follows it
 * removes the kept entry.
 *
 * <p>Failure means forgetting: a disconnect calls {@link InvalidatingStore.Listener#forgetAll()}
 * at once and replaces the connection by a new one (attempts after the reconnect delays, the
 * minimum doubled up to the maximum); tracking is enabled on every new connection and only its
 * {@code OK} calls {@link InvalidatingStore.Listener#tracking()}. A push without keys (FLUSHALL, FLUSHDB) forgets
 * everything and goes on tracking.
 *
 * <p>A server that stops answering without closing the connection (frozen, or a network that
 * drops packets) is caught by a heartbeat: while tracking is confirmed, a {@code PING} is sent on
 * the tracking connection every {@link LettuceStoreOptions#commandTimeout() command timeout},
 * and one not answered within a command timeout calls {@link InvalidatingStore.Listener#forgetAll()},
 * closes that connection and opens a new one (tracking enabled again, confirmed by its
 * {@code OK}). So the near tier stops serving at most two command timeouts (plus the time the
 * scheduler takes to run the check) after the server's last answer.
 * Nothing here blocks: callbacks run on Lettuce's event loop.
 *
 * <p>One instance tracks one node: the standalone server or the primary a Sentinel names
 * ({@link #standaloneOrSentinel}), or one master of a Redis Cluster, where
 * {@link LettuceClusterTracking} keeps one per master and aggregates them.
 */
final class LettuceTracking {

    private static final Logger LOG = LoggerFactory.getLogger(LettuceTracking.class);
    /** The client name of the tracking connection, as {@code CLIENT LIST} shows it. */
    static final String CLIENT_NAME = "cacheaside-tracking";

    private final ClientResources resources;
    /** Whether {@link #close()} shuts {@link #resources} down too (standalone, Sentinel), or their owner does (cluster). */
    private final boolean ownsResources;
    private final RedisClient client;
    private final String prefix;
    private final InvalidatingStore.Listener listener;
    private final long retryMillis;
    private final long maxRetryMillis;
    /** The heartbeat's period and the time a {@code PING} may take: the command timeout. */
    private final long heartbeatMillis;
    private final io.lettuce.core.RedisURI uri;
    /** Bumped by every confirmation of tracking, so that only the latest heartbeat goes on. */
    private final java.util.concurrent.atomic.AtomicLong beat = new java.util.concurrent.atomic.AtomicLong();
    private volatile StatefulRedisConnection<String, String> connection;
    private volatile boolean closed;
    /** Counts for {@link #toString()} (diagnostics): disconnects, reconnects, pushes without keys, failed enables. */
    private final java.util.concurrent.atomic.AtomicInteger disconnects = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger reconnects = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger flushes = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger enableFailures = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * The channel of a standalone server or of the primary a Sentinel names, with client resources
     * of its own (shut down by {@link #close()}). Starts connecting at once, without blocking.
     */
    static LettuceTracking standaloneOrSentinel(LettuceStoreOptions options, String prefix, InvalidatingStore.Listener listener) {
        LettuceClientConfig config = new LettuceClientConfig(options);
        return new LettuceTracking(options, clientOptions(config), config.resources(), true, config.standaloneOrSentinelUri(),
                prefix, listener);
    }

    /**
     * The data connections' options, but RESP3 (push messages) and reconnecting on its own. Built
     * once per store, on the caller's thread: with a CA file, building them reads it.
     */
    static ClientOptions clientOptions(LettuceClientConfig config) {
        return config.clientOptions(ClientOptions.builder())
                .protocolVersion(ProtocolVersion.RESP3)
                .autoReconnect(true)
                .build();
    }

    /**
     * The channel to the one node at {@code uri} (host, port, credentials, TLS, timeout; the
     * client name is set here) with {@code clientOptions} ({@link #clientOptions}), on
     * {@code resources} that {@link #close()} shuts down only when {@code ownsResources}. Starts
     * connecting at once, without blocking.
     */
    LettuceTracking(LettuceStoreOptions options, ClientOptions clientOptions, ClientResources resources, boolean ownsResources,
            io.lettuce.core.RedisURI uri, String prefix, InvalidatingStore.Listener listener) {
        this.resources = resources;
        this.ownsResources = ownsResources;
        this.client = RedisClient.create(resources);
        this.client.setOptions(clientOptions);
        this.client.addListener(new StateListener());
        this.prefix = prefix;
        this.listener = listener;
        this.retryMillis = Math.max(100, options.reconnectDelayMin().toMillis());
        this.maxRetryMillis = Math.max(retryMillis, options.reconnectDelayMax().toMillis());
        this.heartbeatMillis = Math.max(1, options.commandTimeout().toMillis());
        this.uri = uri;
        uri.setClientName(CLIENT_NAME);
        connect();
    }

    /** The node this channel tracks, as its URI names it (for logs). */
    String node() {
        return uri.getHost() + ":" + uri.getPort();
    }

    private void connect() {
        connect(retryMillis);
    }

    /** Opens a new connection; a failed attempt is retried after {@code delayMillis}, doubled up to the maximum delay. */
    private void connect(long delayMillis) {
        if (closed) {
            return;
        }
        client.connectAsync(StringCodec.UTF8, uri).toCompletableFuture().whenComplete((c, error) -> {
            if (error != null) {
                LOG.debug("near tier: tracking connection to {} failed, retrying in {} ms: {}", node(), delayMillis, error.toString());
                long next = Math.min(Math.max(delayMillis, maxRetryMillis), delayMillis * 2);
                resources.eventExecutorGroup().schedule(() -> connect(next), delayMillis, TimeUnit.MILLISECONDS);
                return;
            }
            if (closed) {
                c.closeAsync();
                return;
            }
            synchronized (this) {
                connection = c;
            }
            c.addListener(this::pushed);
            enable(c);
        });
    }

    /** Enables tracking on {@code c}; its OK is what lets the near tier serve again. */
    private void enable(StatefulRedisConnection<String, String> c) {
        enable(c, false);
    }

    /**
     * Enables tracking on {@code c}, first turning it off when {@code reset}: a retry, after a
     * {@code CLIENT TRACKING} that failed on the client (its reply late past the command timeout)
     * may have been applied by the server, and enabling the same prefix twice is refused.
     */
    void enable(StatefulRedisConnection<String, String> c, boolean reset) {
        TrackingArgs args = TrackingArgs.Builder.enabled().bcast();
        if (!prefix.isEmpty()) {
            args.prefixes(prefix);
        }
        CompletionStage<String> off = reset
                ? c.async().clientTracking(TrackingArgs.Builder.enabled(false))
                : CompletableFuture.completedFuture("OK");
        off.thenCompose(ignored -> c.async().clientTracking(args)).whenComplete((ok, error) -> {
            if (error == null && "OK".equals(ok) && c.isOpen() && !closed && connection == c) {
                listener.tracking();
                heartbeat(c, beat.incrementAndGet());
            } else if (error != null && !closed) {
                enableFailures.incrementAndGet();
                LOG.warn("near tier: CLIENT TRACKING on {} failed, the near tier stays off until it succeeds: {}", node(),
                        error.toString());
                resources.eventExecutorGroup().schedule(() -> {
                    if (c.isOpen()) {
                        enable(c, true);
                    }
                }, retryMillis, TimeUnit.MILLISECONDS);
            }
        });
    }

    /**
     * Sends a {@code PING} on {@code c} a heartbeat period from now, and so on while {@code c}
     * is the connection and {@code generation} the latest confirmation; a {@code PING} that fails
     * or is not answered within the period forgets everything and replaces the connection.
     */
    private void heartbeat(StatefulRedisConnection<String, String> c, long generation) {
        resources.eventExecutorGroup().schedule(() -> {
            if (closed || connection != c || beat.get() != generation) {
                return;
            }
            CompletableFuture<String> ping = c.async().ping().toCompletableFuture();
            // bounded by a timer that only looks (no cancel on the reply: the JDK's orTimeout
            // cancels under its delay queue's lock, on the event loop that reads the reply)
            resources.eventExecutorGroup().schedule(() -> ping.completeExceptionally(new TimeoutException(
                    "PING not answered within " + heartbeatMillis + " ms")), heartbeatMillis, TimeUnit.MILLISECONDS);
            ping.whenComplete((pong, error) -> {
                    if (closed || connection != c || beat.get() != generation) {
                        return;
                    }
                    if (error == null) {
                        heartbeat(c, generation);
                        return;
                    }
                    LOG.warn("near tier: the tracking connection's PING to {} was not answered within {} ms, forgetting the "
                            + "near tier and reconnecting: {}", node(), heartbeatMillis, error.toString());
                    replace(c);
                });
        }, heartbeatMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * Forgets everything and replaces {@code c}, if it is still the connection, by a new one
     * (whose tracking {@code OK} confirms again): after an unanswered heartbeat or a disconnect.
     * Only the first caller for a connection replaces it.
     */
    private void replace(StatefulRedisConnection<String, String> c) {
        synchronized (this) {
            if (closed || connection != c) {
                return;
            }
            beat.incrementAndGet();
            connection = null;
        }
        listener.forgetAll();
        c.closeAsync();
        connect();
    }

    private void pushed(PushMessage message) {
        if (!"invalidate".equals(message.getType())) {
            return;
        }
        List<Object> content = message.getContent(StringCodec.UTF8::decodeKey);
        Object keys = content.size() > 1 ? content.get(1) : null;
        if (!(keys instanceof List)) {
            // FLUSHALL / FLUSHDB: every key changed
            flushes.incrementAndGet();
            listener.forgetAll();
            listener.tracking();
            return;
        }
        for (Object key : (List<?>) keys) {
            listener.invalidated(key instanceof ByteBuffer ? StringCodec.UTF8.decodeKey((ByteBuffer) key) : String.valueOf(key));
        }
    }

    @Override
    public String toString() {
        StatefulRedisConnection<String, String> c = connection;
        return "LettuceTracking[" + node() + ", connection " + (c == null ? "none" : c.isOpen() ? "open" : "not open")
                + ", confirmations " + beat.get() + ", disconnects " + disconnects + ", reconnects " + reconnects
                + ", flushes " + flushes + ", failed enables " + enableFailures + (closed ? ", closed" : "") + "]";
    }

    /** The current tracking connection, or null between connections; for tests. */
    StatefulRedisConnection<String, String> connection() {
        return connection;
    }

    /** Closes the connection and its client, and the client resources when this channel owns them. Never blocks. */
    CompletableFuture<Void> close() {
        closed = true;
        listener.forgetAll();
        CompletableFuture<Void> done = new CompletableFuture<>();
        client.shutdownAsync(0, 2, TimeUnit.SECONDS).whenComplete((ignored, error) -> {
            if (ownsResources) {
                resources.shutdown(0, 2, TimeUnit.SECONDS).addListener(f -> done.complete(null));
            } else {
                done.complete(null);
            }
        });
        return done;
    }

    /**
     * A disconnect of the connection forgets at once and replaces it by a new connection, rather
     * than waiting for Lettuce's own reconnect: the new connection's tracking {@code OK} is what
     * confirms again, whether or not Lettuce reports its reconnects (a reconnect of the kept
     * connection confirmed nothing once, under CPU load on Redis Cluster, and left one master's
     * channel unconfirmed for good).
     */
    private final class StateListener implements RedisConnectionStateListener {

        @Override
        public void onRedisConnected(RedisChannelHandler<?, ?> handler, SocketAddress address) {
            // counted only: a disconnect already replaced the connection, so a reconnect of the
            // current one is not expected
            if (handler == connection) {
                reconnects.incrementAndGet();
            }
        }

        @Override
        public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
            // a connection already replaced (heartbeat) was forgotten then; forgetting again
            // could undo the new connection's confirmation
            StatefulRedisConnection<String, String> c = connection;
            if (c != null && handler == c && !closed) {
                disconnects.incrementAndGet();
                replace(c);
            }
        }
    }
}
