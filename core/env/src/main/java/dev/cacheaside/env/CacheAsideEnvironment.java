package dev.cacheaside.env;

import dev.cacheaside.CacheAside;
import dev.cacheaside.CacheAsideOptions;
import dev.cacheaside.config.ConfigurationException;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.QueryExecutor;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a {@link CacheAside} from configuration variables: the process environment and
 * {@code ./.env} ({@link #create()}), or {@link Settings} of your own ({@link #create(Settings)}).
 *
 * <ul>
 *   <li>{@code DB_ENGINE} (default {@value Engines#DEFAULT_DB_ENGINE}, embedded) and
 *       {@code CACHE_ENGINE} (default {@value Engines#DEFAULT_CACHE_ENGINE}, in-process) choose
 *       the adapters, found by {@link Engines}; each adapter reads its own {@code DB_*} or
 *       {@code CACHE_*} variables (host, port, user, ...).</li>
 *   <li>The {@code CACHE_*} variables of {@link CacheAsideSettings} set the options.</li>
 * </ul>
 *
 * <p>Stateless and thread safe.
 */
public final class CacheAsideEnvironment {

    private static final Logger log = LoggerFactory.getLogger(CacheAsideEnvironment.class);

    private CacheAsideEnvironment() {
    }

    /**
     * An instance configured from the environment and {@code ./.env} (see {@link Settings#load()}).
     *
     * @see #create(Settings)
     */
    public static CacheAside create() {
        return create(Settings.load());
    }

    /**
     * An instance configured from {@code settings}, connected: the options are read first, so an
     * invalid option fails before any adapter is created; then the database executor (which
     * connects lazily) and the cache store. Before it returns, the cache connection is opened
     * with {@link CacheAside#connectAtStart()}: a cache that does not answer within
     * {@link CacheAsideOptions#connectTimeout()} ({@code CACHE_CONNECT_TIMEOUT}) is logged and
     * never fails the start.
     *
     * @throws dev.cacheaside.config.ConfigurationException naming the variable and the value when
     *     one is invalid or names an engine that is not on the classpath; the database executor
     *     created by then is closed
     */
    public static CacheAside create(Settings settings) {
        Objects.requireNonNull(settings, "settings");
        CacheAsideOptions options = CacheAsideSettings.options(settings);
        QueryExecutor database = Engines.queryExecutor(settings);
        CacheStore cache;
        try {
            cache = Engines.cacheStore(settings);
        } catch (RuntimeException e) {
            database.closeAsync().subscribe(null, err -> log.debug("closing the database failed", err));
            throw e;
        }
        CacheAside instance;
        try {
            instance = CacheAside.builder().database(database).cache(cache).options(options).build();
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            database.closeAsync().subscribe(null, err -> log.debug("closing the database failed", err));
            cache.closeAsync().subscribe(null, err -> log.debug("closing the cache failed", err));
            if (options.nearCache()) {
                // the one option checked against the store: it must report invalidations
                throw new ConfigurationException("CACHE_NEAR", "CACHE_NEAR=true cannot be used with this cache: "
                        + e.getMessage());
            }
            throw e;
        }
        instance.connectAtStart();
        return instance;
    }
}
