package dev.cacheaside.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.env.Settings;
import dev.cacheaside.examples.LoadSampleData;
import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.env.QueryExecutorProvider;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.env.CacheAsideEnvironment;
import dev.cacheaside.env.Engines;
import dev.cacheaside.testing.TestServers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The settings a user would put in {@code .env} to reach this machine's servers (found through
 * {@link TestServers}), and the demo database {@value #DEMO_DATABASE} with the scale-1 airport
 * sample on MariaDB and PostgreSQL, created and loaded once per run with the project's loader.
 * Only that database is ever created; nothing is dropped.
 */
final class ItServers {

    /** The database the demo runs in on MariaDB and PostgreSQL; ours alone. */
    static final String DEMO_DATABASE = "cacheaside_demo";

    /** The database engines the demo runs on; {@code mysql} is the MySQL driver against MariaDB. */
    static final List<String> DATABASES = List.of("h2", "mariadb", "mysql", "postgresql");

    private static final Set<String> LOADED = ConcurrentHashMap.newKeySet();

    private ItServers() {
    }

    /** {@code DB_*} variables for {@code engine} against the demo database (H2: the embedded default). */
    static Map<String, String> database(String engine) {
        Map<String, String> vars = new HashMap<>();
        vars.put("DB_ENGINE", engine);
        switch (engine) {
            case "h2":
                return vars;
            case "mariadb":
            case "mysql":
                put(vars, "DB", TestServers.require("MARIADB", 3306));
                vars.put("DB_USER", System.getenv().getOrDefault("TEST_MARIADB_USER", "root"));
                putIfSet(vars, "DB_PASSWORD", "TEST_MARIADB_PASSWORD");
                break;
            case "postgresql":
                put(vars, "DB", TestServers.require("POSTGRES", 5432));
                vars.put("DB_USER", System.getenv().getOrDefault("TEST_POSTGRES_USER", "postgres"));
                putIfSet(vars, "DB_PASSWORD", "TEST_POSTGRES_PASSWORD");
                break;
            default:
                throw new IllegalArgumentException("unknown database engine " + engine);
        }
        vars.put("DB_NAME", DEMO_DATABASE);
        return vars;
    }

    /** {@code CACHE_*} variables for one of the cache set-ups the demo runs on. */
    static Map<String, String> cache(String setup) {
        Map<String, String> vars = new HashMap<>();
        switch (setup) {
            case "local":
                vars.put("CACHE_ENGINE", "local");
                break;
            case "redis":
                vars.put("CACHE_ENGINE", "redis");
                put(vars, "CACHE", TestServers.require("REDIS", 6379));
                break;
            case "valkey":
                vars.put("CACHE_ENGINE", "valkey");
                put(vars, "CACHE", TestServers.require("VALKEY", 6380));
                break;
            case "memcached":
                vars.put("CACHE_ENGINE", "memcached");
                vars.put("CACHE_NODES", TestServers.require("MEMCACHED", 11211) + "," + TestServers.require("MEMCACHED2", 11212));
                break;
            case "redis-cluster":
                vars.put("CACHE_ENGINE", "redis");
                vars.put("CACHE_CLUSTER", "true");
                vars.put("CACHE_NODES", clusterNodes());
                break;
            default:
                throw new IllegalArgumentException("unknown cache set-up " + setup);
        }
        return vars;
    }

    /** The three cluster nodes, {@code host:port,...}. */
    static String clusterNodes() {
        String first = TestServers.require("REDIS_CLUSTER", 7000);
        String host = first.substring(0, first.lastIndexOf(':'));
        int port = Integer.parseInt(first.substring(first.lastIndexOf(':') + 1));
        return first + "," + host + ":" + (port + 1) + "," + host + ":" + (port + 2);
    }

    /** Settings for {@code database} and {@code cache}, as a user's {@code .env} would hold them. */
    static Settings settings(String database, String cache) {
        Map<String, String> vars = new HashMap<>(database(database));
        vars.putAll(cache(cache));
        return Settings.of(vars);
    }

    /**
     * Makes sure the demo database exists on {@code engine}'s server and holds the scale-1
     * sample, once per run: creates the database when missing, then runs {@link LoadSampleData}
     * (which keeps tables already loaded at that scale and seed). H2 needs nothing.
     */
    static synchronized void ensureDemoDatabase(String engine) {
        if (engine.equals("h2") || !LOADED.add(server(engine))) {
            return;
        }
        Map<String, String> vars = database(engine);
        vars.put("DB_NAME", "mariadb".equals(server(engine)) ? "mysql" : "postgres");
        try (QueryExecutor admin = Engines.queryExecutor(engine, Settings.of(vars))) {
            if (server(engine).equals("mariadb")) {
                admin.execute("CREATE DATABASE IF NOT EXISTS " + DEMO_DATABASE, List.of()).block(Duration.ofSeconds(30));
            } else {
                Rows found = admin.execute("SELECT COUNT(*) FROM pg_database WHERE datname = ?", List.of(DEMO_DATABASE))
                        .block(Duration.ofSeconds(30));
                if (((Number) found.get(0, 0)).longValue() == 0) {
                    admin.execute("CREATE DATABASE " + DEMO_DATABASE, List.of()).block(Duration.ofSeconds(30));
                }
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = LoadSampleData.run(new String[] {"1"}, Settings.of(database(engine)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).as("LoadSampleData into " + DEMO_DATABASE + " on " + engine + "; stdout:\n" + out
                + "\nstderr:\n" + err).isZero();
    }

    private static final Set<String> WARMED = ConcurrentHashMap.newKeySet();

    /**
     * Opens and closes one client of cache set-up {@code setup} in this JVM, with a long cache
     * timeout, so that the client's classes are loaded and its threads started before a test that
     * is about something else. In a cold JVM the first cache operation takes longer than the
     * default 250 ms {@code CACHE_TIMEOUT} (connection, class loading); that path is tested on
     * purpose by {@code DemoOnEveryEngineIT.theDemoAsAUserRunsItInAFreshJvm}.
     */
    static void warmUp(String setup) {
        if (setup.equals("local") || !WARMED.add(setup)) {
            return;
        }
        Map<String, String> vars = cache(setup);
        vars.put("DB_ENGINE", "h2");
        vars.put("DB_NAME", "warmup");
        vars.put("CACHE_TIMEOUT", "10s");
        try (dev.cacheaside.CacheAside cache = CacheAsideEnvironment.create(Settings.of(vars))) {
            cache.invalidate("SELECT 1").block(Duration.ofSeconds(30));
        }
    }

    /** The server behind a database engine: the MySQL driver talks to MariaDB here. */
    private static String server(String engine) {
        return engine.equals("mysql") ? "mariadb" : engine;
    }

    private static void put(Map<String, String> vars, String prefix, String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        vars.put(prefix + "_HOST", hostPort.substring(0, colon));
        vars.put(prefix + "_PORT", hostPort.substring(colon + 1));
    }

    private static void putIfSet(Map<String, String> vars, String name, String environment) {
        String value = System.getenv(environment);
        if (value != null && !value.isBlank()) {
            vars.put(name, value);
        }
    }
}
