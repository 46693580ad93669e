package dev.cacheaside.memcached;

import dev.cacheaside.config.ConfigurationException;
import dev.cacheaside.env.Settings;
import dev.cacheaside.spi.CacheStore;

/**
 * Maps configuration variables to {@link MemcachedStoreOptions}. Kept apart from the provider so
 * that the provider class never links to Vert.x types.
 */
final class MemcachedSettings {

    static final String DEFAULT_HOST = "127.0.0.1";

    private MemcachedSettings() {
    }

    static CacheStore createStore(Settings settings) {
        return MemcachedCacheStore.create(options(settings));
    }

    static MemcachedStoreOptions options(Settings settings) {
        MemcachedStoreOptions.Builder builder = MemcachedStoreOptions.builder();
        String nodesVariable;
        String nodesValue;
        if (settings.get("CACHE_NODES").isPresent()) {
            nodesVariable = "CACHE_NODES";
            nodesValue = settings.get("CACHE_NODES").get();
            builder.servers(nodesValue);
        } else {
            nodesVariable = "CACHE_HOST";
            // CACHE_HOST= (empty) is an error, never a silent default
            String host = settings.getHost("CACHE_HOST", DEFAULT_HOST);
            int port = settings.getPort("CACHE_PORT", MemcachedStoreOptions.DEFAULT_PORT);
            nodesValue = host;
            builder.server(host, port);
        }
        builder.timeout(settings.getDuration("CACHE_TIMEOUT", MemcachedStoreOptions.DEFAULT_TIMEOUT,
                        MemcachedStoreOptions.MAX_TIMEOUT))
                .connectTimeout(settings.getDuration("CACHE_CONNECT_TIMEOUT",
                        MemcachedStoreOptions.DEFAULT_CONNECT_TIMEOUT, MemcachedStoreOptions.MAX_TIMEOUT))
                .maxValueSize(settings.getInt("MEMCACHED_MAX_VALUE_BYTES",
                        MemcachedStoreOptions.DEFAULT_MAX_VALUE_SIZE, 1, Integer.MAX_VALUE))
                .maxPendingRequests(settings.getInt("MEMCACHED_MAX_PENDING",
                        MemcachedStoreOptions.DEFAULT_MAX_PENDING_REQUESTS, 1, Integer.MAX_VALUE));
        java.time.Duration maxDelay = settings.getDuration("MEMCACHED_MAX_RECONNECT_DELAY",
                MemcachedStoreOptions.DEFAULT_MAX_RECONNECT_DELAY, MemcachedStoreOptions.MAX_TIMEOUT);
        if (maxDelay.compareTo(MemcachedStoreOptions.DEFAULT_RECONNECT_DELAY) < 0) {
            throw new ConfigurationException("MEMCACHED_MAX_RECONNECT_DELAY", "MEMCACHED_MAX_RECONNECT_DELAY="
                    + maxDelay.toMillis() + "ms is shorter than the first reconnection delay ("
                    + MemcachedStoreOptions.DEFAULT_RECONNECT_DELAY.toMillis() + "ms)");
        }
        builder.maxReconnectDelay(maxDelay);
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(nodesVariable, nodesVariable + "='" + nodesValue + "' is invalid: "
                    + e.getMessage());
        }
    }
}
