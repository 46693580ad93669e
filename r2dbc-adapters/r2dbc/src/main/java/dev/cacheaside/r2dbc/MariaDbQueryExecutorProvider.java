package dev.cacheaside.r2dbc;

import dev.cacheaside.env.QueryExecutorProvider;
import dev.cacheaside.env.Settings;
import dev.cacheaside.spi.QueryExecutor;
import java.util.Set;

/**
 * Database engine {@code mariadb}: MariaDB (org.mariadb r2dbc-mariadb driver), pooled by {@link R2dbcQueryExecutor}.
 *
 * <p>Reads {@code DB_HOST} (default {@code localhost}; set but empty is an error), {@code DB_PORT} (default
 * {@code 3306}), {@code DB_USER} (default {@code root}), {@code DB_PASSWORD}
 * (default none), {@code DB_NAME} (default {@code airportdb}), {@code DB_POOL_SIZE},
 * {@code DB_ACQUIRE_TIMEOUT}, {@code DB_CONNECT_TIMEOUT}, {@code DB_STATEMENT_TIMEOUT}, and
 * TLS from {@code DB_SSL_MODE} (disable, require, verify-ca, verify-full) and {@code DB_SSL_ROOT_CERT} (a PEM CA file).
 * The driver is an optional dependency: this class loads without it, and {@link #create} fails
 * with a {@link dev.cacheaside.config.ConfigurationException} naming the Maven artifact to add.
 * Creating connects to nothing; a connection failure later names host, port and user, never the
 * password. Stateless and thread safe.
 */
public final class MariaDbQueryExecutorProvider implements QueryExecutorProvider {

    /** For {@link java.util.ServiceLoader}. */
    public MariaDbQueryExecutorProvider() {
    }

    @Override
    public Set<String> engines() {
        return Set.of("mariadb");
    }

    @Override
    public QueryExecutor create(String engine, Settings settings) {
        return R2dbcProviders.serverExecutor(R2dbcProviders.Driver.MARIADB, engine, settings);
    }
}
