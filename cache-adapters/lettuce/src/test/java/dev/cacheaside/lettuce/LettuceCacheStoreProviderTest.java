package dev.cacheaside.lettuce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.config.ConfigurationException;
import dev.cacheaside.env.CacheStoreProvider;
import dev.cacheaside.env.Settings;
import dev.cacheaside.spi.CacheStore;
import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Variables to options, their validation, redaction, and the provider without Lettuce. */
class LettuceCacheStoreProviderTest {

    @Test
    void defaultsAreOneLocalServerWithA250msTimeout() {
        LettuceStoreOptions options = LettuceCacheStoreProvider.options(Settings.empty());
        assertThat(options.topology()).isEqualTo(LettuceStoreOptions.Topology.STANDALONE);
        assertThat(options.nodes()).containsExactly("localhost:6379");
        assertThat(options.commandTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(options.connectTimeout()).isEqualTo(LettuceStoreOptions.DEFAULT_CONNECT_TIMEOUT).isEqualTo(Duration.ofSeconds(5));
        assertThat(options.tls()).isFalse();
        assertThat(options.hasPassword()).isFalse();
        assertThat(options.requestQueueSize()).isEqualTo(LettuceStoreOptions.DEFAULT_REQUEST_QUEUE_SIZE);
    }

    @Test
    void singleServerVariables() {
        LettuceStoreOptions options = LettuceCacheStoreProvider.options(settings(
                "CACHE_HOST", "cache.internal", "CACHE_PORT", "6380", "CACHE_USER", "app", "CACHE_PASSWORD", "s3cret",
                "CACHE_TLS", "true", "CACHE_DATABASE", "3", "CACHE_TIMEOUT", "100ms", "CACHE_CONNECT_TIMEOUT", "5s"));
        assertThat(options.nodes()).containsExactly("cache.internal:6380");
        assertThat(options.username()).isEqualTo("app");
        assertThat(options.hasPassword()).isTrue();
        assertThat(options.tls()).isTrue();
        assertThat(options.database()).isEqualTo(3);
        assertThat(options.commandTimeout()).isEqualTo(Duration.ofMillis(100));
        assertThat(options.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(options.toString()).as("options description").doesNotContain("s3cret").contains("password=(redacted)");
    }

    @Test
    void clusterAndSentinelFromNodes() {
        LettuceStoreOptions cluster = LettuceCacheStoreProvider.options(settings(
                "CACHE_CLUSTER", "true", "CACHE_NODES", "10.0.0.1:7000, 10.0.0.2:7001,10.0.0.3:7002"));
        assertThat(cluster.topology()).isEqualTo(LettuceStoreOptions.Topology.CLUSTER);
        assertThat(cluster.nodes()).containsExactly("10.0.0.1:7000", "10.0.0.2:7001", "10.0.0.3:7002");

        LettuceStoreOptions clusterFromHost = LettuceCacheStoreProvider.options(settings("CACHE_CLUSTER", "true", "CACHE_PORT", "7000"));
        assertThat(clusterFromHost.nodes()).as("one seed from CACHE_HOST/CACHE_PORT").containsExactly("localhost:7000");

        LettuceStoreOptions sentinel = LettuceCacheStoreProvider.options(settings(
                "CACHE_SENTINEL_MASTER", "mymaster", "CACHE_NODES", "s1:26379,s2:26379", "CACHE_SENTINEL_PASSWORD", "sentinel-pw"));
        assertThat(sentinel.topology()).isEqualTo(LettuceStoreOptions.Topology.SENTINEL);
        assertThat(sentinel.sentinelMaster()).isEqualTo("mymaster");
        assertThat(sentinel.nodes()).containsExactly("s1:26379", "s2:26379");
        assertThat(sentinel.toString()).doesNotContain("sentinel-pw");

        LettuceStoreOptions sentinelFromHost = LettuceCacheStoreProvider.options(settings("CACHE_SENTINEL_MASTER", "mymaster"));
        assertThat(sentinelFromHost.nodes()).as("Sentinel's default port").containsExactly("localhost:26379");
    }

    @Test
    void conflictingOrBadVariablesAreNamed() {
        assertThatThrownBy(() -> LettuceCacheStoreProvider.options(settings("CACHE_NODES", "a:1,b:2")))
                .as("nodes without a topology").isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CACHE_NODES").hasMessageContaining("CACHE_CLUSTER=true");
        assertThatThrownBy(() -> LettuceCacheStoreProvider.options(settings("CACHE_CLUSTER", "true", "CACHE_SENTINEL_MASTER", "m")))
                .as("cluster and sentinel").isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CACHE_CLUSTER").hasMessageContaining("CACHE_SENTINEL_MASTER");
        assertThatThrownBy(() -> LettuceCacheStoreProvider.options(settings("CACHE_CLUSTER", "true", "CACHE_NODES", "a:1,b")))
                .as("node without port").isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CACHE_NODES").hasMessageContaining("'b'");
        assertThatThrownBy(() -> LettuceCacheStoreProvider.options(settings("CACHE_CLUSTER", "true", "CACHE_DATABASE", "2")))
                .as("database in a cluster").isInstanceOf(ConfigurationException.class).hasMessageContaining("CACHE_DATABASE");
        assertThatThrownBy(() -> LettuceCacheStoreProvider.options(settings("CACHE_USER", "app")))
                .as("user without password").isInstanceOf(ConfigurationException.class).hasMessageContaining("CACHE_PASSWORD");
        assertThatThrownBy(() -> LettuceCacheStoreProvider.options(settings("CACHE_TIMEOUT", "soon")))
                .as("bad timeout").isInstanceOf(ConfigurationException.class).hasMessageContaining("CACHE_TIMEOUT");
        assertThatThrownBy(() -> LettuceCacheStoreProvider.options(settings("CACHE_TLS_CA_FILE", "/etc/hostname")))
                .as("CA file without TLS").isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CACHE_TLS_CA_FILE").hasMessageContaining("CACHE_TLS");
        assertThatThrownBy(() -> LettuceCacheStoreProvider.options(settings("CACHE_TLS", "true", "CACHE_TLS_CA_FILE", "/no/such/ca.pem")))
                .as("missing CA file").isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CACHE_TLS_CA_FILE").hasMessageContaining("/no/such/ca.pem");
        assertThatThrownBy(() -> LettuceCacheStoreProvider.options(settings("CACHE_PORT", "70000")))
                .as("bad port").isInstanceOf(ConfigurationException.class).hasMessageContaining("CACHE_PORT");
    }

    @Test
    void builderChecksNameTheSetting() {
        assertThatThrownBy(() -> LettuceStoreOptions.builder().commandTimeout(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("commandTimeout");
        assertThatThrownBy(() -> LettuceStoreOptions.builder().requestQueueSize(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("requestQueueSize");
        assertThatThrownBy(() -> LettuceStoreOptions.builder().reconnectDelay(Duration.ofSeconds(2), Duration.ofSeconds(1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reconnectDelay");
        assertThatThrownBy(() -> LettuceStoreOptions.builder().cluster(List.of("a:1")).database(1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("database");
        LettuceStoreOptions options = LettuceStoreOptions.builder().password("pw").build();
        assertThat(options.mutate().build().hasPassword()).as("mutate keeps the password").isTrue();
    }

    @Test
    void storeCreationIsLazyAndDescriptionRedacted() {
        CacheStore store = new LettuceCacheStoreProvider().create("valkey",
                settings("CACHE_PORT", "1", "CACHE_PASSWORD", "topsecret-value"));
        try {
            assertThat(store).isInstanceOf(LettuceCacheStore.class);
            assertThat(store.toString()).doesNotContain("topsecret-value").contains("(redacted)");
            assertThatThrownBy(() -> store.set("k", LettuceLeases.marker("x"), Duration.ofSeconds(1)))
                    .as("a value that looks like a lease").isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("lease marker");
        } finally {
            store.close();
        }
    }

    @Test
    void providerIsFoundForRedisAndValkey() {
        List<Set<String>> engines = new ArrayList<>();
        ServiceLoader.load(CacheStoreProvider.class).forEach(p -> engines.add(p.engines()));
        assertThat(engines).as("engines of the providers found").contains(Set.of("redis", "valkey"));
    }

    @Test
    void providerLoadsWithoutLettuceAndNamesTheDependencyInCreate() throws Exception {
        List<URL> urls = new ArrayList<>();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        for (String entry : classPath.split(File.pathSeparator)) {
            // the Lettuce jar only: this module's own folder is named lettuce too
            if (!entry.isBlank() && !new File(entry).getName().startsWith("lettuce-core")) {
                urls.add(new File(entry).toURI().toURL());
            }
        }
        try (URLClassLoader withoutLettuce = new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader())) {
            assertThatThrownBy(() -> Class.forName(LettuceCacheStoreProvider.LETTUCE_CLASS, false, withoutLettuce))
                    .as("Lettuce is really absent from the test class loader").isInstanceOf(ClassNotFoundException.class);
            Class<?> spi = Class.forName("dev.cacheaside.env.CacheStoreProvider", true, withoutLettuce);
            Object provider = null;
            for (Object candidate : ServiceLoader.load(spi, withoutLettuce)) {
                @SuppressWarnings("unchecked")
                Set<String> names = (Set<String>) spi.getMethod("engines").invoke(candidate);
                if (names.contains("redis")) {
                    provider = candidate;
                }
            }
            assertThat(provider).as("redis provider loaded by ServiceLoader without Lettuce").isNotNull();
            Class<?> settingsClass = Class.forName("dev.cacheaside.env.Settings", true, withoutLettuce);
            Object settings = settingsClass.getMethod("empty").invoke(null);
            Method create = spi.getMethod("create", String.class, settingsClass);
            Object target = provider;
            Throwable error = null;
            try {
                create.invoke(target, "redis", settings);
            } catch (InvocationTargetException e) {
                error = e.getCause();
            }
            assertThat(error).as("create without Lettuce").isNotNull();
            assertThat(error.getClass().getName()).isEqualTo(ConfigurationException.class.getName());
            assertThat(error.getMessage()).contains("io.lettuce:lettuce-core").contains("CACHE_ENGINE=redis");
        }
    }

    private static Settings settings(String... pairs) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return Settings.of(map);
    }
}
