package dev.cacheaside.env;

import dev.cacheaside.spi.CacheStore;
import java.util.Set;

/**
 * Creates a {@link CacheStore} for a cache engine named in {@code CACHE_ENGINE}.
 *
 * <p>Providers are found with {@link java.util.ServiceLoader} by {@link Engines}: an adapter
 * lists its class in {@code META-INF/services/dev.cacheaside.env.CacheStoreProvider}. Adding an
 * engine never touches core or this module. A provider is stateless and thread safe.
 */
public interface CacheStoreProvider {

    /** The lower-case engine names this provider answers to, for example {@code redis}. */
    Set<String> engines();

    /**
     * Creates a store for {@code engine} from {@code settings} ({@code CACHE_HOST},
     * {@code CACHE_PORT} and the adapter's own variables).
     *
     * @throws dev.cacheaside.config.ConfigurationException when a variable is invalid
     */
    CacheStore create(String engine, Settings settings);
}
