package dev.cacheaside.spring;

import io.r2dbc.spi.ConnectionFactory;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * What the starter refuses at start instead of quietly doing something other than what the
 * application's properties ask: settings of a Spring Boot module that is not on the class path,
 * and an ambiguous database. Each check throws {@link IllegalStateException} naming the property
 * and what to add or change. Stateless.
 */
final class StartChecks {

    /** The properties that name the starter's own database ({@code DB_*}). */
    private static final List<String> DATABASE_PROPERTIES = List.of("engine", "host", "port", "name", "user", "password");

    private StartChecks() {
    }

    /**
     * The database to use: the application's single (or primary) {@link ConnectionFactory}, or
     * null when it has none.
     *
     * @param unique    the unique (or primary) factory bean, or null
     * @param available how many factory beans the application has
     * @throws IllegalStateException when {@code spring.r2dbc.url} is set and there is no factory
     *     (Spring Boot's R2DBC module is missing), or when there are several and none is primary
     */
    static ConnectionFactory applicationFactory(Environment environment, ConnectionFactory unique, long available) {
        if (unique != null) {
            return unique;
        }
        if (available > 1) {
            throw new IllegalStateException("the application has " + available + " R2DBC ConnectionFactory beans and"
                    + " none is @Primary: mark the one CacheAside should read with @Primary, or define your own"
                    + " CacheAside bean");
        }
        if (hasAny(environment, "spring.r2dbc")) {
            throw new IllegalStateException("spring.r2dbc.* is set but the application has no R2DBC ConnectionFactory"
                    + " bean, so those settings would be ignored: add Spring Boot's R2DBC module"
                    + " (org.springframework.boot:spring-boot-starter-r2dbc) with the driver, or remove spring.r2dbc.*"
                    + " and name the database with cacheaside.db.*");
        }
        return null;
    }

    /** Whether any {@code cacheaside.db.*} property names the starter's own database. */
    static boolean namesDatabase(Environment environment) {
        Map<String, Object> db = Binder.get(environment)
                .bind("cacheaside.db", Bindable.mapOf(String.class, Object.class)).orElse(Map.of());
        return db.keySet().stream().map(k -> k.toLowerCase(Locale.ROOT)).anyMatch(DATABASE_PROPERTIES::contains);
    }

    /**
     * Refuses {@code spring.data.redis.*} settings that nothing would read: the engine is redis
     * or valkey, {@code cacheaside.host}/{@code nodes} are not set, and Spring Boot's Redis
     * module (which reads them) is not on the class path.
     *
     * @throws IllegalStateException naming the module to add and the properties to use instead
     */
    static void redisSettingsAreRead(Environment environment, CacheAsideProperties properties, boolean redisModule) {
        String engine = properties.getEngine() == null ? "" : properties.getEngine().toLowerCase(Locale.ROOT);
        if (redisModule || !(engine.equals("redis") || engine.equals("valkey"))) {
            return;
        }
        if (properties.getHost() != null || !properties.getNodes().isEmpty()) {
            return;
        }
        if (hasAny(environment, "spring.data.redis")) {
            throw new IllegalStateException("spring.data.redis.* is set but Spring Boot's Redis module"
                    + " (org.springframework.boot:spring-boot-data-redis, or spring-boot-starter-data-redis) is not on"
                    + " the class path, so those settings would be ignored and cacheaside.engine=" + engine
                    + " would connect to localhost: add the module, or set cacheaside.host, cacheaside.port,"
                    + " cacheaside.database and cacheaside.password instead");
        }
    }

    /** Whether any property under {@code prefix} is set (relaxed names, so environment variables count). */
    private static boolean hasAny(Environment environment, String prefix) {
        return !Binder.get(environment).bind(prefix, Bindable.mapOf(String.class, Object.class))
                .orElse(Map.of()).isEmpty();
    }

    /**
     * The error for {@code cacheaside.cdc.enabled=true} without the module that reads change
     * streams: it names the artifact to add.
     */
    static IllegalStateException changeStreamModuleMissing() {
        return new IllegalStateException("cacheaside.cdc.enabled=true but the change-stream module is not on the class"
                + " path, so no change would invalidate anything: add dev.cacheaside:cache-aside-debezium (with"
                + " <kafka.version>4.3.0</kafka.version> on spring-boot-starter-parent; see the README), or set"
                + " cacheaside.cdc.enabled=false");
    }
}
