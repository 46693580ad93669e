package dev.cacheaside.bench.jmh;

import dev.cacheaside.CacheAsideOptions;

import dev.cacheaside.testing.ReferenceRowDecoder;

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
 * them back (on every hit), for results of 8, 100 and 1,000 typical airport rows (11 columns:
 * ints, strings, a decimal price, two timestamps; see {@link SampleRows}). Average time per
 * result, and allocation per result with the gc profiler.
 *
 * <p>{@code decode} runs two decoders side by side on the same bytes: {@code current}, the
 * library's {@code RowCodec.decodeEntry}, and {@code baseline}, the decoder before it, which
 * parsed every entry with Jackson ({@link ReferenceRowDecoder}), so one run gives their ratio on
 * the same machine.
 *
 * <p>Lives in package {@code dev.cacheaside} to call the package-private {@code RowCodec}
 * directly: through the public API the codec is only reachable together with a cache store and
 * the engine, which {@link HitBenchmark} measures. Run alone with
 * {@code mvn -q -pl benchmarks compile dependency:copy-dependencies exec:exec -Dbench.args="jmh CodecBenchmark"},
 * or only the decoders, from {@code benchmarks/} once the jars are copied:
 * {@code java -cp "target/classes:target/bench-lib/*" org.openjdk.jmh.Main CodecBenchmark.decode
 * -f 1 -wi 3 -i 5 -w 1s -r 1s -jvmArgs "-Xms1g -Xmx1g" -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CodecBenchmark {

    @Param({"8", "100", "1000"})
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
    public CachedEntry decode(Decoder decoder) {
        return decoder.current
                ? RowCodec.decodeEntry(encoded, CacheAsideOptions.DEFAULT_MAX_ENTRY_BYTES)
                : ReferenceRowDecoder.decodeEntry(encoded, CacheAsideOptions.DEFAULT_MAX_ENTRY_BYTES);
    }

    /** Which decoder {@code decode} runs; a state of its own, so that {@code encode} runs once per size. */
    @State(Scope.Benchmark)
    public static class Decoder {

        @Param({"baseline", "current"})
        public String decoder;

        boolean current;

        @Setup
        public void setUp() {
            current = decoder.equals("current");
        }
    }
}
