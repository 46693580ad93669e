package dev.cacheaside.bench.jmh;

import dev.cacheaside.CacheAsideOptions;

import dev.cacheaside.internal.RowCodec;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Where a hit allocates: bytes allocated by this thread per call (HotSpot's per-thread
 * allocation counter, exact and independent of timing) for a whole hit of one row over the
 * in-process store against its hand-written floor ({@link HitBenchmark}), for decoding one
 * typical row, and for the parsing steps the codec runs per cell. Run with
 * {@code mvn -q -pl benchmarks compile dependency:copy-dependencies exec:exec -Dbench.args=alloc}.
 */
public final class AllocationBreakdown {

    private AllocationBreakdown() {
    }

    /** One line per measured step: name and bytes per call. */
    public static List<String> run() {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        byte[] oneRow = RowCodec.encode(SampleRows.of(1), 1L, 2L, 3L, CacheAsideOptions.DEFAULT_MAX_ENTRY_BYTES);
        byte[] hundred = RowCodec.encode(SampleRows.of(100), 1L, 2L, 3L, CacheAsideOptions.DEFAULT_MAX_ENTRY_BYTES);
        String timestamp = "2025-06-14T09:35";
        String decimal = "734.12";
        List<String> out = new ArrayList<>();
        HitBenchmark hit = new HitBenchmark();
        hit.rows = 1;
        hit.setUp();
        try {
            out.add(measure(threads, "hit, hand-written (store get + decode, 1 row)", hit::handWritten));
            out.add(measure(threads, "hit, library (CacheAside.query, 1 row)", hit::library));
        } finally {
            hit.tearDown();
        }
        out.add(measure(threads, "decode, 1 row of 11 columns", () -> RowCodec.decodeEntry(oneRow, CacheAsideOptions.DEFAULT_MAX_ENTRY_BYTES)));
        out.add(measure(threads, "decode, 100 rows, per row", () -> RowCodec.decodeEntry(hundred, CacheAsideOptions.DEFAULT_MAX_ENTRY_BYTES), 100));
        out.add(measure(threads, "LocalDateTime.parse(\"" + timestamp + "\")", () -> LocalDateTime.parse(timestamp)));
        out.add(measure(threads, "new BigDecimal(\"" + decimal + "\")", () -> new BigDecimal(decimal)));
        return out;
    }

    private static String measure(ThreadMXBean threads, String name, Supplier<Object> step) {
        return measure(threads, name, step, 1);
    }

    private static String measure(ThreadMXBean threads, String name, Supplier<Object> step, int per) {
        long id = Thread.currentThread().getId();
        Object sink = null;
        for (int i = 0; i < 20_000; i++) {
            sink = step.get();
        }
        int n = 10_000;
        long before = threads.getThreadAllocatedBytes(id);
        for (int i = 0; i < n; i++) {
            sink = step.get();
        }
        long bytes = threads.getThreadAllocatedBytes(id) - before;
        return String.format(Locale.ROOT, "%-45s %,10.0f B%s", name, bytes / (double) n / per, sink == null ? "?" : "");
    }
}
