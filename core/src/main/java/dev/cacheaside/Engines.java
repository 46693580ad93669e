package dev.cacheaside;

import dev.cacheaside.config.ConfigurationException;
import dev.cacheaside.config.Settings;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.CacheStoreProvider;
import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.spi.QueryExecutorProvider;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/** Finds database and cache providers by engine name with {@link ServiceLoader}. */
final class Engines {

    /** The database engine used when {@code DB_ENGINE} is not set: embedded H2. */
    static final String DEFAULT_DB_ENGINE = "h2";

    /** The cache engine used when {@code CACHE_ENGINE} is not set: the in-process store. */
    static final String DEFAULT_CACHE_ENGINE = "local";

    private Engines() {
    }

    static QueryExecutor database(Settings settings) {
        String engine = settings.get("DB_ENGINE", DEFAULT_DB_ENGINE).toLowerCase(Locale.ROOT);
        QueryExecutorProvider provider = find(QueryExecutorProvider.class, "DB_ENGINE", engine,
                QueryExecutorProvider::engines);
        return provider.create(engine, settings);
    }

    static CacheStore cache(Settings settings) {
        String engine = settings.get("CACHE_ENGINE", DEFAULT_CACHE_ENGINE).toLowerCase(Locale.ROOT);
        CacheStoreProvider provider = find(CacheStoreProvider.class, "CACHE_ENGINE", engine,
                CacheStoreProvider::engines);
        return provider.create(engine, settings);
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
                + (available.isEmpty() ? "no engines are on the classpath (add cache-aside-r2dbc and cache-aside-stores)"
                : "available engines: " + available));
    }
}
