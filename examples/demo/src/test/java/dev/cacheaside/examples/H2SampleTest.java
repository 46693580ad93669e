package dev.cacheaside.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.env.Engines;
import dev.cacheaside.env.Settings;
import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.spi.Rows;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/** The sample on the embedded default, and the loader's rules, on in-memory H2. */
class H2SampleTest {

    private static long count(QueryExecutor e, String table) {
        return ((Number) e.execute("SELECT COUNT(*) FROM " + table, List.of()).block().get(0, 0)).longValue();
    }

    private static QueryExecutor h2(String name) {
        return Engines.queryExecutor("h2", Settings.of(Map.of("DB_NAME", name)));
    }

    @Test
    void theDemoProgramsFillTheEmptyEmbeddedDefaultSoTheFirstQueryNeedsNoServer() {
        Settings settings = Settings.of(Map.of("DB_NAME", "h2default"));
        try (QueryExecutor h2 = Engines.queryExecutor("h2", settings)) {
            assertThat(h2.execute("SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = CURRENT_SCHEMA",
                    List.of()).block(Duration.ofSeconds(30)).get(0, 0)).as("tables before the load").isEqualTo(0L);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            LoadSampleData.loadIfAbsentOnH2(settings, new PrintStream(out, true, StandardCharsets.UTF_8));
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("airport sample is loaded (scale 1)");
            Rows rows = h2.execute("SELECT * FROM airline WHERE airline_id = ?", List.of(1)).block(Duration.ofSeconds(30));
            assertThat(rows.size()).isEqualTo(1);
            assertThat(rows.columns()).containsExactly("airline_id", "iata", "airlinename", "base_airport");
            assertThat(rows.get(0, 0)).isEqualTo(1);
            assertThat(rows.get(0, 2)).isEqualTo(SampleData.generate(1).rows("airline").next()[2]);
            for (Map.Entry<String, Long> e : SampleData.generate(1).rowCounts().entrySet()) {
                assertThat(count(h2, e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
            }
        }
    }

    @Test
    void aSecondLoadOnTheSameDatabaseKeepsTheSampleOfAnyScaleAndServersAreLeftAlone() {
        Settings settings = Settings.of(Map.of("DB_NAME", "h2shared"));
        try (QueryExecutor first = h2("h2shared")) {
            SampleData.generate(2).loadInto(first).block(Duration.ofSeconds(60));
        }
        LoadSampleData.loadIfAbsentOnH2(settings, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try (QueryExecutor second = h2("h2shared")) {
            assertThat(count(second, "booking")).as("the scale-2 sample kept").isEqualTo(2000);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // another engine: no load, not even into H2, and nothing printed
        LoadSampleData.loadIfAbsentOnH2(Settings.of(Map.of("DB_ENGINE", "mariadb", "DB_PORT", "1")),
                new PrintStream(out, true, StandardCharsets.UTF_8));
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void loaderKeepsItsOwnSameScaleTablesAndReplacesThemAtAnotherScale() {
        QueryExecutor e = h2("h2reload");
        try {
            List<String> lines = new ArrayList<>();
            SampleData.generate(1).loadInto(e, lines::add).block();
            assertThat(lines).anyMatch(l -> l.startsWith("  booking: 1000 rows"));
            lines.clear();
            SampleData.generate(1).loadInto(e, lines::add).block();
            assertThat(lines).as("second load of the same sample").anyMatch(l -> l.contains("booking: already loaded"));
            SampleData.generate(2).loadInto(e).block();
            assertThat(count(e, "booking")).isEqualTo(2000);
            assertThat(count(e, "flight")).isEqualTo(200);
        } finally {
            e.close();
        }
    }

    @Test
    void loaderRefusesATableItDidNotCreateAndLeavesItAlone() {
        QueryExecutor e = h2("h2user");
        try {
            e.execute("CREATE TABLE passenger (passenger_id INT PRIMARY KEY, note VARCHAR(10))", List.of()).block();
            e.execute("INSERT INTO passenger VALUES (1, 'mine')", List.of()).block();
            StepVerifier.create(SampleData.generate(1).loadInto(e))
                    .expectErrorSatisfies(err -> assertThat(err).isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("table passenger already exists and was not created by the sample loader (1 rows)"))
                    .verify(Duration.ofSeconds(30));
            Rows rows = e.execute("SELECT * FROM passenger", List.of()).block();
            assertThat(rows.size()).as("the user's table is untouched").isEqualTo(1);
            assertThat(rows.get(0, 1)).isEqualTo("mine");
        } finally {
            e.close();
        }
    }
}
