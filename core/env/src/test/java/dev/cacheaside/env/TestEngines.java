package dev.cacheaside.env;

import dev.cacheaside.config.ConfigurationException;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.testing.CountingQueryExecutor;
import dev.cacheaside.testing.InMemoryCacheStore;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Engines for the tests, listed in {@code META-INF/services}: a database {@code counting} and
 * caches {@code memory}, {@code down} (every read fails) and {@code broken} (its provider
 * refuses its settings). Each provider keeps what it created last, for the test to inspect.
 */
final class TestEngines {

    private TestEngines() {
    }

    /** Database engine {@code counting}: a {@link CountingQueryExecutor} that answers nothing. */
    public static final class Database implements QueryExecutorProvider {
        static final AtomicReference<CountingQueryExecutor> LAST = new AtomicReference<>();
        static final AtomicReference<Settings> SETTINGS = new AtomicReference<>();

        @Override
        public Set<String> engines() {
            return Set.of("counting");
        }

        @Override
        public QueryExecutor create(String engine, Settings settings) {
            CountingQueryExecutor executor = new CountingQueryExecutor((sql, parameters) -> {
                throw new UnsupportedOperationException("no queries in these tests");
            });
            LAST.set(executor);
            SETTINGS.set(settings);
            return executor;
        }
    }

    /** Cache engines {@code memory}, {@code down} and {@code broken}. */
    public static final class Cache implements CacheStoreProvider {
        static final AtomicReference<InMemoryCacheStore> LAST = new AtomicReference<>();

        @Override
        public Set<String> engines() {
            return Set.of("memory", "down", "broken");
        }

        @Override
        public CacheStore create(String engine, Settings settings) {
            if (engine.equals("broken")) {
                throw new ConfigurationException("CACHE_HOST", "CACHE_HOST is refused by the broken engine");
            }
            InMemoryCacheStore store = InMemoryCacheStore.realTime();
            if (engine.equals("down")) {
                store.failReads(new IllegalStateException("the cache is down"));
            }
            LAST.set(store);
            return store;
        }
    }
}
