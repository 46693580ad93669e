package dev.cacheaside.bench;

import dev.cacheaside.env.Settings;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.env.Engines;
import dev.cacheaside.examples.SampleData;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.env.QueryExecutorProvider;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The real servers of the load driver, made through the library's own engine providers (the same
 * path as {@code CacheAsideEnvironment.create()} with {@code DB_ENGINE}/{@code CACHE_ENGINE}): addresses from
 * system properties ({@code bench.mariadb}, {@code bench.postgresql}, {@code bench.redis},
 * {@code bench.valkey}, {@code bench.memcached}), defaults the servers of
 * {@code scripts/services.sh}.
 */
final class Servers {

    private Servers() {
    }

    static String address(String engine) {
        String fallback;
        switch (engine) {
            case "mariadb":
                fallback = "127.0.0.1:3306";
                break;
            case "postgresql":
                fallback = "127.0.0.1:5432";
                break;
            case "redis":
                fallback = "127.0.0.1:6379";
                break;
            case "valkey":
                fallback = "127.0.0.1:6380";
                break;
            case "memcached":
                fallback = "127.0.0.1:11211,127.0.0.1:11212";
                break;
            default:
                throw new IllegalArgumentException("unknown engine '" + engine + "'");
        }
        return System.getProperty("bench." + engine, fallback);
    }

    /** An executor on {@code database} of the engine's server (root / postgres, empty password). */
    static QueryExecutor database(String engine, String database, int poolSize) {
        String address = address(engine);
        int colon = address.lastIndexOf(':');
        Map<String, String> values = new HashMap<>();
        values.put("DB_ENGINE", engine);
        values.put("DB_HOST", address.substring(0, colon));
        values.put("DB_PORT", address.substring(colon + 1));
        values.put("DB_USER", engine.equals("postgresql") ? "postgres" : "root");
        values.put("DB_NAME", database);
        values.put("DB_POOL_SIZE", Integer.toString(poolSize));
        values.put("DB_STATEMENT_TIMEOUT", "60s");
        Settings settings = Settings.of(values);
        return Engines.queryExecutor(engine, settings);
    }

    /** A new store (its own client and connections) on the engine's server. */
    static CacheStore cache(String engine) {
        String address = address(engine);
        Map<String, String> values = new HashMap<>();
        values.put("CACHE_ENGINE", engine);
        if (engine.equals("memcached")) {
            values.put("CACHE_NODES", address);
        } else {
            int colon = address.lastIndexOf(':');
            values.put("CACHE_HOST", address.substring(0, colon));
            values.put("CACHE_PORT", address.substring(colon + 1));
        }
        Settings settings = Settings.of(values);
        return Engines.cacheStore(engine, settings);
    }

    /**
     * Creates {@code database} on the engine's server when it is missing and loads the airport
     * sample at {@code scale} into it with the project's loader ({@link SampleData#loadInto}),
     * which keeps tables that already hold this scale and seed: the load happens once, later
     * runs reuse it.
     */
    static void prepare(String engine, String database, int scale, Consumer<String> progress) {
        try (QueryExecutor admin = database(engine, engine.equals("postgresql") ? "postgres" : "test", 1)) {
            if (engine.equals("postgresql")) {
                Rows found = admin.execute("SELECT 1 FROM pg_database WHERE datname = ?", List.of(database))
                        .block(Duration.ofMinutes(1));
                if (found == null || found.isEmpty()) {
                    progress.accept("creating database " + database + " on " + engine);
                    admin.execute("CREATE DATABASE " + database, List.of()).block(Duration.ofMinutes(1));
                }
            } else {
                admin.execute("CREATE DATABASE IF NOT EXISTS " + database, List.of()).block(Duration.ofMinutes(1));
            }
        }
        try (QueryExecutor executor = database(engine, database, 4)) {
            SampleData.generate(scale).loadInto(executor, progress).block(Duration.ofMinutes(30));
        }
    }
}
