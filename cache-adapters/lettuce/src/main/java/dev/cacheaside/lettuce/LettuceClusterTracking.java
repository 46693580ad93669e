package dev.cacheaside.lettuce;

import dev.cacheaside.spi.InvalidatingStore;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.resource.ClientResources;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * The invalidation channels of a near tier on Redis Cluster: one {@link LettuceTracking} (RESP3,
 * {@code CLIENT TRACKING ON BCAST PREFIX <key prefix>}, heartbeat) per master, since each master
 * pushes the changes of the keys it owns only; their reports are aggregated into the engine's one
 * {@link InvalidatingStore.Listener}:
 * <ul>
 *   <li>{@link InvalidatingStore.Listener#tracking()} only once every master of the current
 *       topology has confirmed tracking on its channel ({@code OK});
 *   <li>any channel's loss (disconnect, unanswered heartbeat, a push without keys) calls
 *       {@link InvalidatingStore.Listener#forgetAll()} at once, and tracking resumes only when
 *       that channel confirms again and all others still are;
 *   <li>every key a channel reports goes to {@link InvalidatingStore.Listener#invalidated}.
 * </ul>
 *
 * <p>Topology: a {@link RedisClusterClient} of its own (the cluster options of
 * {@link LettuceClientConfig#clusterOptions()}) loads the topology without blocking, then again
 * every {@link LettuceStoreOptions#topologyRefreshPeriod()}, and every
 * {@link LettuceClientConfig#ADAPTIVE_REFRESH_TIMEOUT} (or the period, when shorter) while some
 * channel has not confirmed, so that a master that died and was replaced is dropped soon. Each
 * change Lettuce publishes as a {@link ClusterTopologyChangedEvent} on this client's event bus
 * forgets everything, closes the channels of masters that left, opens channels to new ones, and
 * tracking resumes when every master of the new topology has confirmed. A master counts when it
 * holds slots, or when it holds none but is not failing (so a master that slots move to is
 * tracked before it holds them); a failed master without slots (after a failover) is dropped.
 *
 * <p>Not covered: keys written on a master between the moment it takes over slots and the next
 * topology refresh that shows it, when it had no channel before (a master that joined the
 * cluster and received slots within one refresh period).
 *
 * <p>Nothing here blocks: callbacks run on Lettuce's event loops and the event bus's scheduler;
 * the state shared between them is guarded by this object's monitor, held only for quick
 * bookkeeping and the listener's calls (quick too, per its contract), so that a loss and a
 * confirmation reach the listener in the order they were decided.
 */
final class LettuceClusterTracking {

    private static final Logger LOG = LoggerFactory.getLogger(LettuceClusterTracking.class);

    private final LettuceStoreOptions options;
    private final LettuceClientConfig config;
    private final ClientResources resources;
    private final RedisClusterClient topology;
    private final String prefix;
    private final InvalidatingStore.Listener listener;
    private final long retryMillis;
    /** How often a tick looks whether a refresh is due. */
    private final long tickMillis;
    private final long periodNanos;
    private final ChannelFactory factory;
    private final Disposable events;
    /** The channels of the current masters, by {@code host:port}; guarded by {@code this}. */
    private final Map<String, Channel> channels = new LinkedHashMap<>();
    /** Whether {@link #listener} was last told {@code tracking()}; guarded by {@code this}. */
    private boolean serving;
    private volatile boolean loaded;
    private volatile boolean refreshing;
    private volatile long lastRefresh = System.nanoTime();
    private volatile boolean closed;

    /** Starts loading the topology and tracking on every master at once, without blocking. */
    LettuceClusterTracking(LettuceStoreOptions options, String prefix, InvalidatingStore.Listener listener) {
        this(options, prefix, listener, null, true);
    }

    /**
     * With {@code factory} opening the channels ({@code null}: a {@link LettuceTracking} per
     * master); {@code start} false (tests) loads no topology: only {@link #reconcile} sets the masters.
     */
    LettuceClusterTracking(LettuceStoreOptions options, String prefix, InvalidatingStore.Listener listener,
            ChannelFactory factory, boolean start) {
        this.options = options;
        this.config = new LettuceClientConfig(options);
        this.resources = config.resources();
        this.topology = RedisClusterClient.create(resources, config.clusterSeeds());
        this.topology.setOptions(config.clusterOptions());
        this.prefix = prefix;
        this.listener = listener;
        this.retryMillis = Math.max(100, options.reconnectDelayMin().toMillis());
        this.periodNanos = options.topologyRefreshPeriod().toNanos();
        this.tickMillis = Math.max(100, Math.min(options.topologyRefreshPeriod().toMillis(),
                LettuceClientConfig.ADAPTIVE_REFRESH_TIMEOUT.toMillis()));
        ClientOptions channelOptions = LettuceTracking.clientOptions(config);
        this.factory = factory != null ? factory
                : (master, report) -> handle(new LettuceTracking(options, channelOptions, resources, false,
                        config.nodeUri(LettuceNodes.host(master), LettuceNodes.port(master)), prefix, report));
        if (!start) {
            this.events = reactor.core.Disposables.disposed();
            this.loaded = true;
            return;
        }
        this.events = resources.eventBus().get()
                .filter(ClusterTopologyChangedEvent.class::isInstance)
                .cast(ClusterTopologyChangedEvent.class)
                .subscribe(e -> {
                    LOG.info("near tier: the cluster topology changed, the near tier forgets and waits for every master's "
                            + "tracking");
                    reconcile(e.after(), true);
                }, error -> LOG.warn("near tier: the topology events ended: {}", error.toString()));
        load();
    }

    /**
     * Loads the topology the first time, retrying until it works (after the reconnect delays:
     * the minimum, doubled up to the maximum); then builds the channels and starts the ticks.
     */
    private void load() {
        load(retryMillis);
    }

    private void load(long delayMillis) {
        if (closed) {
            return;
        }
        refreshing = true;
        refresh().whenComplete((ignored, error) -> {
            refreshing = false;
            lastRefresh = System.nanoTime();
            if (closed) {
                return;
            }
            if (error != null) {
                LOG.debug("near tier: the cluster topology could not be loaded, retrying in {} ms: {}", delayMillis, error.toString());
                long next = Math.min(Math.max(delayMillis, options.reconnectDelayMax().toMillis()), delayMillis * 2);
                resources.eventExecutorGroup().schedule(() -> load(next), delayMillis, TimeUnit.MILLISECONDS);
                return;
            }
            loaded = true;
            reconcile(topology.getPartitions(), false);
            tick();
        });
    }

    /**
     * Every {@link #tickMillis}: a refresh when the period has passed, or sooner while some
     * channel has not confirmed (a master may have died and been replaced). A change it finds
     * comes back as a {@link ClusterTopologyChangedEvent}.
     */
    private void tick() {
        resources.eventExecutorGroup().schedule(() -> {
            if (closed) {
                return;
            }
            boolean due = System.nanoTime() - lastRefresh >= periodNanos;
            if (!refreshing && (due || !allConfirmed())) {
                refreshing = true;
                refresh().whenComplete((ignored, error) -> {
                    refreshing = false;
                    lastRefresh = System.nanoTime();
                    if (error != null && !closed) {
                        LOG.debug("near tier: the cluster topology refresh failed: {}", error.toString());
                    }
                });
            }
            tick();
        }, tickMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * One topology refresh (bounded by Lettuce's connect and command timeouts). Never two at once
     * on this client: the ticks start one only when the last has completed.
     */
    private CompletableFuture<Void> refresh() {
        return topology.refreshPartitionsAsync().toCompletableFuture();
    }

    private synchronized boolean allConfirmed() {
        return !channels.isEmpty() && channels.values().stream().allMatch(c -> c.confirmed);
    }

    /**
     * Makes the channels those of {@code nodes}' masters. A {@code changed} topology, or a master
     * set that differs, forgets everything first; the listener hears {@code tracking()} again
     * once every master's channel has confirmed (at once when all kept channels already have).
     */
    void reconcile(Iterable<RedisClusterNode> nodes, boolean changed) {
        Set<String> masters = new LinkedHashSet<>();
        for (RedisClusterNode node : nodes) {
            if (isTracked(node)) {
                masters.add(node.getUri().getHost() + ":" + node.getUri().getPort());
            }
        }
        List<Channel> removed = new ArrayList<>();
        synchronized (this) {
            if (closed || !loaded) {
                return;
            }
            if (!changed && masters.equals(channels.keySet())) {
                return;
            }
            forget();
            for (var it = channels.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<String, Channel> e = it.next();
                if (!masters.contains(e.getKey())) {
                    removed.add(e.getValue());
                    it.remove();
                }
            }
            for (String master : masters) {
                channels.computeIfAbsent(master, Channel::new);
            }
            LOG.info("near tier: tracking on the cluster's masters {}", channels.keySet());
            serveIfAllConfirmed();
        }
        for (Channel c : removed) {
            c.handle.close();
        }
    }

    /** A master with slots, or without slots but not failing; never a replica or a node in handshake. */
    static boolean isTracked(RedisClusterNode node) {
        if (!node.is(RedisClusterNode.NodeFlag.UPSTREAM) || node.is(RedisClusterNode.NodeFlag.HANDSHAKE) || node.getUri() == null) {
            return false;
        }
        boolean failing = node.is(RedisClusterNode.NodeFlag.FAIL) || node.is(RedisClusterNode.NodeFlag.EVENTUAL_FAIL)
                || node.is(RedisClusterNode.NodeFlag.NOADDR);
        return !node.hasNoSlots() || !failing;
    }

    /** Guarded by {@code this}. */
    private void forget() {
        serving = false;
        listener.forgetAll();
    }

    /** Guarded by {@code this}. */
    private void serveIfAllConfirmed() {
        if (!serving && !closed && !channels.isEmpty() && channels.values().stream().allMatch(c -> c.confirmed)) {
            serving = true;
            listener.tracking();
        }
    }

    @Override
    public synchronized String toString() {
        StringBuilder b = new StringBuilder("LettuceClusterTracking[loaded ").append(loaded).append(", serving ").append(serving)
                .append(", refreshing ").append(refreshing).append(closed ? ", closed" : "");
        channels.forEach((master, c) -> b.append(", ").append(master).append(c.confirmed ? " confirmed " : " unconfirmed ")
                .append(c.handle));
        return b.append(']').toString();
    }

    /** Closes every channel, the topology client and the resources. Never blocks. */
    CompletableFuture<Void> close() {
        List<Channel> all;
        synchronized (this) {
            closed = true;
            forget();
            all = new ArrayList<>(channels.values());
            channels.clear();
        }
        events.dispose();
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (Channel c : all) {
            closing.add(c.handle.close());
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        CompletableFuture.allOf(closing.toArray(new CompletableFuture<?>[0]))
                .handle((ignored, error) -> topology.shutdownAsync(0, 2, TimeUnit.SECONDS))
                .thenCompose(f -> f)
                .whenComplete((ignored, error) -> resources.shutdown(0, 2, TimeUnit.SECONDS).addListener(f -> done.complete(null)));
        return done;
    }

    /** Opens the channel of one master ({@code host:port}) that reports to {@code report}; returns how to close it. */
    interface ChannelFactory {
        Handle open(String master, InvalidatingStore.Listener report);
    }

    /** Closes one channel, without blocking. */
    interface Handle {
        CompletableFuture<Void> close();
    }

    private static Handle handle(LettuceTracking tracking) {
        return new Handle() {
            @Override
            public CompletableFuture<Void> close() {
                return tracking.close();
            }

            @Override
            public String toString() {
                return tracking.toString();
            }
        };
    }

    /** One master's channel, and the listener that reports its state to the aggregate. */
    private final class Channel implements InvalidatingStore.Listener {

        private final String master;
        private final Handle handle;
        /** Whether this channel's tracking is confirmed; guarded by the outer {@code this}. */
        private boolean confirmed;

        /** Guarded by the outer {@code this} (called from {@link #reconcile}). */
        Channel(String master) {
            this.master = master;
            this.handle = factory.open(master, this);
        }

        private boolean current() {
            return channels.get(master) == this;
        }

        @Override
        public void invalidated(String key) {
            listener.invalidated(key);
        }

        /**
         * The channel's own state is kept whether or not it is current; only a current channel
         * moves the aggregate. (A confirmation that reached a channel not yet in {@link #channels}
         * was once dropped, leaving the near tier off for good: its channel showed one
         * confirmation and no loss.)
         */
        @Override
        public void forgetAll() {
            synchronized (LettuceClusterTracking.this) {
                confirmed = false;
                if (current()) {
                    forget();
                }
            }
        }

        @Override
        public void tracking() {
            synchronized (LettuceClusterTracking.this) {
                confirmed = true;
                if (current()) {
                    serveIfAllConfirmed();
                }
            }
        }
    }
}
