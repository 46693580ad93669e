package dev.cacheaside.env;

import dev.cacheaside.config.ConfigurationException;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.QueryExecutor;
import java.util.Locale;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Finds the {@link QueryExecutorProvider} and {@link CacheStoreProvider} of an engine by name,
 * with {@link ServiceLoader} (the providers an adapter lists in {@code META-INF/services}), and
 * creates the executor or store from {@link Settings}.
 *
 * <p>Engine names are compared in lower case. A name no provider answers to fails with a
 * {@link ConfigurationException} that names the variable ({@code DB_ENGINE} or
 * {@code CACHE_ENGINE}), the value and the engines that are on the classpath. Stateless and
 * thread safe; every call looks the providers up again.
 */
public final class Engines {

    /** The database engine used when {@code DB_ENGINE} is not set: embedded H2. */
    public static final String DEFAULT_DB_ENGINE = "h2";

    /** The cache engine used when {@code CACHE_ENGINE} is not set: the in-process store. */
    public static final String DEFAULT_CACHE_ENGINE = "local";

    private Engines() {
    }

    /**
     * An executor for the engine named in {@code DB_ENGINE} (default {@value #DEFAULT_DB_ENGINE}).
     *
     * @throws ConfigurationException when no provider answers to the engine, or a variable is invalid
     */
    public static QueryExecutor queryExecutor(Settings settings) {
        return queryExecutor(settings.get("DB_ENGINE", DEFAULT_DB_ENGINE), settings);
    }

    /**
     * An executor for {@code engine} (for example {@code postgresql}), created by its provider
     * from {@code settings}. It connects to nothing until used.
     *
     * @throws ConfigurationException naming {@code DB_ENGINE} and listing the engines available
     *     when no provider answers to {@code engine}; or naming the variable that is invalid
     */
    public static QueryExecutor queryExecutor(String engine, Settings settings) {
        String name = normalized(engine);
        Objects.requireNonNull(settings, "settings");
        return find(QueryExecutorProvider.class, "DB_ENGINE", name, QueryExecutorProvider::engines)
                .create(name, settings);
    }

    /**
     * A store for the engine named in {@code CACHE_ENGINE} (default {@value #DEFAULT_CACHE_ENGINE}).
     *
     * @throws ConfigurationException when no provider answers to the engine, or a variable is invalid
     */
    public static CacheStore cacheStore(Settings settings) {
        return cacheStore(settings.get("CACHE_ENGINE", DEFAULT_CACHE_ENGINE), settings);
    }

    /**
     * A store for {@code engine} (for example {@code redis}), created by its provider from
     * {@code settings}.
     *
     * @throws ConfigurationException naming {@code CACHE_ENGINE} and listing the engines available
     *     when no provider answers to {@code engine}; or naming the variable that is invalid
     */
    public static CacheStore cacheStore(String engine, Settings settings) {
        String name = normalized(engine);
        Objects.requireNonNull(settings, "settings");
        return find(CacheStoreProvider.class, "CACHE_ENGINE", name, CacheStoreProvider::engines)
                .create(name, settings);
    }

    private static String normalized(String engine) {
        return Objects.requireNonNull(engine, "engine").trim().toLowerCase(Locale.ROOT);
    }

    private static <P> P find(Class<P> type, String variable, String engine,
                              Function<P, Set<String>> names) {
        Set<String> available = new TreeSet<>();
        for (P provider : ServiceLoader.load(type, Engines.class.getClassLoader())) {
            Set<String> engines = names.apply(provider);
            if (engines.contains(engine)) {
                return provider;
            }
            available.addAll(engines);
        }
        throw new ConfigurationException(variable, variable + "='" + engine + "' is not a known engine; "
                + (available.isEmpty() ? "no engines are on the classpath (add cache-aside-r2dbc and a cache store:"
                        + " cache-aside-caffeine, cache-aside-lettuce or cache-aside-memcached)"
                : "available engines: " + available));
    }
}
