package dev.cacheaside.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.env.Settings;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.spi.QueryExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/** The embedded default and the loader's rules, on in-memory H2. */
class H2SampleTest {

    private static long count(QueryExecutor e, String table) {
        return ((Number) e.execute("SELECT COUNT(*) FROM " + table, List.of()).block().get(0, 0)).longValue();
    }

    @Test
    void embeddedDefaultAnswersTheFirstQueryWithNoServer() {
        try (QueryExecutor h2 = new H2QueryExecutorProvider().create("h2", Settings.of(Map.of("DB_NAME", "h2default")))) {
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
    void secondExecutorOnTheSameDatabaseKeepsTheSample() {
        Settings settings = Settings.of(Map.of("DB_NAME", "h2shared"));
        try (QueryExecutor first = new H2QueryExecutorProvider().create("h2", settings)) {
            assertThat(count(first, "booking")).isEqualTo(1000);
        }
        try (QueryExecutor second = new H2QueryExecutorProvider().create("h2", settings)) {
            assertThat(count(second, "booking")).isEqualTo(1000);
        }
    }

    @Test
    void loaderKeepsItsOwnSameScaleTablesAndReplacesThemAtAnotherScale() {
        R2dbcQueryExecutor e = R2dbcQueryExecutor.create(R2dbcQueryExecutorTest.h2("h2reload"));
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
        R2dbcQueryExecutor e = R2dbcQueryExecutor.create(R2dbcQueryExecutorTest.h2("h2user"));
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
