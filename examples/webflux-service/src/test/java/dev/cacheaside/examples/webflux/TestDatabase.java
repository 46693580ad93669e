package dev.cacheaside.examples.webflux;

import dev.cacheaside.examples.SampleData;
import dev.cacheaside.r2dbc.R2dbcQueryExecutor;
import dev.cacheaside.testing.TestServers;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import java.time.Duration;
import java.util.Map;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The MariaDB database the service's ITs run against: {@code cacheaside_webflux}, created and
 * loaded with the scale-1 sample once per JVM (the loader keeps a sample of the same scale and
 * seed that is already there).
 */
final class TestDatabase {

    static final String NAME = "cacheaside_webflux";

    private static String address;

    private TestDatabase() {
    }

    /** "host:port" of MariaDB with the sample loaded; skips (or fails under requireServers) without it. */
    static synchronized String mariadb() {
        if (address == null) {
            String found = TestServers.require("MARIADB", 3306);
            String host = found.substring(0, found.lastIndexOf(':'));
            int port = Integer.parseInt(found.substring(found.lastIndexOf(':') + 1));
            ConnectionFactory admin = factory(host, port, "test");
            Mono.usingWhen(admin.create(),
                    (Connection c) -> Flux.from(c.createStatement("CREATE DATABASE IF NOT EXISTS " + NAME).execute())
                            .flatMap(r -> r.getRowsUpdated()).then(),
                    Connection::close).block(Duration.ofSeconds(30));
            R2dbcQueryExecutor executor = R2dbcQueryExecutor.create(factory(host, port, NAME));
            try {
                SampleData.generate(1).loadInto(executor).block(Duration.ofMinutes(2));
            } finally {
                executor.close();
            }
            address = found;
        }
        return address;
    }

    /** The service's DB_* variables for this database. */
    static Map<String, String> variables() {
        String found = mariadb();
        return Map.of("DB_ENGINE", "mariadb",
                "DB_HOST", found.substring(0, found.lastIndexOf(':')),
                "DB_PORT", found.substring(found.lastIndexOf(':') + 1),
                "DB_USER", System.getenv().getOrDefault("TEST_MARIADB_USER", "root"),
                "DB_NAME", NAME);
    }

    private static ConnectionFactory factory(String host, int port, String database) {
        ConnectionFactoryOptions.Builder b = ConnectionFactoryOptions.builder()
                .option(ConnectionFactoryOptions.DRIVER, "mariadb")
                .option(ConnectionFactoryOptions.HOST, host)
                .option(ConnectionFactoryOptions.PORT, port)
                .option(ConnectionFactoryOptions.USER, System.getenv().getOrDefault("TEST_MARIADB_USER", "root"))
                .option(ConnectionFactoryOptions.DATABASE, database);
        String password = System.getenv("TEST_MARIADB_PASSWORD");
        if (password != null && !password.isEmpty()) {
            b.option(ConnectionFactoryOptions.PASSWORD, password);
        }
        return ConnectionFactories.get(b.build());
    }
}
