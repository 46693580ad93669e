package dev.cacheaside.env;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.CacheAside;
import dev.cacheaside.config.ConfigurationException;
import dev.cacheaside.testing.CountingQueryExecutor;
import dev.cacheaside.testing.InMemoryCacheStore;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link CacheAsideEnvironment} and {@link Engines} over the test engines of {@link TestEngines}. */
class CacheAsideEnvironmentTest {

    @Test
    void theEnginesNamedInTheVariablesAreCreatedAndTheCacheIsConnectedAtStart() {
        Settings settings = Settings.of(Map.of("DB_ENGINE", "Counting", "CACHE_ENGINE", "MEMORY", "CACHE_TTL", "600"));
        try (CacheAside cache = CacheAsideEnvironment.create(settings)) {
            assertThat(cache.options().defaultTtl()).as("options from CACHE_*").isEqualTo(Duration.ofMinutes(10));
            assertThat(TestEngines.Database.SETTINGS.get()).as("the provider reads the same settings").isEqualTo(settings);
            assertThat(TestEngines.Cache.LAST.get().reads.get()).as("probed before create returned").isPositive();
        }
        assertThat(TestEngines.Database.LAST.get().isClosed()).as("close() closes the executor").isTrue();
        assertThat(TestEngines.Cache.LAST.get().isClosed()).as("close() closes the store").isTrue();
    }

    @Test
    void aCacheThatDoesNotAnswerNeverFailsTheStart() {
        long start = System.nanoTime();
        try (CacheAside cache = CacheAsideEnvironment.create(Settings.of(Map.of(
                "DB_ENGINE", "counting", "CACHE_ENGINE", "down", "CACHE_CONNECT_TIMEOUT", "300ms")))) {
            InMemoryCacheStore store = TestEngines.Cache.LAST.get();
            assertThat(store.reads.get()).as("probed again until the connect timeout").isGreaterThan(1);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("waited for the connect timeout")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(300));
            assertThat(cache.options().connectTimeout()).isEqualTo(Duration.ofMillis(300));
        }
    }

    @Test
    void aCacheEngineThatFailsClosesTheDatabaseExecutorAlreadyCreated() {
        assertThatThrownBy(() -> CacheAsideEnvironment.create(Settings.of(Map.of("DB_ENGINE", "counting",
                "CACHE_ENGINE", "broken"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("refused by the broken engine");
        CountingQueryExecutor database = TestEngines.Database.LAST.get();
        assertThat(database.isClosed()).as("the executor created before the failure is closed").isTrue();
    }

    @Test
    void anInvalidOptionFailsBeforeAnyEngineIsCreated() {
        TestEngines.Database.LAST.set(null);
        assertThatThrownBy(() -> CacheAsideEnvironment.create(Settings.of(Map.of("DB_ENGINE", "counting",
                "CACHE_ENGINE", "memory", "CACHE_TIMEOUT", "soon"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("CACHE_TIMEOUT='soon'");
        assertThat(TestEngines.Database.LAST.get()).as("no executor created").isNull();
    }

    @Test
    void anUnknownEngineListsTheEnginesAvailable() {
        assertThatThrownBy(() -> Engines.queryExecutor("oracle", Settings.empty()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("DB_ENGINE='oracle' is not a known engine; available engines: [counting]")
                .extracting(e -> ((ConfigurationException) e).variable()).isEqualTo("DB_ENGINE");
        assertThatThrownBy(() -> Engines.cacheStore(Settings.of(Map.of("CACHE_ENGINE", "Hazelcast"))))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("CACHE_ENGINE='hazelcast' is not a known engine; available engines: [broken, down, memory]")
                .extracting(e -> ((ConfigurationException) e).variable()).isEqualTo("CACHE_ENGINE");
        assertThatThrownBy(() -> CacheAsideEnvironment.create(Settings.empty())).as("the default engine, h2, is not here")
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("DB_ENGINE='h2' is not a known engine");
    }

    @Test
    void nearOnAStoreWithoutInvalidationsIsAConfigurationErrorNamingCacheNear() {
        assertThatThrownBy(() -> CacheAsideEnvironment.create(Settings.of(Map.of("DB_ENGINE", "counting",
                "CACHE_ENGINE", "memory", "CACHE_NEAR", "true"))))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CACHE_NEAR=true cannot be used with this cache")
                .hasMessageContaining("reports invalidations")
                .extracting(e -> ((ConfigurationException) e).variable()).isEqualTo("CACHE_NEAR");
    }
}
