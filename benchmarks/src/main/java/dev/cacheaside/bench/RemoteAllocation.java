package dev.cacheaside.bench;

import dev.cacheaside.CacheAside;
import dev.cacheaside.CacheAsideOptions;
import dev.cacheaside.bench.jmh.CodecAccess;
import dev.cacheaside.bench.jmh.SampleRows;
import dev.cacheaside.Source;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.QueryExecutor;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;

/**
 * Bytes allocated per one-row hit on a real store (Redis, Memcached), summed over every thread of
 * the process (the caller's, the client's event loops, the timer's), for the library's hit and for
 * its floor through the same store ({@code store.get(key)} plus the same decode) and, on Redis, the
 * load driver's floor (a raw Lettuce GET plus the same decode). HotSpot's
 * per-thread allocation counters are exact and do not depend on load; other threads' background
 * work adds a little noise, so each figure is the median of five rounds.
 */
final class RemoteAllocation {

    private static final String SQL = "SELECT * FROM booking WHERE flight_id = 115";
    private static final int ROUNDS = 5;
    private static final int CALLS = 4_000;

    private RemoteAllocation() {
    }

    /** One line per store and variant: name and bytes per hit. */
    static List<String> run(List<String> engines) {
        List<String> out = new ArrayList<>();
        for (String engine : engines) {
            QueryExecutor database = SampleRows.database(SampleRows.of(1));
            CacheStore store = Servers.cache(engine);
            CacheAsideOptions options = CacheAsideOptions.builder().keyPrefix("bench-alloc:")
                    .defaultTtl(Duration.ofMinutes(10)).build();
            try (CacheAside cache = CacheAside.builder().database(database).cache(store).options(options).build()) {
                cache.connect(Duration.ofSeconds(10)).block();
                // a loaded machine can time a first command out: fill again, a bounded number of times
                int fills = 0;
                do {
                    cache.refresh(SQL).block();
                } while (cache.query(SQL).block().source() != Source.CACHE_HIT && ++fills < 5);
                if (fills == 5) {
                    throw new IllegalStateException("no hit after 5 fills on " + engine);
                }
                String key = cache.keyFor(SQL);
                out.add(measure(engine + ": floor (store get + decode, 1 row)",
                        () -> store.get(key).map(CodecAccess::decode).block()));
                if (!engine.equals("memcached")) {
                    // the load driver's floor on Redis: a raw Lettuce GET of the same key + the same decode
                    io.lettuce.core.RedisClient raw = io.lettuce.core.RedisClient.create(
                            io.lettuce.core.RedisURI.create("redis://" + Servers.address(engine)));
                    try (io.lettuce.core.api.StatefulRedisConnection<String, byte[]> connection = raw.connect(
                            io.lettuce.core.codec.RedisCodec.of(io.lettuce.core.codec.StringCodec.UTF8,
                                    io.lettuce.core.codec.ByteArrayCodec.INSTANCE))) {
                        var commands = connection.async();
                        out.add(measure(engine + ": floor (raw Lettuce GET + decode, 1 row)",
                                () -> Mono.fromCompletionStage(commands.get(key)).map(CodecAccess::decode).block()));
                    } finally {
                        raw.shutdown();
                    }
                }
                out.add(measure(engine + ": library hit (CacheAside.query, 1 row)",
                        () -> cache.query(SQL).block()));
            }
        }
        return out;
    }

    private static String measure(String name, Supplier<Object> step) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 5_000; i++) {
            step.get();
        }
        double[] perCall = new double[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            long before = total(threads);
            for (int i = 0; i < CALLS; i++) {
                step.get();
            }
            perCall[r] = (total(threads) - before) / (double) CALLS;
        }
        java.util.Arrays.sort(perCall);
        return String.format(Locale.ROOT, "%-52s %,10.0f B (rounds %,.0f to %,.0f)", name, perCall[ROUNDS / 2],
                perCall[0], perCall[ROUNDS - 1]);
    }

    private static long total(com.sun.management.ThreadMXBean threads) {
        long sum = 0;
        for (long b : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            if (b > 0) {
                sum += b;
            }
        }
        return sum;
    }
}
