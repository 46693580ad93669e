package dev.cacheaside.bench.jmh;

import dev.cacheaside.internal.CacheKeys;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * What computing a cache key costs: the key rule ({@code query:} + hex SHA-256) over a short
 * one-table query, over a 1 KB advanced query, and over a short query with two bind parameters
 * (the tagged, length-prefixed encoding). Average time per key, and allocation per key with the
 * gc profiler.
 *
 * <p>Calls the engine's {@code CacheKeys} (in {@code dev.cacheaside.internal}) directly;
 * {@code CacheAside.keyFor} adds only the read-only check of {@code Query.of}. Run alone with
 * {@code mvn -q -pl benchmarks compile dependency:copy-dependencies exec:exec -Dbench.args="jmh KeyBenchmark"}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class KeyBenchmark {

    static final String SHORT = "SELECT * FROM airline WHERE airline_id = 1";
    static final String WITH_PARAMETERS = "SELECT * FROM booking WHERE passenger_id = ? AND price > ?";
    static final String ADVANCED;

    static {
        String base = "SELECT p.passenger_id, p.firstname, p.lastname, d.country,\n"
                + "       COUNT(*) AS bookings, COUNT(DISTINCT f.airline_id) AS airlines, SUM(b.price) AS spent\n"
                + "FROM booking b\n"
                + "JOIN passenger p ON p.passenger_id = b.passenger_id\n"
                + "JOIN passengerdetails d ON d.passenger_id = p.passenger_id\n"
                + "JOIN flight f ON f.flight_id = b.flight_id\n"
                + "GROUP BY p.passenger_id, p.firstname, p.lastname, d.country\n"
                + "ORDER BY spent DESC, p.passenger_id\n"
                + "LIMIT 10\n-- ";
        // padded with a comment to 1,024 characters: a long report query
        ADVANCED = base + "x".repeat(1024 - base.length());
    }

    final List<Object> parameters = List.of(42, new java.math.BigDecimal("100.00"));

    @Benchmark
    public String shortSql() {
        return CacheKeys.key("query:", SHORT, List.of());
    }

    @Benchmark
    public String advancedSql1k() {
        return CacheKeys.key("query:", ADVANCED, List.of());
    }

    @Benchmark
    public String twoParameters() {
        return CacheKeys.key("query:", WITH_PARAMETERS, parameters);
    }
}
