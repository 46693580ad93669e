package dev.cacheaside.examples;

import dev.cacheaside.CacheAside;
import dev.cacheaside.QueryResult;
import dev.cacheaside.config.ConfigurationException;
import dev.cacheaside.env.CacheAsideEnvironment;
import dev.cacheaside.env.Settings;
import dev.cacheaside.r2dbc.SqlScript;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Runs each statement of a SQL file through {@link CacheAside} twice and prints where each
 * answer came from and how long it took, so a miss turning into a hit is plain to see.
 *
 * <p>Usage: {@code RunSqlFile <file>}: a path, or a name on the classpath such as
 * {@code sql/03_advanced_queries.sql} (or just {@code 03_advanced_queries.sql}). Statements are
 * split with {@link SqlScript} under the rules of {@code DB_ENGINE}. Configured like the library
 * ({@code CacheAsideEnvironment.create(Settings.load())}): with nothing set it runs on embedded H2,
 * into which it first loads the airport sample (scale 1), and on the in-process cache. A statement that fails (or is not a read, which the cache
 * refuses) is reported and the run goes on; the exit code is then 1. Run it with
 * {@code mvn -q -pl examples/demo exec:java -Dexec.mainClass=dev.cacheaside.examples.RunSqlFile -Dexec.args="sql/01_simple_queries.sql"}.
 */
public final class RunSqlFile {

    static final String USAGE = "usage: RunSqlFile <file path or classpath name, e.g. sql/01_simple_queries.sql>";

    private RunSqlFile() {
    }

    /** Runs the file; exits with 1 when a statement failed and 2 on bad arguments. */
    public static void main(String[] args) {
        int code = run(args, Settings.load(), System.out, System.err);
        if (code != 0) {
            System.exit(code);
        }
    }

    /**
     * Does the work of {@link #main}: returns 0 when every statement ran, 1 when one failed or the
     * configuration is wrong, 2 when the arguments are wrong.
     */
    public static int run(String[] args, Settings settings, PrintStream out, PrintStream err) {
        if (args.length != 1) {
            err.println(USAGE);
            return 2;
        }
        String text;
        try {
            text = read(args[0]);
        } catch (IOException e) {
            err.println("cannot read " + args[0] + ": " + e.getMessage());
            return 2;
        }
        List<String> statements = SqlScript.split(text, syntax(settings.get("DB_ENGINE", "h2")));
        try {
            LoadSampleData.loadIfAbsentOnH2(settings, out);
        } catch (ConfigurationException e) {
            err.println("Configuration error: " + e.getMessage());
            return 1;
        }
        try (CacheAside cache = CacheAsideEnvironment.create(settings)) {
            out.printf("%s: %d statements on %s, cache %s%n", args[0], statements.size(),
                    settings.get("DB_ENGINE", "h2"), settings.get("CACHE_ENGINE", "local"));
            if (!cache.connect(Duration.ofSeconds(5)).block()) {
                out.println("(the cache did not answer within 5 s: statements go to the database until it does)");
            }
            return run(statements, cache, out);
        } catch (ConfigurationException e) {
            err.println("Configuration error: " + e.getMessage());
            return 1;
        }
    }

    /** Runs each statement twice through {@code cache}; 0 when all succeeded, 1 otherwise. */
    static int run(List<String> statements, CacheAside cache, PrintStream out) {
        int failed = 0;
        for (int i = 0; i < statements.size(); i++) {
            String sql = statements.get(i);
            out.printf("%n[%d] %s%n", i + 1, label(sql));
            try {
                // start cold, so the first run shows the database and the second the cache
                cache.invalidate(sql).onErrorReturn(false).block(Duration.ofSeconds(30));
                for (int run = 1; run <= 2; run++) {
                    QueryResult r = cache.query(sql).block(Duration.ofMinutes(5));
                    out.printf(Locale.ROOT, "    run %d: %-10s %9.2f ms  %d rows%n", run, r.source(),
                            r.latency().toNanos() / 1e6, r.rows().size());
                }
            } catch (RuntimeException e) {
                failed++;
                out.println("    failed: " + e.getMessage());
            }
        }
        out.printf("%n%d statements, %d failed%n", statements.size(), failed);
        return failed == 0 ? 0 : 1;
    }

    /**
     * The {@code --} comment lines right above the statement (a blank line ends a comment block,
     * so a file header is not taken for it), or else the statement's first line; shortened.
     */
    static String label(String sql) {
        StringBuilder comment = new StringBuilder();
        for (String line : sql.split("\n")) {
            String t = line.strip();
            if (t.isEmpty()) {
                comment.setLength(0);
            } else if (t.startsWith("--")) {
                comment.append(comment.length() == 0 ? "" : " ").append(t.substring(2).strip());
            } else {
                String label = comment.length() > 0 ? comment.toString() : t;
                return label.length() > 100 ? label.substring(0, 97) + "..." : label;
            }
        }
        return comment.toString();
    }

    /** The lexical rules of the engine {@code DB_ENGINE} names ({@code STANDARD} for one not known). */
    public static SqlScript.Syntax syntax(String engine) {
        switch (engine.toLowerCase(Locale.ROOT)) {
            case "mysql":
            case "mariadb":
                return SqlScript.Syntax.MYSQL;
            case "postgresql":
            case "postgres":
                return SqlScript.Syntax.POSTGRESQL;
            default:
                return SqlScript.Syntax.STANDARD;
        }
    }

    /** A file's text: a path on disk first, then the classpath (as given, then under {@code sql/}). */
    public static String read(String name) throws IOException {
        Path path = Path.of(name);
        if (Files.isRegularFile(path)) {
            return Files.readString(path, StandardCharsets.UTF_8);
        }
        for (String candidate : List.of(name, "sql/" + name)) {
            String resource = candidate.startsWith("/") ? candidate.substring(1) : candidate;
            try (InputStream in = RunSqlFile.class.getClassLoader().getResourceAsStream(resource)) {
                if (in != null) {
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
        }
        throw new IOException("no such file, and not on the classpath (tried " + name + " and sql/" + name + ")");
    }
}
