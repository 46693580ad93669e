package dev.cacheaside.examples;

import dev.cacheaside.CacheAside;
import dev.cacheaside.QueryResult;
import dev.cacheaside.config.ConfigurationException;
import dev.cacheaside.env.CacheAsideEnvironment;
import dev.cacheaside.env.Settings;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * The seed's five-step demo: miss, hit, force refresh, invalidate, miss, on
 * {@code SELECT * FROM airline WHERE airline_id = 1}.
 *
 * <p>Configured like the library: the environment and {@code ./.env} ({@code DB_ENGINE},
 * {@code CACHE_ENGINE}, ...); with nothing set it runs on embedded H2, into which it first loads
 * the airport sample ({@link SampleData}, scale 1), and on the in-process cache.
 * Run it with {@code mvn -q -pl examples/demo -am install -DskipTests && mvn -q -pl examples/demo exec:java}.
 */
public final class Demo {

    /** The query the demo runs, misses, hits and invalidates. */
    public static final String SQL = "SELECT * FROM airline WHERE airline_id = 1";
    private static final String RULE = "=".repeat(60);

    private Demo() {
    }

    /** Runs the demo; exits with 1 and a one-line reason when the configuration or a server fails. */
    public static void main(String[] args) {
        Settings settings = Settings.load();
        try {
            run(settings, System.out);
        } catch (ConfigurationException e) {
            System.err.println("Configuration error: " + e.getMessage());
            System.exit(1);
        } catch (RuntimeException e) {
            System.err.println("Demo failed: " + e.getMessage());
            System.exit(1);
        }
    }

    /** Runs the five steps against the engines {@code settings} names, printing to {@code out}. */
    public static void run(Settings settings, PrintStream out) {
        LoadSampleData.loadIfAbsentOnH2(settings, out);
        try (CacheAside cache = CacheAsideEnvironment.create(settings)) {
            out.println(RULE);
            out.println("Cache-Aside Pattern Demo");
            out.println(RULE);
            out.printf("Database: %s, cache: %s%n", settings.get("DB_ENGINE", "h2"), settings.get("CACHE_ENGINE", "local"));
            if (!cache.connect(Duration.ofSeconds(5)).block()) {
                out.println("(the cache did not answer within 5 s: querys go to the database until it does)");
            }
            // a run before this one may have left the entry behind; start from a cold key
            cache.invalidate(SQL).onErrorReturn(false).block();

            out.println();
            out.println("1. First execution (should be CACHE_MISS):");
            print(out, cache.query(SQL).block(), true);

            out.println();
            out.println("2. Second execution (should be CACHE_HIT):");
            print(out, cache.query(SQL).block(), true);

            out.println();
            out.println("3. Force refresh (bypasses cache):");
            print(out, cache.refresh(SQL).block(), false);

            out.println();
            out.println("4. Invalidating cache...");
            out.println("   Cache invalidated: " + cache.invalidate(SQL).block());

            out.println();
            out.println("5. Query after invalidation (should be CACHE_MISS):");
            print(out, cache.query(SQL).block(), false);

            out.println();
            out.println(RULE);
        }
    }

    private static void print(PrintStream out, QueryResult result, boolean withRows) {
        out.println("   Source: " + result.source());
        out.println("   Latency: " + String.format(Locale.ROOT, "%.2f", result.latencyMillis()) + " ms");
        if (withRows) {
            out.println("   Results: " + result.rows());
        }
    }
}
