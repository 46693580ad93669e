package dev.cacheaside.spring;

import dev.cacheaside.CacheAside;
import dev.cacheaside.CacheAsideOptions;
import dev.cacheaside.config.ConfigurationException;
import dev.cacheaside.env.Engines;
import dev.cacheaside.env.Settings;
import dev.cacheaside.r2dbc.R2dbcOptions;
import dev.cacheaside.r2dbc.R2dbcQueryExecutor;
import dev.cacheaside.spi.CacheObserver;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.QueryExecutor;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.r2dbc.spi.ConnectionFactory;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.ClassUtils;

/**
 * Builds the {@link CacheAside} of the auto-configuration from {@link CacheAsideProperties}: the
 * options from the typed properties, the database side over the application's
 * {@link ConnectionFactory} when there is one (otherwise through the {@code DB_ENGINE} provider),
 * and the cache side through the {@code CACHE_ENGINE} provider, both found by {@link Engines}
 * and reading {@link Settings#of(Map)} of the library's variable names. Stateless.
 */
final class CacheAsideFactory {

    private static final Logger log = LoggerFactory.getLogger(CacheAsideFactory.class);
    private static final String SPRING_R2DBC = "org.springframework.r2dbc.connection.ConnectionHolder";
    private static final String SPRING_REACTIVE_TX =
            "org.springframework.transaction.reactive.TransactionSynchronizationManager";

    private CacheAsideFactory() {
    }

    /**
     * A new instance. Connects to nothing: {@link CacheAsideConnector} opens the cache connection
     * at start, the database's opens on first use.
     *
     * @param applicationFactory the application's own R2DBC factory, or null
     * @param overrides variables that replace the properties' (the application's Redis settings)
     * @param databaseNamed whether a {@code cacheaside.db.*} property names the database; when
     *     none does and there is no application factory, the embedded default is used with a WARN
     * @throws IllegalStateException naming the property when a value is invalid
     */
    static CacheAside create(CacheAsideProperties properties, ConnectionFactory applicationFactory,
                             Map<String, String> overrides, boolean databaseNamed) {
        return create(properties, applicationFactory, overrides, databaseNamed, store -> { }, null);
    }

    /** Makes the observer of an instance over the named database and cache engines. */
    @FunctionalInterface
    interface Observers {
        CacheObserver of(String databaseEngine, String cacheEngine);
    }

    /**
     * As {@link #create(CacheAsideProperties, ConnectionFactory, Map, boolean)}, handing the
     * cache store it made to {@code storeMade} (the change-stream consumer keeps its leader
     * lease in the same store, over the same connection), observed by what {@code observers}
     * (may be null) makes for its engines.
     */
    static CacheAside create(CacheAsideProperties properties, ConnectionFactory applicationFactory,
                             Map<String, String> overrides, boolean databaseNamed,
                             java.util.function.Consumer<CacheStore> storeMade, Observers observers) {
        Map<String, String> variables = properties.toVariables();
        variables.putAll(overrides);
        Settings settings = Settings.of(variables);
        CacheAsideOptions options = options(properties);
        QueryExecutor database;
        String databaseSource;
        String databaseEngine;
        if (applicationFactory != null) {
            databaseEngine = applicationFactory.getMetadata().getName().toLowerCase(Locale.ROOT);
            database = joiningTransactions(R2dbcQueryExecutor.create(applicationFactory,
                    r2dbcOptions(properties.getDb())), applicationFactory);
            databaseSource = "the application's ConnectionFactory (" + applicationFactory.getMetadata().getName() + ")";
        } else {
            String engine = settings.get("DB_ENGINE", Engines.DEFAULT_DB_ENGINE).toLowerCase(Locale.ROOT);
            databaseEngine = engine;
            database = configurable(() -> named("DB_ENGINE", "cacheaside.db.engine",
                    () -> Engines.queryExecutor(engine, settings)));
            databaseSource = "cacheaside.db.engine=" + engine;
            if (!databaseNamed) {
                log.warn("no database is configured (no R2DBC ConnectionFactory bean, no spring.r2dbc.url, no"
                        + " cacheaside.db.*): queries go to the embedded default, an empty in-memory {} database"
                        + " inside this JVM", engine);
            }
        }
        String cacheEngine = settings.get("CACHE_ENGINE", Engines.DEFAULT_CACHE_ENGINE).toLowerCase(Locale.ROOT);
        CacheStore store;
        try {
            store = configurable(() -> named("CACHE_ENGINE", "cacheaside.engine",
                    () -> Engines.cacheStore(cacheEngine, settings)));
        } catch (RuntimeException e) {
            database.closeAsync().subscribe(null, err -> log.debug("closing the database executor failed", err));
            throw e;
        }
        storeMade.accept(store);
        log.info("CacheAside over {} and cache engine {}{}", databaseSource, cacheEngine,
                overrides.isEmpty() ? "" : " at the application's Spring Data Redis address");
        try {
            return CacheAside.builder().database(database).cache(store).options(options)
                    .observer(observers == null ? null : observers.of(databaseEngine, cacheEngine)).build();
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            if (!options.nearCache()) {
                throw e;
            }
            // the one option checked against the store: it must report invalidations
            database.closeAsync().subscribe(null, err -> log.debug("closing the database executor failed", err));
            store.closeAsync().subscribe(null, err -> log.debug("closing the cache failed", err));
            throw new IllegalStateException("invalid cacheaside.* property: cacheaside.near.enabled=true cannot be used with "
                    + "cache engine " + cacheEngine + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code executor}, joining the Spring reactive transactions over {@code factory} when Spring's
     * R2DBC support ({@code spring-r2dbc}, with {@code spring-tx}) is on the class path.
     */
    static QueryExecutor joiningTransactions(R2dbcQueryExecutor executor, ConnectionFactory factory) {
        ClassLoader loader = CacheAsideFactory.class.getClassLoader();
        if (!ClassUtils.isPresent(SPRING_R2DBC, loader) || !ClassUtils.isPresent(SPRING_REACTIVE_TX, loader)) {
            return executor;
        }
        return new SpringTransactionalExecutor(executor, factory);
    }

    /** The engine's options from the typed properties, checked by the library's builders. */
    static CacheAsideOptions options(CacheAsideProperties p) {
        return configurable(() -> {
            CacheAsideOptions.Builder b = CacheAsideOptions.builder()
                    .defaultTtl(p.getTtl())
                    .keyPrefix(p.getKeyPrefix())
                    .cacheTimeout(p.getTimeout())
                    .connectTimeout(p.getConnectTimeout() != null ? p.getConnectTimeout()
                            : CacheAsideOptions.DEFAULT_CONNECT_TIMEOUT)
                    .leases(p.isLeases())
                    .leaseTtl(p.getLeaseTtl())
                    .leaseWait(p.getLeaseWait())
                    .staleWhileRevalidate(p.getStaleWhileRevalidate())
                    .earlyRefreshBeta(p.getEarlyRefreshBeta())
                    .ttlJitter(p.getTtlJitter())
                    .maxEntryBytes(p.getMaxEntryBytes())
                    .nearCache(p.getNear().isEnabled());
            if (p.getNear().getMaxBytes() != null) {
                b.nearCacheMaxBytes(p.getNear().getMaxBytes().toBytes());
            }
            CacheAsideProperties.Breaker breaker = p.getBreaker();
            if (breaker.isEnabled()) {
                if (breaker.getFailureRate() < 1 || breaker.getFailureRate() > 100) {
                    throw new IllegalArgumentException("cacheaside.breaker.failure-rate=" + breaker.getFailureRate()
                            + " is not a percentage from 1 to 100");
                }
                b.circuitBreaker(CircuitBreakerConfig.from(CacheAsideOptions.DEFAULT_CIRCUIT_BREAKER)
                        .waitDurationInOpenState(breaker.getOpen())
                        .failureRateThreshold(breaker.getFailureRate())
                        .build());
            } else {
                b.circuitBreaker(null);
            }
            return b.build();
        });
    }

    /** The pool and timeouts for an application's factory (ignored by one that is a pool already). */
    static R2dbcOptions r2dbcOptions(CacheAsideDbProperties db) {
        return configurable(() -> R2dbcOptions.builder()
                .poolMaxSize(db.getPoolSize())
                .acquireTimeout(db.getAcquireTimeout())
                .connectTimeout(db.getConnectTimeout())
                .statementTimeout(db.getStatementTimeout())
                .build());
    }

    /**
     * Runs {@code create}, naming the property instead of the variable in an error that starts
     * with it: {@code CACHE_ENGINE='x' is not a known engine} becomes {@code cacheaside.engine='x' ...}.
     */
    private static <T> T named(String variable, String property, java.util.function.Supplier<T> create) {
        try {
            return create.get();
        } catch (ConfigurationException e) {
            String message = e.getMessage();
            if (!variable.equals(e.variable()) || message == null || !message.startsWith(variable + "=")) {
                throw e;
            }
            ConfigurationException named = new ConfigurationException(variable,
                    property + message.substring(variable.length()));
            named.initCause(e);
            throw named;
        }
    }

    /** Runs {@code build}, turning a bad value into an IllegalStateException that says where to look. */
    private static <T> T configurable(java.util.function.Supplier<T> build) {
        try {
            return build.get();
        } catch (ConfigurationException e) {
            throw new IllegalStateException("invalid cacheaside.* property: " + e.getMessage()
                    + " (the property is cacheaside.<name> for CACHE_<NAME>, cacheaside.db.<name> for DB_<NAME>)", e);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalStateException("invalid cacheaside.* property: " + e.getMessage()
                    + property(e.getMessage()), e);
        }
    }

    /** " (cacheaside.ttl-jitter)" for a builder message that starts with an option name such as ttlJitter. */
    static String property(String message) {
        if (message == null) {
            return "";
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^([a-z]+[A-Za-z]*)\\b").matcher(message);
        if (!m.find() || m.group(1).equals("cacheaside")) {
            return "";
        }
        String option = m.group(1);
        switch (option) {
            case "defaultTtl":
                return " (cacheaside.ttl)";
            case "cacheTimeout":
                return " (cacheaside.timeout)";
            case "nearCacheMaxBytes":
                return " (cacheaside.near.max-bytes)";
            case "poolMaxSize":
                return " (cacheaside.db.pool-size)";
            case "acquireTimeout":
            case "statementTimeout":
                return " (cacheaside.db." + kebab(option) + ")";
            default:
                return " (cacheaside." + kebab(option) + ")";
        }
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
    }
}
