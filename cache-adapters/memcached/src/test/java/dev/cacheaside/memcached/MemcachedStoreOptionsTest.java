package dev.cacheaside.memcached;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.config.ConfigurationException;
import dev.cacheaside.env.CacheStoreProvider;
import dev.cacheaside.env.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class MemcachedStoreOptionsTest {

    @Test
    void defaults() {
        MemcachedStoreOptions options = MemcachedStoreOptions.builder().server("127.0.0.1", 11211).build();
        assertThat(options.timeout()).as("timeout").isEqualTo(MemcachedStoreOptions.DEFAULT_TIMEOUT);
        assertThat(options.maxValueSize()).as("max value size").isEqualTo(1024 * 1024 - 1024);
        assertThat(options.pointsPerServer()).as("points").isEqualTo(160);
        assertThat(options.vertx()).as("no shared Vert.x").isNull();
        assertThat(options.servers()).as("servers").containsExactly("127.0.0.1:11211");
    }

    @Test
    void serversFromACommaSeparatedListWithDefaultPort() {
        MemcachedStoreOptions options = MemcachedStoreOptions.builder().servers(" a:1 , b ,c:3").build();
        assertThat(options.servers()).as("servers").containsExactly("a:1", "b:11211", "c:3");
        assertThat(options.mutate().build().servers()).as("servers after mutate").isEqualTo(options.servers());
    }

    @Test
    void validationNamesTheSettingAndTheValue() {
        assertThatThrownBy(() -> MemcachedStoreOptions.builder().build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("servers");
        assertThatThrownBy(() -> MemcachedStoreOptions.builder().servers("h:99999").build())
                .hasMessageContaining("h:99999").hasMessageContaining("99999");
        assertThatThrownBy(() -> MemcachedStoreOptions.builder().servers("h:x").build())
                .hasMessageContaining("'h:x'");
        assertThatThrownBy(() -> MemcachedStoreOptions.builder().servers("h:1,h:1").build())
                .hasMessageContaining("twice");
        assertThatThrownBy(() -> base().timeout(Duration.ZERO).build())
                .hasMessageContaining("timeout").hasMessageContaining("PT0S");
        assertThatThrownBy(() -> base().maxValueSize(0).build())
                .hasMessageContaining("maxValueSize").hasMessageContaining("0");
        assertThatThrownBy(() -> base().maxPendingRequests(-1).build())
                .hasMessageContaining("maxPendingRequests").hasMessageContaining("-1");
        assertThatThrownBy(() -> base().pointsPerServer(0).build()).hasMessageContaining("pointsPerServer");
        assertThatThrownBy(() -> base().reconnectDelay(Duration.ofSeconds(2)).maxReconnectDelay(Duration.ofSeconds(1)).build())
                .hasMessageContaining("maxReconnectDelay").hasMessageContaining("reconnectDelay")
                .hasMessageContaining("PT1S").hasMessageContaining("PT2S");
    }

    @Test
    void settingsFromCacheNodes() {
        MemcachedStoreOptions options = MemcachedSettings.options(Settings.of(Map.of(
                "CACHE_NODES", "10.0.0.1:11211,10.0.0.2",
                "CACHE_HOST", "ignored",
                "CACHE_TIMEOUT", "500ms",
                "MEMCACHED_MAX_VALUE_BYTES", "2000",
                "MEMCACHED_MAX_RECONNECT_DELAY", "2s")));
        assertThat(options.servers()).as("servers").containsExactly("10.0.0.1:11211", "10.0.0.2:11211");
        assertThat(options.timeout()).as("timeout").isEqualTo(Duration.ofMillis(500));
        assertThat(options.maxValueSize()).as("max value").isEqualTo(2000);
        assertThat(options.maxReconnectDelay()).as("max reconnect delay").isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void settingsFromHostAndPort() {
        assertThat(MemcachedSettings.options(Settings.of(Map.of("CACHE_HOST", "cache", "CACHE_PORT", "11300"))).servers())
                .as("servers from CACHE_HOST/CACHE_PORT").containsExactly("cache:11300");
        assertThat(MemcachedSettings.options(Settings.empty()).servers())
                .as("default server").containsExactly("127.0.0.1:11211");
    }

    @Test
    void invalidSettingsNameTheVariable() {
        assertThatThrownBy(() -> MemcachedSettings.options(Settings.of(Map.of("CACHE_NODES", "a:1,a:1"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("CACHE_NODES").hasMessageContaining("a:1,a:1");
        assertThatThrownBy(() -> MemcachedSettings.options(Settings.of(Map.of("CACHE_TIMEOUT", "soon"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("CACHE_TIMEOUT").hasMessageContaining("soon");
        assertThatThrownBy(() -> MemcachedSettings.options(Settings.of(Map.of("MEMCACHED_MAX_RECONNECT_DELAY", "10ms"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("MEMCACHED_MAX_RECONNECT_DELAY");
        assertThatThrownBy(() -> MemcachedSettings.options(Settings.of(Map.of("MEMCACHED_MAX_VALUE_BYTES", "0"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("MEMCACHED_MAX_VALUE_BYTES");
    }

    @Test
    void providerIsListedForTheMemcachedEngine() {
        List<CacheStoreProvider> providers = ServiceLoader.load(CacheStoreProvider.class).stream()
                .map(ServiceLoader.Provider::get).collect(Collectors.toList());
        assertThat(providers).as("providers found by ServiceLoader")
                .anySatisfy(p -> {
                    assertThat(p).isInstanceOf(MemcachedCacheStoreProvider.class);
                    assertThat(p.engines()).containsExactly("memcached");
                });
    }

    @Test
    void providerLoadsWithoutVertxAndNamesItWhenCreating() throws Exception {
        ClassLoader withoutVertx = new HidingClassLoader(getClass().getClassLoader());
        Class<?> providerClass = Class.forName(MemcachedCacheStoreProvider.class.getName(), true, withoutVertx);
        assertThat(providerClass.getClassLoader()).as("provider loaded by the Vert.x-less loader").isSameAs(withoutVertx);
        assertThatThrownBy(() -> Class.forName("io.vertx.core.Vertx", false, withoutVertx))
                .as("Vert.x hidden").isInstanceOf(ClassNotFoundException.class);
        CacheStoreProvider provider = (CacheStoreProvider) providerClass.getConstructor().newInstance();
        assertThat(provider.engines()).as("engines without Vert.x").containsExactly("memcached");
        assertThatThrownBy(() -> provider.create("memcached", Settings.empty()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("io.vertx:vertx-core");
    }

    private static MemcachedStoreOptions.Builder base() {
        return MemcachedStoreOptions.builder().server("h", 1);
    }

    /** Loads this package's classes itself and hides Vert.x, as on a classpath without it. */
    private static final class HidingClassLoader extends ClassLoader {

        HidingClassLoader(ClassLoader parent) {
            super(parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                if (name.startsWith("io.vertx.")) {
                    throw new ClassNotFoundException(name + " (hidden by the test)");
                }
                if (name.startsWith("dev.cacheaside.memcached.")) {
                    Class<?> c = findLoadedClass(name);
                    if (c == null) {
                        String resource = name.replace('.', '/') + ".class";
                        try (InputStream in = getParent().getResourceAsStream(resource)) {
                            if (in == null) {
                                throw new ClassNotFoundException(name);
                            }
                            byte[] bytes = in.readAllBytes();
                            c = defineClass(name, bytes, 0, bytes.length);
                        } catch (IOException e) {
                            throw new ClassNotFoundException(name, e);
                        }
                    }
                    if (resolve) {
                        resolveClass(c);
                    }
                    return c;
                }
                return super.loadClass(name, resolve);
            }
        }
    }
}
