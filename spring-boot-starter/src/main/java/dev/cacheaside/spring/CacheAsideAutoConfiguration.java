package dev.cacheaside.spring;

import dev.cacheaside.CacheAside;
import dev.cacheaside.CacheAsideMetrics;
import dev.cacheaside.spi.CacheStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.r2dbc.spi.ConnectionFactory;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;

/**
 * Auto-configuration of a {@link CacheAside} bean from the {@code cacheaside.*} properties
 * ({@link CacheAsideProperties}).
 *
 * <ul>
 *   <li>{@code cacheAside}: unless the application defines its own {@link CacheAside} bean. Its
 *       database side runs over the application's R2DBC {@link ConnectionFactory} bean when
 *       there is exactly one, or a primary one (Spring Boot's, from {@code spring.r2dbc.*}, or
 *       the application's own); otherwise over the database that {@code cacheaside.db.*} names;
 *       when nothing names a database, an empty in-memory H2 database inside this JVM, with a
 *       WARN that says so. Its cache is {@code cacheaside.engine} (in-process by default); for
 *       redis or valkey without {@code cacheaside.host}/{@code nodes}, the application's Spring
 *       Data Redis address and credentials are used when it has them. Closed when the context
 *       closes. The start fails, naming what to add or change, when settings would otherwise be
 *       ignored: {@code spring.r2dbc.*} without a {@link ConnectionFactory} bean (Spring Boot's
 *       R2DBC module missing), several factories and none primary, or {@code spring.data.redis.*}
 *       that nothing reads (Spring Boot's Redis module missing).</li>
 *   <li>Transactions: over the application's {@link ConnectionFactory}, with Spring's R2DBC
 *       support on the class path, the {@code CacheAside} joins the Spring reactive transaction
 *       its caller runs in ({@code R2dbcTransactionManager} over the same factory): queries go to
 *       the database through the transaction's connection, bypassing the cache, and writes run
 *       in the transaction and invalidate after its commit only.</li>
 *   <li>Micrometer: when the application has a {@link MeterRegistry} bean (Actuator brings one),
 *       the {@code cacheaside.*} meters are bound to it ({@link CacheAsideMetrics#bind}), tagged
 *       {@code name=<cacheaside.metrics.name>}.</li>
 *   <li>Observations: when the application has an {@code ObservationRegistry} bean (Actuator
 *       brings one), the starter's {@code CacheAside} makes an observation of each query,
 *       refresh, invalidation and write, with the cache read and database load inside
 *       ({@link CacheAsideObservations}), so Micrometer Tracing shows them as spans.</li>
 *   <li>Health: a {@link CacheAsideHealthIndicator} named {@code cacheAside} when Spring Boot's
 *       health module is present, unless {@code management.health.cacheaside.enabled=false}.</li>
 *
 *   <li>{@code cacheAsideConnector}: opens the cache connection during the application's start,
 *       before the web server takes requests, bounded by {@code cacheaside.connect-timeout} (5 s
 *       by default); a cache that does not answer never fails the start (one WARN, and queries go
 *       to the database until it answers). See {@link CacheAside#connect}.</li>
 * </ul>
 *
 * <p>Database connections open on first use. {@code cacheaside.enabled=false} turns all of this
 * off.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.r2dbc.autoconfigure.R2dbcAutoConfiguration",
        "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
        "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration"})
@ConditionalOnClass(CacheAside.class)
@ConditionalOnProperty(prefix = CacheAsideProperties.PREFIX, name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(CacheAsideProperties.class)
@Import(CacheAsideChangeStreamConfiguration.class)
public class CacheAsideAutoConfiguration {

    /** For Spring. */
    public CacheAsideAutoConfiguration() {
    }

    /**
     * The {@link CacheAside}; see the class description.
     *
     * @throws IllegalStateException naming the property when one is invalid
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public CacheAside cacheAside(CacheAsideProperties properties, ObjectProvider<ConnectionFactory> connectionFactories,
                                 ObjectProvider<RedisVariables> redis, Environment environment,
                                 ObjectProvider<StarterStore> starterStore,
                                 ObjectProvider<CacheAsideFactory.Observers> observers) {
        RedisVariables fromRedis = redis.getIfAvailable();
        StartChecks.redisSettingsAreRead(environment, properties, fromRedis != null);
        Map<String, String> overrides = fromRedis == null ? Map.of() : fromRedis.variables(properties);
        ConnectionFactory factory = StartChecks.applicationFactory(environment, connectionFactories.getIfUnique(),
                connectionFactories.stream().count());
        StarterStore made = starterStore.getIfAvailable();
        CacheStore[] store = new CacheStore[1];
        CacheAside cacheAside = CacheAsideFactory.create(properties, factory, overrides,
                StartChecks.namesDatabase(environment), s -> store[0] = s, observers.getIfAvailable());
        if (made != null) {
            made.made(cacheAside, store[0]);
        }
        return cacheAside;
    }

    /** Which store the starter's {@code CacheAside} was built on (the change stream's lease goes there). */
    @Bean
    StarterStore cacheAsideStarterStore() {
        return new StarterStore();
    }

    /** The store of the {@code CacheAside} the starter made; nothing when the application made its own. */
    static final class StarterStore {
        private volatile CacheAside cacheAside;
        private volatile CacheStore store;

        void made(CacheAside cacheAside, CacheStore store) {
            this.store = store;
            this.cacheAside = cacheAside;
        }

        /** The store under {@code cacheAside} when the starter made it, else null. */
        CacheStore storeOf(CacheAside cacheAside) {
            return this.cacheAside == cacheAside ? store : null;
        }
    }

    /** Opens the cache connection at start; see the class description. */
    @Bean
    CacheAsideConnector cacheAsideConnector(ObjectProvider<CacheAside> cacheAside) {
        return new CacheAsideConnector(cacheAside.getIfUnique());
    }

    /** The application's Spring Data Redis settings as {@code CACHE_*} variables. */
    @FunctionalInterface
    interface RedisVariables {
        Map<String, String> variables(CacheAsideProperties properties);
    }

    /** Reads Spring Boot's Redis connection details, when its Redis module is present. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = SpringDataRedis.DETAILS_CLASS)
    static class SpringDataRedisConfiguration {

        @Bean
        RedisVariables cacheAsideRedisVariables(ObjectProvider<DataRedisConnectionDetails> details) {
            return properties -> SpringDataRedis.variables(properties, details);
        }
    }

    /** Binds the meters when the application has a Micrometer registry. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
    @ConditionalOnBean(type = "io.micrometer.core.instrument.MeterRegistry")
    static class MetricsConfiguration {

        @Bean
        MeterBinding cacheAsideMeterBinding(ObjectProvider<CacheAside> cacheAside, ObjectProvider<MeterRegistry> registry,
                                            CacheAsideProperties properties) {
            return new MeterBinding(cacheAside.getIfUnique(), registry.getIfUnique(), properties.getMetrics().getName());
        }
    }

    /** Observes the starter's {@code CacheAside} when the application has an observation registry. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.observation.ObservationRegistry")
    @ConditionalOnBean(type = "io.micrometer.observation.ObservationRegistry")
    static class ObservationConfiguration {

        @Bean
        CacheAsideFactory.Observers cacheAsideObservers(ObjectProvider<ObservationRegistry> registry) {
            ObservationRegistry r = registry.getIfUnique();
            return r == null ? (database, cache) -> null
                    : (database, cache) -> CacheAsideObservations.create(r, database, cache);
        }
    }

    /** What binding the meters did, as a bean: the registry and the instance, or nothing. */
    static final class MeterBinding {
        private static final Logger log = LoggerFactory.getLogger(MeterBinding.class);

        final boolean bound;

        MeterBinding(CacheAside cacheAside, MeterRegistry registry, String name) {
            if (cacheAside == null || registry == null) {
                log.info("cacheaside meters not bound: {}", cacheAside == null
                        ? "no single CacheAside bean" : "no single (or primary) MeterRegistry bean");
                this.bound = false;
            } else {
                CacheAsideMetrics.bind(cacheAside, registry, name);
                this.bound = true;
            }
        }
    }

    /** The health indicator of the cache, when Spring Boot's health module is present. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.ReactiveHealthIndicator")
    @ConditionalOnEnabledHealthIndicator("cacheaside")
    static class HealthConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "cacheAsideHealthIndicator")
        CacheAsideHealthIndicator cacheAsideHealthIndicator(CacheAside cacheAside, CacheAsideProperties properties,
                                                            ObjectProvider<RedisVariables> redis,
                                                            ObjectProvider<ChangeStreamStatus> changeStream) {
            RedisVariables fromRedis = redis.getIfAvailable();
            Map<String, String> overrides = fromRedis == null ? Map.of() : fromRedis.variables(properties);
            return new CacheAsideHealthIndicator(cacheAside, properties.getHealth().getTimeout(),
                    properties.getPassword(), properties.getSentinelPassword(), properties.getDb().getPassword(),
                    overrides.get("CACHE_PASSWORD"), overrides.get("CACHE_SENTINEL_PASSWORD"))
                    .withChangeStream(changeStream.getIfUnique());
        }
    }
}
