package dev.cacheaside.r2dbc;

import dev.cacheaside.config.ConfigurationException;
import dev.cacheaside.env.Settings;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.ConnectionFactoryProvider;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * What the engine providers share: reading the {@code DB_*} variables and finding the driver.
 * Driver classes are never named in code, only looked up by name at {@link #connectionFactory}
 * time, so every provider class loads without its driver.
 */
final class R2dbcProviders {

    static final String DEFAULT_HOST = "localhost";
    static final String DEFAULT_DATABASE = "airportdb";

    /** The R2DBC drivers this module knows. */
    enum Driver {
        H2("h2", "io.r2dbc.h2.H2ConnectionFactoryProvider", "io.r2dbc:r2dbc-h2", 0, "sa"),
        MYSQL("mysql", "io.asyncer.r2dbc.mysql.MySqlConnectionFactoryProvider", "io.asyncer:r2dbc-mysql", 3306, "root"),
        MARIADB("mariadb", "org.mariadb.r2dbc.MariadbConnectionFactoryProvider", "org.mariadb:r2dbc-mariadb", 3306, "root"),
        POSTGRESQL("postgresql", "io.r2dbc.postgresql.PostgresqlConnectionFactoryProvider",
                "org.postgresql:r2dbc-postgresql", 5432, "postgres");

        final String driverName;
        final String providerClass;
        final String artifact;
        final int defaultPort;
        final String defaultUser;

        Driver(String driverName, String providerClass, String artifact, int defaultPort, String defaultUser) {
            this.driverName = driverName;
            this.providerClass = providerClass;
            this.artifact = artifact;
            this.defaultPort = defaultPort;
            this.defaultUser = defaultUser;
        }
    }

    private R2dbcProviders() {
    }

    /**
     * Pool, timeout and row-limit options from {@code DB_POOL_SIZE} (1 to 1000), the
     * {@code DB_*_TIMEOUT} variables (positive, at most {@link Settings#MAX_TIMEOUT}) and
     * {@code DB_MAX_ROWS} (0 for no limit).
     */
    static R2dbcOptions options(Settings settings) {
        return R2dbcOptions.builder()
                .poolMaxSize(settings.getInt("DB_POOL_SIZE", R2dbcOptions.DEFAULT_POOL_MAX_SIZE, 1, 1000))
                .acquireTimeout(settings.getDuration("DB_ACQUIRE_TIMEOUT", R2dbcOptions.DEFAULT_ACQUIRE_TIMEOUT, Settings.MAX_TIMEOUT))
                .connectTimeout(settings.getDuration("DB_CONNECT_TIMEOUT", R2dbcOptions.DEFAULT_CONNECT_TIMEOUT, Settings.MAX_TIMEOUT))
                .statementTimeout(settings.getDuration("DB_STATEMENT_TIMEOUT", R2dbcOptions.DEFAULT_STATEMENT_TIMEOUT, Settings.MAX_TIMEOUT))
                .maxRows(settings.getInt("DB_MAX_ROWS", R2dbcOptions.DEFAULT_MAX_ROWS, 0, Integer.MAX_VALUE))
                .build();
    }

    /** An executor for a server database ({@code DB_HOST}, {@code DB_PORT}, ...). */
    static R2dbcQueryExecutor serverExecutor(Driver driver, String engine, Settings settings) {
        // DB_HOST= (empty) is an error, never a silent localhost
        String host = settings.getHost("DB_HOST", DEFAULT_HOST);
        int port = settings.getPort("DB_PORT", driver.defaultPort);
        String user = settings.get("DB_USER", driver.defaultUser);
        String database = settings.get("DB_NAME", DEFAULT_DATABASE);
        R2dbcOptions options = options(settings);
        DatabaseTls tls = DatabaseTls.of(driver, settings);
        ConnectionFactoryOptions.Builder builder = ConnectionFactoryOptions.builder()
                .option(ConnectionFactoryOptions.DRIVER, driver.driverName)
                .option(ConnectionFactoryOptions.HOST, host)
                .option(ConnectionFactoryOptions.PORT, port)
                .option(ConnectionFactoryOptions.USER, user)
                .option(ConnectionFactoryOptions.DATABASE, database)
                .option(ConnectionFactoryOptions.CONNECT_TIMEOUT, options.connectTimeout());
        settings.get("DB_PASSWORD").ifPresent(p -> builder.option(ConnectionFactoryOptions.PASSWORD, p));
        tls.applyTo(driver, builder);
        ConnectionFactory factory = connectionFactory(driver, "DB_ENGINE=" + engine, builder.build());
        String target = engine + " at " + host + ":" + port + " (database " + database + ", user " + user
                + (tls.isSet() ? ", " + tls : "") + ")";
        return R2dbcQueryExecutor.create(factory, options, target);
    }

    /**
     * The driver's factory for {@code options}, through the driver's own
     * {@link ConnectionFactoryProvider} (never another driver that also answers to the name).
     *
     * @param chosen how the engine was chosen, for the message (e.g. {@code DB_ENGINE=mysql})
     * @throws ConfigurationException naming the Maven artifact when the driver is missing
     */
    static ConnectionFactory connectionFactory(Driver driver, String chosen, ConnectionFactoryOptions options) {
        ConnectionFactoryProvider provider = find(driver);
        if (provider == null) {
            throw new ConfigurationException("DB_ENGINE", chosen + " needs the R2DBC driver "
                    + driver.artifact + ", which is not on the classpath; add the Maven dependency "
                    + driver.artifact.replace(':', '/') + " (" + driver.artifact + ") to your build");
        }
        try {
            return provider.create(options);
        } catch (IllegalArgumentException | IllegalStateException e) {
            // the driver parses host, user and database itself; what it cannot read is a setting's fault
            String variable = suspectVariable(options);
            throw new ConfigurationException(variable, "the " + driver.artifact + " driver refused the connection"
                    + " settings (look at " + variable + "): " + e.getMessage());
        }
    }

    /** The setting most likely behind a driver's refusal: the first with characters a name rarely has. */
    private static String suspectVariable(ConnectionFactoryOptions options) {
        Object host = options.getValue(ConnectionFactoryOptions.HOST);
        if (host != null && !host.toString().matches("[A-Za-z0-9._-]+")) {
            return "DB_HOST";
        }
        Object user = options.getValue(ConnectionFactoryOptions.USER);
        if (user != null && !user.toString().matches("[A-Za-z0-9._-]+")) {
            return "DB_USER";
        }
        Object database = options.getValue(ConnectionFactoryOptions.DATABASE);
        if (database != null && !database.toString().matches("[A-Za-z0-9._-]+")) {
            return "DB_NAME";
        }
        return "DB_HOST";
    }

    private static ConnectionFactoryProvider find(Driver driver) {
        ClassLoader loader = R2dbcProviders.class.getClassLoader();
        try {
            Class.forName(driver.providerClass, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
        java.util.Iterator<ConnectionFactoryProvider> it =
                ServiceLoader.load(ConnectionFactoryProvider.class, loader).iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    return null;
                }
                ConnectionFactoryProvider p = it.next();
                if (p.getClass().getName().equals(driver.providerClass)) {
                    return p;
                }
            } catch (ServiceConfigurationError e) {
                // another driver that cannot load: not ours, keep looking
            }
        }
    }
}
