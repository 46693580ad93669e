package dev.cacheaside.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the benchmarks and writes the results: the JMH micro-benchmarks, then the end-to-end
 * {@link LoadDriver}, then {@code results.md} and the PNG charts.
 *
 * <p>Usage (from the repository root):
 * <pre>
 * mvn -q install -DskipTests &amp;&amp; mvn -q -pl benchmarks compile dependency:copy-dependencies exec:exec   # everything
 * mvn -q -pl benchmarks compile dependency:copy-dependencies exec:exec -Dbench.smoke=true                  # seconds: proves it all still runs
 * mvn -q -pl benchmarks compile dependency:copy-dependencies exec:exec -Dbench.args="jmh CodecBenchmark"   # only some JMH benchmarks
 * mvn -q -pl benchmarks compile dependency:copy-dependencies exec:exec -Dbench.args="load"                 # only the load driver
 * mvn -q -pl benchmarks compile dependency:copy-dependencies exec:exec -Dbench.args="floor"                # only the hit path against its floor
 * mvn -q -pl benchmarks compile dependency:copy-dependencies exec:exec -Dbench.args="near"                 # only the near hit against the remote hit and a raw GET
 * </pre>
 * The full run writes {@code benchmarks/results/}; the smoke run writes
 * {@code benchmarks/target/bench-smoke/} and so never replaces the committed results. Exits with
 * 1 when a part fails (a server missing, a benchmark error).
 */
public final class RunBenchmarks {

    private RunBenchmarks() {
    }

    public static void main(String[] args) throws Exception {
        List<String> words = new ArrayList<>();
        for (String a : args) {
            for (String w : a.trim().split("\\s+")) {
                if (!w.isEmpty()) {
                    words.add(w);
                }
            }
        }
        boolean smoke = Boolean.getBoolean("bench.smoke");
        String part = words.isEmpty() ? "all" : words.get(0);
        if (!List.of("all", "jmh", "load", "floor", "near", "alloc").contains(part)) {
            System.err.println("usage: RunBenchmarks [all | jmh [Benchmark|Benchmark...] | load | floor | near | alloc]");
            System.exit(2);
        }
        if (part.equals("alloc")) {
            dev.cacheaside.bench.jmh.AllocationBreakdown.run().forEach(System.out::println);
            RemoteAllocation.run(List.of(System.getProperty("bench.allocCaches", "redis,memcached").split(",")))
                    .forEach(System.out::println);
            System.exit(0);
        }
        Results results = new Results();
        results.mode = smoke ? "smoke" : "full";
        Progress progress = new Progress();
        Path out = Path.of(System.getProperty("bench.out", smoke ? "target/bench-smoke" : "results"));
        try {
            if (part.equals("all") || part.equals("jmh")) {
                progress.note("JMH micro-benchmarks (%s)", smoke ? "smoke: no fork, one 100 ms iteration" : "1 fork, 3 x 1 s warm-up, 5 x 1 s");
                JmhSuite.run(smoke, part.equals("jmh") && words.size() > 1 ? words.get(1) : null, results);
            }
            if (part.equals("all") || part.equals("load")) {
                LoadDriver.Plan plan = LoadDriver.Plan.of(smoke);
                results.scale = plan.scale();
                results.database = plan.database();
                progress.note("load driver: databases %s, caches %s, scale %d, %d cells", plan.databases(), plan.caches(),
                        plan.scale(), plan.cells());
                new LoadDriver(plan, results, progress).run();
            }
            if (part.equals("floor")) {
                LoadDriver.Plan plan = LoadDriver.Plan.of(smoke);
                results.scale = plan.scale();
                results.database = plan.database();
                progress.note("the hit path against its floor: database %s, concurrency %s", plan.databases().get(0),
                        java.util.Arrays.toString(LoadDriver.floorConcurrency()));
                new LoadDriver(plan, results, progress).runFloors();
            }
            if (part.equals("near")) {
                LoadDriver.Plan plan = LoadDriver.Plan.of(smoke);
                results.scale = plan.scale();
                results.database = plan.database();
                progress.note("the near hit against the remote hit and a raw GET on Redis: database %s, concurrency %s",
                        plan.databases().get(0), java.util.Arrays.toString(LoadDriver.floorConcurrency()));
                NearCell.runAlone(new LoadDriver(plan, results, progress), plan, results, progress);
            }
            results.seconds = progress.seconds();
            Report.write(results, out);
            progress.note("results written to %s", out.toAbsolutePath().normalize().resolve("results.md"));
        } catch (Exception | Error e) {
            System.err.println("benchmarks failed: " + e);
            e.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }
}
