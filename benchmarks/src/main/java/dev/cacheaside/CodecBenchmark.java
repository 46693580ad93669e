package dev.cacheaside;

import dev.cacheaside.internal.CachedEntry;
import dev.cacheaside.internal.RowCodec;

import dev.cacheaside.spi.Rows;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What the row codec costs: encoding a result to the cached bytes (on every miss) and decoding
 * them back (on every hit), for results of 1, 100 and 1,000 typical airport rows (11 columns:
 * ints, strings, a decimal price, two timestamps; see {@link SampleRows}). Average time per
 * result, and allocation per result with the gc profiler.
 *
 * <p>Calls the engine's {@code RowCodec} (in {@code dev.cacheaside.internal}) directly: through
 * the public API the codec is only reachable together with a cache store and
 * the engine, which {@link HitBenchmark} measures. Run alone with
 * {@code mvn -q -pl benchmarks compile dependency:copy-dependencies exec:exec -Dbench.args="jmh CodecBenchmark"}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CodecBenchmark {

    @Param({"1", "100", "1000"})
    public int rows;

    Rows result;
    byte[] encoded;

    @Setup
    public void setUp() {
        result = SampleRows.of(rows);
        encoded = RowCodec.encode(result, 1_750_000_000_000L, 1_750_003_600_000L, 42, CacheAsideOptions.DEFAULT_MAX_ENTRY_BYTES);
    }

    @Benchmark
    public byte[] encode() {
        return RowCodec.encode(result, 1_750_000_000_000L, 1_750_003_600_000L, 42, CacheAsideOptions.DEFAULT_MAX_ENTRY_BYTES);
    }

    @Benchmark
    public CachedEntry decode() {
        return RowCodec.decodeEntry(encoded, CacheAsideOptions.DEFAULT_MAX_ENTRY_BYTES);
    }
}
