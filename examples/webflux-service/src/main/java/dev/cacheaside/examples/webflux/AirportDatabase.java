package dev.cacheaside.examples.webflux;

import dev.cacheaside.examples.SampleData;
import dev.cacheaside.r2dbc.R2dbcQueryExecutor;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.r2dbc.core.DatabaseClient;

/**
 * The service's own R2DBC {@link ConnectionFactory}, from the library's {@code DB_*} variables
 * (environment, {@code ./.env} or Spring properties of the same names): the starter reuses it for
 * {@code CacheAside}, and the write endpoint writes through it.
 *
 * <p>{@code DB_ENGINE=h2} (the default) is an in-memory H2 database named {@code DB_NAME}, filled
 * with the scale-1 airport sample at start-up. On a server ({@code mariadb}, {@code mysql},
 * {@code postgresql}) the sample must be there already (see {@code LoadSampleData}).
 */
@Configuration(proxyBeanMethods = false)
class AirportDatabase {

    private static final Logger log = LoggerFactory.getLogger(AirportDatabase.class);
    private static final Map<String, Integer> PORTS = Map.of("mariadb", 3306, "mysql", 3306, "postgresql", 5432);
    private static final Map<String, String> USERS = Map.of("mariadb", "root", "mysql", "root", "postgresql", "postgres");

    @Bean(destroyMethod = "dispose")
    ConnectionPool connectionFactory(Environment env) {
        String engine = env.getProperty("DB_ENGINE", "h2").trim().toLowerCase(Locale.ROOT);
        String name = env.getProperty("DB_NAME", "airportdb").trim();
        ConnectionFactory driver;
        String target;
        if (engine.equals("h2")) {
            if (!name.matches("[A-Za-z0-9_]{1,64}")) {
                throw new IllegalStateException("DB_NAME='" + name + "' is not a valid in-memory H2 database name");
            }
            driver = ConnectionFactories.get("r2dbc:h2:mem:///" + name
                    + "?options=DB_CLOSE_DELAY=-1;DATABASE_TO_LOWER=TRUE");
            target = "h2 in-memory database " + name;
        } else {
            if (!PORTS.containsKey(engine)) {
                throw new IllegalStateException("DB_ENGINE='" + engine + "' is not supported here; expected h2, "
                        + String.join(", ", PORTS.keySet()));
            }
            String host = env.getProperty("DB_HOST", "localhost").trim();
            int port = env.getProperty("DB_PORT", Integer.class, PORTS.get(engine));
            String user = env.getProperty("DB_USER", USERS.get(engine)).trim();
            ConnectionFactoryOptions.Builder options = ConnectionFactoryOptions.builder()
                    .option(ConnectionFactoryOptions.DRIVER, engine)
                    .option(ConnectionFactoryOptions.HOST, host)
                    .option(ConnectionFactoryOptions.PORT, port)
                    .option(ConnectionFactoryOptions.USER, user)
                    .option(ConnectionFactoryOptions.DATABASE, name)
                    .option(ConnectionFactoryOptions.CONNECT_TIMEOUT, Duration.ofSeconds(5));
            String password = env.getProperty("DB_PASSWORD", "");
            if (!password.isEmpty()) {
                options.option(ConnectionFactoryOptions.PASSWORD, password);
            }
            driver = ConnectionFactories.get(options.build());
            target = engine + " at " + host + ":" + port + " (database " + name + ", user " + user + ")";
        }
        ConnectionPool pool = new ConnectionPool(ConnectionPoolConfiguration.builder(driver)
                .name("airport").initialSize(0)
                .maxSize(env.getProperty("DB_POOL_SIZE", Integer.class, 10))
                .maxAcquireTime(Duration.ofSeconds(5))
                .build());
        log.info("airport database: {}", target);
        if (engine.equals("h2")) {
            // start-up runs on the main thread, so waiting here blocks no event loop
            SampleData.generate(1).loadInto(R2dbcQueryExecutor.create(pool)).block(Duration.ofMinutes(2));
            log.info("airport sample (scale 1) loaded into {}", target);
        }
        return pool;
    }

    @Bean
    DatabaseClient databaseClient(ConnectionFactory connectionFactory) {
        return DatabaseClient.create(connectionFactory);
    }
}
