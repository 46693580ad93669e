package dev.cacheaside.bench;

import dev.cacheaside.bench.Results.Jmh;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the JMH benchmarks of package {@code dev.cacheaside.bench.jmh} ({@code KeyBenchmark},
 * {@code CodecBenchmark}, {@code HitBenchmark}) with the gc profiler, short enough for a noisy
 * two-core machine: 1 fork, 3 warm-up and 5 measurement iterations of 1 s. The smoke run uses no
 * fork, no warm-up and one iteration of 100 ms: it proves the benchmarks run, not how fast.
 */
final class JmhSuite {

    private JmhSuite() {
    }

    static void run(boolean smoke, String filter, Results results) throws RunnerException {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include("dev\\.cacheaside\\.bench\\.jmh\\.(" + (filter == null ? "KeyBenchmark|CodecBenchmark|HitBenchmark" : filter) + ")\\.")
                .addProfiler(GCProfiler.class)
                .shouldFailOnError(true)
                .jvmArgs("-Xms1g", "-Xmx1g");
        if (smoke) {
            options.forks(0).warmupIterations(0).measurementIterations(1)
                    .measurementTime(TimeValue.milliseconds(100));
        } else {
            options.forks(1).warmupIterations(3).warmupTime(TimeValue.seconds(1))
                    .measurementIterations(5).measurementTime(TimeValue.seconds(1));
        }
        Collection<RunResult> runs = new Runner(options.build()).run();
        for (RunResult run : runs) {
            Result<?> primary = run.getPrimaryResult();
            Map<String, String> params = new TreeMap<>();
            for (String key : run.getParams().getParamsKeys()) {
                params.put(key, run.getParams().getParam(key));
            }
            Result<?> alloc = run.getSecondaryResults().get("gc.alloc.rate.norm");
            String benchmark = run.getParams().getBenchmark().replace("dev.cacheaside.bench.jmh.", "");
            results.jmh.add(new Jmh(benchmark, params.isEmpty() ? "" : params.toString().replaceAll("[{}]", ""),
                    primary.getScore(), primary.getScoreError(), primary.getScoreUnit(),
                    alloc == null ? Double.NaN : alloc.getScore()));
        }
        if (runs.isEmpty()) {
            throw new IllegalStateException("no JMH benchmark matched '" + filter + "'");
        }
    }

}
