package dev.cacheaside.memcached;

import dev.cacheaside.config.ConfigurationException;
import dev.cacheaside.env.CacheStoreProvider;
import dev.cacheaside.env.Settings;
import dev.cacheaside.spi.CacheStore;
import java.util.Set;

/**
 * Creates a {@link MemcachedCacheStore} for {@code CACHE_ENGINE=memcached}; found through
 * {@link java.util.ServiceLoader}.
 *
 * <p>This class loads without Vert.x on the classpath (so that listing providers never fails);
 * {@link #create} then fails with a {@link ConfigurationException} that names the missing
 * dependency, {@code io.vertx:vertx-core}.
 *
 * <p>Variables read by {@link #create}:
 * <ul>
 *   <li>{@code CACHE_NODES}: servers as {@code host:port,host:port} (a missing port is 11211);
 *       when not set, the one server {@code CACHE_HOST} (default {@code 127.0.0.1}; set but
 *       empty is an error) and
 *       {@code CACHE_PORT} (default 11211);
 *   <li>{@code CACHE_TIMEOUT}: per-operation timeout (default {@code 250ms});
 *   <li>{@code CACHE_CONNECT_TIMEOUT}: TCP connect timeout (default {@code 5s});
 *   <li>{@code MEMCACHED_MAX_RECONNECT_DELAY}: the longest delay between reconnection attempts
 *       (default {@code 5s});
 *   <li>{@code MEMCACHED_MAX_VALUE_BYTES}: the largest value cached (default 1,047,552, that is
 *       1 MiB minus 1 KiB, for servers started with memcached's default {@code -I 1m});
 *   <li>{@code MEMCACHED_MAX_PENDING}: unanswered requests allowed per connection (default 10000).
 * </ul>
 *
 * <p>Stateless and thread safe.
 */
public final class MemcachedCacheStoreProvider implements CacheStoreProvider {

    /** The engine name: {@code memcached}. */
    public static final String ENGINE = "memcached";

    /** A provider; used by {@link java.util.ServiceLoader}. */
    public MemcachedCacheStoreProvider() {
    }

    @Override
    public Set<String> engines() {
        return Set.of(ENGINE);
    }

    /**
     * A new store from {@code settings}.
     *
     * @throws ConfigurationException when Vert.x core is not on the classpath or a variable is invalid
     */
    @Override
    public CacheStore create(String engine, Settings settings) {
        if (!ENGINE.equals(engine)) {
            throw new ConfigurationException("CACHE_ENGINE", "CACHE_ENGINE='" + engine
                    + "' is not served by this provider; expected " + ENGINE);
        }
        try {
            Class.forName("io.vertx.core.Vertx", false, MemcachedCacheStoreProvider.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new ConfigurationException("CACHE_ENGINE", "CACHE_ENGINE=memcached needs Vert.x core on the"
                    + " classpath: add the dependency io.vertx:vertx-core (5.x)");
        }
        return MemcachedSettings.createStore(settings);
    }
}
