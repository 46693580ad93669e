package dev.cacheaside.env;

import dev.cacheaside.spi.QueryExecutor;
import java.util.Set;

/**
 * Creates a {@link QueryExecutor} for a database engine named in {@code DB_ENGINE}.
 *
 * <p>Providers are found with {@link java.util.ServiceLoader} by {@link Engines}: an adapter
 * lists its class in {@code META-INF/services/dev.cacheaside.env.QueryExecutorProvider}. Adding
 * an engine never touches core or this module. A provider is stateless and thread safe.
 */
public interface QueryExecutorProvider {

    /** The lower-case engine names this provider answers to, for example {@code postgresql}. */
    Set<String> engines();

    /**
     * Creates an executor for {@code engine} from {@code settings} ({@code DB_HOST},
     * {@code DB_PORT}, {@code DB_USER}, {@code DB_PASSWORD}, {@code DB_NAME} and the adapter's own
     * variables). Creating connects to nothing; connections open lazily.
     *
     * @throws dev.cacheaside.config.ConfigurationException when a variable is invalid
     */
    QueryExecutor create(String engine, Settings settings);
}
