package dev.cacheaside.integration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.config.ConfigurationException;
import dev.cacheaside.env.Settings;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.caffeine.LocalCacheStoreProvider;
import dev.cacheaside.memcached.MemcachedCacheStoreProvider;
import dev.cacheaside.lettuce.LettuceCacheStoreProvider;
import java.math.BigInteger;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * Feeds random, overflowing, negative and garbage strings to every variable the cache providers
 * parse: each {@code create} gives a store (closed at once; no connection is opened) or a
 * {@link ConfigurationException} naming one of the variables given, never another exception,
 * and never showing a password.
 */
class StoreConfigurationPropertyTest {

    static final List<String> VARIABLES = List.of("CACHE_HOST", "CACHE_PORT", "CACHE_USER", "CACHE_PASSWORD",
            "CACHE_TLS", "CACHE_TLS_CA_FILE", "CACHE_DATABASE", "CACHE_NODES", "CACHE_CLUSTER", "CACHE_SENTINEL_MASTER",
            "CACHE_SENTINEL_PASSWORD", "CACHE_TIMEOUT", "CACHE_CONNECT_TIMEOUT", "MEMCACHED_MAX_VALUE_BYTES",
            "MEMCACHED_MAX_PENDING", "MEMCACHED_MAX_RECONNECT_DELAY", "CACHE_LOCAL_MAX_BYTES");

    @Property(tries = 300)
    void redisVariables(@ForAll("settings") Map<String, String> vars) {
        check(vars, () -> new LettuceCacheStoreProvider().create("redis", Settings.of(vars)));
    }

    @Property(tries = 150)
    void memcachedVariables(@ForAll("settings") Map<String, String> vars) {
        check(vars, () -> new MemcachedCacheStoreProvider().create("memcached", Settings.of(vars)));
    }

    @Property(tries = 1000)
    void localVariables(@ForAll("settings") Map<String, String> vars) {
        check(vars, () -> new LocalCacheStoreProvider().create("local", Settings.of(vars)));
    }

    @Test
    void anEmptyCacheHostIsAnErrorForEveryServerEngine() {
        for (String engine : List.of("redis", "memcached")) {
            Settings empty = Settings.of(Map.of("CACHE_HOST", ""));
            assertThatThrownBy(() -> create(engine, empty)).as(engine)
                    .isInstanceOf(ConfigurationException.class).hasMessageContaining("CACHE_HOST is set but empty");
            assertThatThrownBy(() -> create(engine, Settings.of(Map.of("CACHE_HOST", "  ")))).as(engine + ", blank")
                    .isInstanceOf(ConfigurationException.class).hasMessageContaining("CACHE_HOST is set but empty");
        }
    }

    @Test
    void anOverflowingTimeoutNamesItsVariable() {
        for (String engine : List.of("redis", "memcached")) {
            for (String variable : List.of("CACHE_TIMEOUT", "CACHE_CONNECT_TIMEOUT")) {
                for (String value : List.of("9999999999999999h", "25h", "9223372036854775807ms")) {
                    assertThatThrownBy(() -> create(engine, Settings.of(Map.of(variable, value))))
                            .as(engine + " " + variable + "=" + value)
                            .isInstanceOf(ConfigurationException.class)
                            .hasMessageContaining(variable + "='" + value + "'");
                }
            }
        }
    }

    private static CacheStore create(String engine, Settings settings) {
        return engine.equals("redis") ? new LettuceCacheStoreProvider().create(engine, settings)
                : new MemcachedCacheStoreProvider().create(engine, settings);
    }

    private static void check(Map<String, String> vars, java.util.function.Supplier<CacheStore> create) {
        CacheStore store;
        try {
            store = create.get();
        } catch (ConfigurationException e) {
            assertThat(vars).as("the variable named by: " + e.getMessage()).containsKey(e.variable());
            assertThat(e.getMessage()).as("the message names the variable").contains(e.variable());
            for (String secret : List.of("CACHE_PASSWORD", "CACHE_SENTINEL_PASSWORD")) {
                String value = vars.get(secret);
                if (value != null && value.trim().length() >= 6 && vars.entrySet().stream()
                        .noneMatch(v -> !v.getKey().equals(secret) && v.getValue().contains(value.trim()))) {
                    assertThat(e.getMessage()).as("the message never shows " + secret).doesNotContain(value.trim());
                }
            }
            return;
        }
        assertThat(store.toString()).isNotEmpty();
        store.closeAsync().block(Duration.ofSeconds(30));
    }

    @Provide
    Arbitrary<Map<String, String>> settings() {
        Arbitrary<Map.Entry<String, String>> entry = Combinators.combine(Arbitraries.of(VARIABLES), values()).as(Map::entry);
        return entry.list().ofMinSize(1).ofMaxSize(3).map(list -> {
            Map<String, String> m = new HashMap<>();
            list.forEach(e -> m.put(e.getKey(), e.getValue()));
            return m;
        });
    }

    /** Numbers of every size and sign, with and without units, host lists, and garbage. */
    static Arbitrary<String> values() {
        Arbitrary<String> units = Arbitraries.of("", "ms", "s", "m", "h", "k", "m", "g", "kib", "b");
        return Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(24),
                Arbitraries.strings().withChars("0123456789-+.:,[] abhlost").ofMaxLength(24),
                Arbitraries.longs().map(String::valueOf),
                Combinators.combine(Arbitraries.longs(), units).as((n, u) -> n + u),
                Combinators.combine(Arbitraries.integers().between(-5, 70_000), units).as((n, u) -> n + u),
                Combinators.combine(Arbitraries.of("localhost", "127.0.0.1", "::1", "[::1]", "", "a b", "h"),
                        Arbitraries.integers().between(-2, 70_000)).as((h, p) -> h + ":" + p),
                Arbitraries.bigIntegers().between(BigInteger.TEN.pow(30).negate(), BigInteger.TEN.pow(30))
                        .map(BigInteger::toString),
                Arbitraries.of("", " ", "NaN", "-0", "0", "9999999999999999h", "9223372036854775807ms", "-1", "99",
                        "2147483648", "true", "false", "yes", "\u0663", "\u0000", "localhost", "127.0.0.1:6379,127.0.0.1:6380",
                        ",", "a,,b", "secret-password", "/nonexistent/ca.pem", "mymaster", "1g", "8796093022208g"));
    }
}
