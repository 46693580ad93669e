package dev.cacheaside.r2dbc;

import dev.cacheaside.config.ConfigurationException;
import dev.cacheaside.env.QueryExecutorProvider;
import dev.cacheaside.env.Settings;
import dev.cacheaside.spi.QueryExecutor;
import io.r2dbc.spi.ConnectionFactoryOptions;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Database engine {@code h2}, the default: an in-memory H2 database inside this JVM, created
 * empty on first use; no server is needed. Its driver ({@code io.r2dbc:r2dbc-h2}) is optional, as
 * every driver is: without it, choosing H2 (or leaving {@code DB_ENGINE} unset) fails naming it.
 *
 * <p>Reads {@code DB_NAME} (default {@code airportdb}; letters, digits and underscores), which
 * names the in-memory database: executors with the same name in one JVM share it, and it lives
 * until the JVM exits, so tables one executor creates are there for the next. {@code DB_HOST},
 * {@code DB_PORT}, {@code DB_USER} and {@code DB_PASSWORD} are ignored. {@code DB_POOL_SIZE} and
 * the {@code DB_*_TIMEOUT} variables apply as for the server engines. Unquoted names are folded
 * to lower case ({@code DATABASE_TO_LOWER}), as MySQL and PostgreSQL report them. H2 blocks its
 * calling thread, so the executor runs every H2 statement on
 * {@link reactor.core.scheduler.Schedulers#boundedElastic()}. Stateless and thread safe.
 */
public final class H2QueryExecutorProvider implements QueryExecutorProvider {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_]{1,64}");

    /** For {@link java.util.ServiceLoader}. */
    public H2QueryExecutorProvider() {
    }

    @Override
    public Set<String> engines() {
        return Set.of("h2");
    }

    @Override
    public QueryExecutor create(String engine, Settings settings) {
        String name = settings.get("DB_NAME", R2dbcProviders.DEFAULT_DATABASE);
        if (!NAME.matcher(name).matches()) {
            throw new ConfigurationException("DB_NAME", "DB_NAME='" + name + "' is not a valid in-memory H2"
                    + " database name; expected 1 to 64 letters, digits or underscores");
        }
        R2dbcOptions options = R2dbcProviders.options(settings);
        DatabaseTls.of(R2dbcProviders.Driver.H2, settings);  // refuses TLS settings: H2 has no network
        ConnectionFactoryOptions factoryOptions = ConnectionFactoryOptions.parse(
                "r2dbc:h2:mem:///" + name + "?options=DB_CLOSE_DELAY=-1;DATABASE_TO_LOWER=TRUE");
        return R2dbcQueryExecutor.create(
                R2dbcProviders.connectionFactory(R2dbcProviders.Driver.H2, chosen(engine, settings), factoryOptions),
                options, "h2 in-memory database " + name);
    }

    /** How H2 came to be the engine: named, or the default of an unset {@code DB_ENGINE}. */
    private static String chosen(String engine, Settings settings) {
        return settings.get("DB_ENGINE").isPresent() ? "DB_ENGINE=" + engine
                : "DB_ENGINE is not set (set it to mysql, mariadb or postgresql for a server database), so the"
                        + " embedded default DB_ENGINE=" + engine + " applies, which";
    }
}
