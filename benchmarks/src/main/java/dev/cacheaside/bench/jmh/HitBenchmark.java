package dev.cacheaside.bench.jmh;

import dev.cacheaside.CacheAside;
import dev.cacheaside.CacheAsideOptions;
import dev.cacheaside.QueryResult;
import dev.cacheaside.Source;

import dev.cacheaside.internal.RowCodec;

import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.caffeine.LocalCacheStore;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A whole cache hit without the network: {@code CacheAside.query(sql)} over the in-process store
 * (Caffeine) with the default options (leases, circuit breaker, cache timeout), against its
 * floor, a hand-written hit over the same store: {@code store.get(key)} and the same decode.
 * The difference is what the engine adds per hit (key hashing, Reactor operators, timeout,
 * breaker, result), in time and in bytes allocated (gc profiler), for results of 1, 100 and 1,000
 * rows. Both complete synchronously, so {@code block()} never parks. Beside them, {@code nearHit}:
 * the same query answered by the near tier ({@code nearCache(true)}) over a store that confirms
 * tracking at once and reports no change, so it is the near hit's own cost in process.
 *
 * <p>Run alone with {@code mvn -q -pl benchmarks compile dependency:copy-dependencies exec:exec -Dbench.args="jmh HitBenchmark"}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HitBenchmark {

    static final String SQL = "SELECT * FROM booking WHERE flight_id = 115";

    @Param({"1", "100", "1000"})
    public int rows;

    CacheAside cache;
    CacheAside near;
    CacheStore store;
    String key;

    @Setup(Level.Trial)
    public void setUp() {
        Rows result = SampleRows.of(rows);
        QueryExecutor database = SampleRows.database(result);
        store = LocalCacheStore.create();
        cache = CacheAside.builder().database(database).cache(store).build();
        key = cache.keyFor(SQL);
        near = CacheAside.builder().database(database).cache(new TrackedLocalStore())
                .options(CacheAsideOptions.builder().nearCache(true).build()).build();
        near.query(SQL).block();
        near.query(SQL).block();
        if (!near.query(SQL).block().fromNearTier()) {
            throw new IllegalStateException("set-up: expected a near hit after a miss and a remote hit");
        }
        if (cache.query(SQL).block().source() != Source.CACHE_MISS
                || cache.query(SQL).block().source() != Source.CACHE_HIT) {
            throw new IllegalStateException("set-up: expected a miss, then a hit");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        cache.close();
        near.close();
    }

    @Benchmark
    public QueryResult nearHit() {
        return near.query(SQL).block();
    }

    @Benchmark
    public QueryResult library() {
        return cache.query(SQL).block();
    }

    @Benchmark
    public Rows handWritten() {
        return store.get(key).map(bytes -> RowCodec.decodeEntry(bytes, CacheAsideOptions.DEFAULT_MAX_ENTRY_BYTES).rows()).block();
    }
}
