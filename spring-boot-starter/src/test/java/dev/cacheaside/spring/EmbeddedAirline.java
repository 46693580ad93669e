package dev.cacheaside.spring;

import dev.cacheaside.env.Settings;
import dev.cacheaside.r2dbc.H2QueryExecutorProvider;
import dev.cacheaside.spi.QueryExecutor;
import java.time.Duration;
import java.util.List;

/**
 * The one table these tests read, {@code airline} with airlines 1 to 3, created in the embedded
 * H2 default ({@code cacheaside.db.name} unset: {@code airportdb}), which starts empty and is
 * shared by every executor of that name in this JVM. Idempotent.
 */
final class EmbeddedAirline {

    private EmbeddedAirline() {
    }

    static void create() {
        try (QueryExecutor h2 = new H2QueryExecutorProvider().create("h2", Settings.empty())) {
            for (String sql : List.of(
                    "CREATE TABLE IF NOT EXISTS airline (airline_id INT PRIMARY KEY, airlinename VARCHAR(30) NOT NULL)",
                    "MERGE INTO airline KEY (airline_id) VALUES (1, 'Blue Airways'), (2, 'Northern Air'), (3, 'Pacific')")) {
                h2.execute(sql, List.of()).block(Duration.ofSeconds(30));
            }
        }
    }
}
