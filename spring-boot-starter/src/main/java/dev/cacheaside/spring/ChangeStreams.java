package dev.cacheaside.spring;

import dev.cacheaside.CacheAside;
import dev.cacheaside.config.ConfigurationException;
import dev.cacheaside.debezium.ChangeStreamConsumer;
import dev.cacheaside.debezium.ChangeStreamSettings;
import dev.cacheaside.env.Engines;
import dev.cacheaside.env.Settings;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.CompareAndSetStore;
import io.r2dbc.spi.ConnectionFactoryOptions;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * Builds the starter's change-stream consumer from {@code cacheaside.cdc.*} (the library's
 * {@code CACHE_CDC_*} variables) through {@link ChangeStreamSettings#consumer}. The watched
 * database is the one {@code cacheaside.db.*} names when any of those properties is set,
 * otherwise the application's {@code spring.r2dbc.url} (with {@code spring.r2dbc.username} and
 * {@code password}). The leader lease lives in the {@code CacheAside}'s own store when the
 * starter made it; under an application's own {@code CacheAside} bean, in a store opened from
 * {@code cacheaside.*} for the consumer alone. Stateless.
 */
final class ChangeStreams {

    /** The longest a stop waits for the engine to close. */
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private ChangeStreams() {
    }

    /**
     * The consumer, not started, in its lifecycle.
     *
     * @param starterStore the store of the starter's {@code CacheAside}, or null when the
     *     application defined its own {@code CacheAside}
     * @throws IllegalStateException naming the property when a value is missing or invalid
     */
    static ChangeStreamLifecycle create(CacheAsideProperties properties, Environment environment,
                                        CacheAside cacheAside, CacheStore starterStore) {
        Map<String, String> variables = properties.toVariables();
        if (!StartChecks.namesDatabase(environment)) {
            variables.putAll(fromSpringR2dbc(environment));
        }
        Settings settings = Settings.of(variables);
        CacheStore store = starterStore;
        CacheStore own = null;
        if (store == null) {
            String engine = settings.get("CACHE_ENGINE", Engines.DEFAULT_CACHE_ENGINE).toLowerCase(Locale.ROOT);
            own = checked(() -> Engines.cacheStore(engine, settings));
            store = own;
        }
        if (!(store instanceof CompareAndSetStore leases)) {
            closeQuietly(own);
            throw new IllegalStateException("cacheaside.cdc.enabled=true needs a cache store with compare-and-set for"
                    + " its leader lease; " + store.getClass().getName() + " has none");
        }
        try {
            ChangeStreamConsumer consumer = checked(() -> ChangeStreamSettings.consumer(settings, cacheAside, leases))
                    .orElseThrow(() -> new IllegalStateException("cacheaside.cdc.enabled is not true"));
            return new ChangeStreamLifecycle(consumer, own, STOP_TIMEOUT);
        } catch (RuntimeException e) {
            closeQuietly(own);
            throw e;
        }
    }

    /**
     * {@code DB_ENGINE}, {@code DB_HOST}, {@code DB_PORT}, {@code DB_NAME}, {@code DB_USER} and
     * {@code DB_PASSWORD} from {@code spring.r2dbc.*}; empty when {@code spring.r2dbc.url} is
     * not set. A pooled URL ({@code r2dbc:pool:postgresql://...}) gives its protocol as engine.
     */
    static Map<String, String> fromSpringR2dbc(Environment environment) {
        Binder binder = Binder.get(environment);
        String url = binder.bind("spring.r2dbc.url", String.class).orElse(null);
        if (url == null || url.isBlank()) {
            return Map.of();
        }
        ConnectionFactoryOptions options;
        try {
            options = ConnectionFactoryOptions.parse(url.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("spring.r2dbc.url is not an R2DBC URL, which cacheaside.cdc.enabled=true"
                    + " reads for the watched database: " + e.getMessage(), e);
        }
        Map<String, String> v = new java.util.LinkedHashMap<>();
        Object driver = options.getValue(ConnectionFactoryOptions.DRIVER);
        Object protocol = options.getValue(ConnectionFactoryOptions.PROTOCOL);
        String engine = "pool".equals(driver) && protocol != null ? protocol.toString() : String.valueOf(driver);
        v.put("DB_ENGINE", engine.contains(":") ? engine.substring(0, engine.indexOf(':')) : engine);
        put(v, "DB_HOST", options.getValue(ConnectionFactoryOptions.HOST));
        put(v, "DB_PORT", options.getValue(ConnectionFactoryOptions.PORT));
        put(v, "DB_NAME", options.getValue(ConnectionFactoryOptions.DATABASE));
        put(v, "DB_USER", binder.bind("spring.r2dbc.username", String.class)
                .orElse(str(options.getValue(ConnectionFactoryOptions.USER))));
        put(v, "DB_PASSWORD", binder.bind("spring.r2dbc.password", String.class)
                .orElse(str(options.getValue(ConnectionFactoryOptions.PASSWORD))));
        return v;
    }

    private static String str(Object value) {
        return value == null ? null : value.toString();
    }

    private static void put(Map<String, String> v, String name, Object value) {
        if (value != null && !value.toString().isBlank()) {
            v.put(name, value.toString());
        }
    }

    private static void closeQuietly(CacheStore store) {
        if (store != null) {
            store.closeAsync().onErrorResume(e -> reactor.core.publisher.Mono.empty()).subscribe();
        }
    }

    /** Runs {@code build}, naming the property instead of the variable in an error. */
    private static <T> T checked(java.util.function.Supplier<T> build) {
        try {
            return build.get();
        } catch (ConfigurationException e) {
            throw new IllegalStateException("invalid cacheaside.cdc.* property: " + property(e.getMessage())
                    + " (the property is cacheaside.cdc.<name> for CACHE_CDC_<NAME>, cacheaside.db.<name> or"
                    + " spring.r2dbc.url for DB_<NAME>)", e);
        }
    }

    /** The message with CACHE_CDC_SLOT written as cacheaside.cdc.slot, CACHE_CDC as cacheaside.cdc.enabled. */
    static String property(String message) {
        if (message == null) {
            return "";
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\bCACHE_CDC(_[A-Z_]+)?\\b").matcher(message);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) == null ? "enabled" : m.group(1).substring(1).toLowerCase(Locale.ROOT).replace('_', '-');
            m.appendReplacement(out, "cacheaside.cdc." + name);
        }
        m.appendTail(out);
        return out.toString();
    }
}
