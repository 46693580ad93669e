package dev.cacheaside.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.env.Settings;
import dev.cacheaside.examples.RunSqlFile;
import dev.cacheaside.r2dbc.SqlScript;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The program {@link RunSqlFile} on the three sample files, on MariaDB and PostgreSQL, with the
 * shared Redis as the cache, configured through settings only: the statements are split under
 * the engine's rules and each one is a miss and then a hit. Each file runs twice, so the second
 * run proves that the program starts cold (invalidates) over entries a run before it left.
 */
class RunSqlFileIT {

    private static final String PREFIX = "runsqlfileit-" + UUID.randomUUID().toString().substring(0, 8) + ":";

    @BeforeAll
    static void demoDatabases() {
        ItServers.ensureDemoDatabase("mariadb");
        ItServers.ensureDemoDatabase("postgresql");
        ItServers.warmUp("redis"); // a cold JVM is DemoOnEveryEngineIT's subject, not this one's
    }

    @AfterAll
    static void removeOurKeys() {
        Map<String, String> redis = ItServers.cache("redis");
        try (RawCache raw = RawCache.redis(redis.get("CACHE_HOST"), Integer.parseInt(redis.get("CACHE_PORT")))) {
            raw.deleteByPrefix(PREFIX);
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource({
        "01_simple_queries.sql, mariadb", "02_medium_queries.sql, mariadb", "03_advanced_queries.sql, mariadb",
        "01_simple_queries.sql, postgresql", "02_medium_queries.sql, postgresql", "03_advanced_queries.sql, postgresql",
    })
    void everyStatementMissesThenHitsTwice(String file, String engine) throws IOException {
        Map<String, String> vars = new HashMap<>(ItServers.database(engine));
        vars.putAll(ItServers.cache("redis"));
        vars.put("CACHE_KEY_PREFIX", PREFIX);
        Settings settings = Settings.of(vars);
        int statements = SqlScript.split(RunSqlFile.read(file), RunSqlFile.syntax(engine)).size();
        assertThat(statements).as(file + " has statements").isPositive();
        for (int pass = 1; pass <= 2; pass++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = RunSqlFile.run(new String[] {"sql/" + file}, settings,
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            String printed = out.toString(StandardCharsets.UTF_8);
            String what = file + " on " + engine + ", pass " + pass;
            assertThat(code).as(what + ": exit code; stdout:\n" + printed + "\nstderr:\n" + err).isZero();
            assertThat(printed).as(what).contains(statements + " statements on " + engine + ", cache redis")
                    .contains(statements + " statements, 0 failed");
            assertThat(count(printed, "run 1: CACHE_MISS")).as(what + ": misses first; output:\n" + printed).isEqualTo(statements);
            assertThat(count(printed, "run 2: CACHE_HIT")).as(what + ": then hits; output:\n" + printed).isEqualTo(statements);
        }
    }

    private static int count(String text, String needle) {
        Matcher m = Pattern.compile(Pattern.quote(needle)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
