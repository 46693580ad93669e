package dev.cacheaside.bench.jmh;

import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.spi.Rows;
import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import reactor.core.publisher.Mono;

/**
 * Typical airport result rows for the micro-benchmarks: one booking joined with its flight,
 * passenger and airline (ints, strings, a decimal price, two timestamps), the shape of the
 * medium and advanced sample queries' results. Deterministic (seeded), so every run encodes the
 * same bytes.
 */
public final class SampleRows {

    /** The columns of every row, in select order. */
    public static final List<String> COLUMNS = List.of("booking_id", "flight_id", "flightno", "airlinename",
            "passenger_id", "firstname", "lastname", "seat", "price", "departure", "arrival");

    private static final String[] NAMES = {"Ada", "Bruno", "Chen", "Dana", "Emil", "Fatima", "Goran", "Hana"};
    private static final String[] LAST = {"Andersen", "Brown", "Costa", "Dubois", "Eriksen", "Fischer"};
    private static final String[] AIRLINES = {"Blue Airways", "Northern Air", "Pacific Airlines", "Royal Express"};

    private SampleRows() {
    }

    /** {@code count} rows, the same for the same count on every JVM. */
    public static Rows of(int count) {
        SplittableRandom random = new SplittableRandom(count);
        List<Object[]> rows = new ArrayList<>(count);
        LocalDateTime base = LocalDateTime.of(2025, 6, 1, 6, 0);
        for (int i = 0; i < count; i++) {
            LocalDateTime departure = base.plusMinutes(random.nextInt(60 * 24 * 30));
            rows.add(new Object[] {
                100_000 + i,
                random.nextInt(20_000),
                "BA" + (1000 + random.nextInt(9000)),
                AIRLINES[random.nextInt(AIRLINES.length)],
                random.nextInt(20_000),
                NAMES[random.nextInt(NAMES.length)],
                LAST[random.nextInt(LAST.length)],
                (1 + random.nextInt(40)) + String.valueOf((char) ('A' + random.nextInt(6))),
                BigDecimal.valueOf(5_000 + random.nextInt(95_000), 2),
                departure,
                departure.plusMinutes(45 + random.nextInt(600)),
            });
        }
        return Rows.of(COLUMNS, rows);
    }

    /** A database that answers every query with {@code rows}, at once: what a hit's set-up fills the cache from. */
    public static QueryExecutor database(Rows rows) {
        return new QueryExecutor() {
            @Override
            public Mono<Rows> execute(String sql, List<?> parameters) {
                return Mono.just(rows);
            }

            @Override
            public Mono<Void> closeAsync() {
                return Mono.empty();
            }
        };
    }
}
