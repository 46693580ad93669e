package dev.cacheaside.examples;

import dev.cacheaside.config.ConfigurationException;
import dev.cacheaside.env.Engines;
import dev.cacheaside.env.Settings;
import dev.cacheaside.r2dbc.R2dbcQueryExecutor;
import dev.cacheaside.spi.QueryExecutor;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * Loads the airport sample ({@link SampleData}) into the database the settings name.
 *
 * <p>Usage: {@code LoadSampleData [scale] [seed]} (scale 1 to 10000, default 1; seed default
 * {@value SampleData#DEFAULT_SEED}). The database comes from the environment and {@code ./.env}
 * like the library's ({@code DB_ENGINE}, {@code DB_HOST}, {@code DB_PORT}, {@code DB_USER},
 * {@code DB_PASSWORD}, {@code DB_NAME}); the database {@code DB_NAME} must exist. Tables the
 * loader did not create are never touched: the load stops with an error naming such a table.
 * Run it with {@code mvn -q -pl examples/demo exec:java -Dexec.mainClass=dev.cacheaside.examples.LoadSampleData -Dexec.args="100"}.
 */
public final class LoadSampleData {

    static final String USAGE = "usage: LoadSampleData [scale 1-" + SampleData.MAX_SCALE + ", default 1] [seed, default "
            + SampleData.DEFAULT_SEED + "]";

    private LoadSampleData() {
    }

    /** Loads, printing each step; exits with 1 on failure and 2 on bad arguments. */
    public static void main(String[] args) {
        int code = run(args, Settings.load(), System.out, System.err);
        if (code != 0) {
            System.exit(code);
        }
    }

    /**
     * On the embedded default ({@code DB_ENGINE} unset or {@code h2}), loads the scale-1 sample
     * into the in-memory database the settings name unless a complete sample of any scale is
     * there already, and prints one line to {@code out}; on any other engine does nothing (a
     * server's sample is loaded with {@link #main}). Blocks until loaded.
     */
    static void loadIfAbsentOnH2(Settings settings, PrintStream out) {
        if (!"h2".equals(settings.get("DB_ENGINE", "h2").toLowerCase(Locale.ROOT))) {
            return;
        }
        try (QueryExecutor executor = Engines.queryExecutor("h2", settings)) {
            SampleData.generate(1).loadIfAbsent(executor, line -> { }).block(Duration.ofMinutes(2));
            out.println("Embedded H2 (in memory): the airport sample is loaded (scale 1)");
        }
    }

    /**
     * Does the work of {@link #main}: returns 0 when loaded, 1 when the load or the configuration
     * failed, 2 when the arguments are wrong.
     */
    public static int run(String[] args, Settings settings, PrintStream out, PrintStream err) {
        int scale;
        long seed;
        try {
            scale = args.length > 0 ? Integer.parseInt(args[0].trim()) : 1;
            seed = args.length > 1 ? Long.parseLong(args[1].trim()) : SampleData.DEFAULT_SEED;
            if (args.length > 2 || scale < 1 || scale > SampleData.MAX_SCALE) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            err.println(USAGE);
            return 2;
        }
        String engine = settings.get("DB_ENGINE", Engines.DEFAULT_DB_ENGINE).toLowerCase(Locale.ROOT);
        SampleData data = SampleData.generate(scale, seed);
        try (QueryExecutor executor = Engines.queryExecutor(engine, settings)) {
            if (!(executor instanceof R2dbcQueryExecutor)) {
                err.println("DB_ENGINE=" + engine + " is not an R2DBC engine; the sample loads through R2DBC only");
                return 1;
            }
            out.println("Engine: " + engine + " " + executor);
            out.println("Sample: scale " + scale + ", seed " + seed + ", " + data.rowCounts().values().stream()
                    .mapToLong(Long::longValue).sum() + " rows " + data.rowCounts());
            if ("h2".equals(engine)) {
                out.println("Note: h2 is an in-memory database inside this JVM; the data is gone when this program exits."
                        + " Set DB_ENGINE to mariadb, mysql or postgresql to load a server.");
            }
            long start = System.nanoTime();
            data.loadInto((R2dbcQueryExecutor) executor, out::println).block(Duration.ofHours(2));
            out.printf(Locale.ROOT, "Done in %.1f s%n", (System.nanoTime() - start) / 1e9);
            return 0;
        } catch (ConfigurationException e) {
            err.println("Configuration error: " + e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            err.println("Load failed: " + e.getMessage());
            return 1;
        }
    }
}
