package dev.cacheaside.bench;

import dev.cacheaside.bench.Results.Floor;
import dev.cacheaside.bench.Results.Jmh;
import dev.cacheaside.bench.Results.Line;
import dev.cacheaside.bench.Results.Stampede;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * Writes a run's {@link Results} as markdown ({@code results.md}) and two PNG charts
 * ({@code improvement.png}, {@code hit-vs-floor.png}) into one directory, with the machine
 * (processors, memory, CPU, JDK, OS), the commit and the date, and the targets of issue 7 checked
 * against the numbers.
 */
final class Report {

    /** The seed's ranges of improvement, by statement level. */
    static final Map<String, String> SEED = Map.of("simple", "5-10x", "medium", "10-50x", "advanced", "50-250x");
    static final double ADVANCED_TARGET = 250;
    static final double THROUGHPUT_TARGET = 0.9;
    static final double P50_TARGET_MICROS = 20;

    private Report() {
    }

    static void write(Results r, Path dir) throws IOException {
        Files.createDirectories(dir);
        StringBuilder md = new StringBuilder();
        md.append("# Benchmark results\n\n");
        md.append("Written by `dev.cacheaside.bench.RunBenchmarks` (").append(r.mode).append(" run, ")
                .append(String.format(Locale.ROOT, "%.0f s", r.seconds)).append("). ")
                .append("Rerun: see README, \"Performance\".\n\n");
        machine(md, r);
        if (!r.lines.isEmpty()) {
            table(md, r);
            chartImprovement(r, dir.resolve("improvement.png"));
        }
        if (r.floors.stream().anyMatch(f -> f.store().equals("redis") || f.store().equals("memcached"))) {
            floors(md, r);
            chartFloor(r, dir.resolve("hit-vs-floor.png"));
        }
        if (r.floors.stream().anyMatch(f -> f.store().equals(NearCell.STORE))) {
            near(md, r);
        }
        if (r.floors.stream().anyMatch(f -> f.store().equals(MemcachedRevalidation.STORE))) {
            md.append("## A near tier on Memcached would revalidate each hit (crude, concurrency 1)\n\n");
            md.append("Memcached has no server push, so a near copy is trusted only after a meta get of its CAS (`mg <key> c`). ")
                    .append("On one blocking socket, against the full read plus the library's decode, and the library's remote hit; ")
                    .append("medians of interleaved rounds.\n\n| variant | throughput | p50 | p99 |\n|---|---:|---:|---:|\n");
            r.floors.stream().filter(f -> f.store().equals(MemcachedRevalidation.STORE)).forEach(f -> md.append(String.format(Locale.ROOT,
                    "| %s | %,.0f /s | %.1f µs | %.1f µs |\n", f.variant(), f.throughput(), f.p50Micros(), f.p99Micros())));
            md.append('\n');
        }
        if (!r.stampedes.isEmpty()) {
            stampede(md, r);
        }
        if (!r.jmh.isEmpty()) {
            jmh(md, r);
        }
        targets(md, r);
        if (!r.notes.isEmpty()) {
            md.append("\n## Notes\n\n");
            r.notes.forEach(n -> md.append("- ").append(n).append('\n'));
        }
        Files.writeString(dir.resolve("results.md"), md.toString(), StandardCharsets.UTF_8);
    }

    private static void machine(StringBuilder md, Results r) {
        md.append("| machine | |\n|---|---|\n");
        md.append("| date | ").append(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"))).append(" |\n");
        md.append("| commit | ").append(command("git", "rev-parse", "--short", "HEAD"))
                .append(command("git", "status", "--porcelain", "--", ".").isBlank() ? "" : " (benchmarks with uncommitted changes)")
                .append("; the library's jars as installed in the local Maven repository |\n");
        md.append("| processors (`nproc`) | ").append(Runtime.getRuntime().availableProcessors()).append(" |\n");
        md.append("| CPU | ").append(cpu()).append(" |\n");
        md.append("| memory | ").append(memory()).append(" |\n");
        md.append("| JDK | ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.runtime.version")).append(", heap ")
                .append(Runtime.getRuntime().maxMemory() / (1024 * 1024)).append(" MiB |\n");
        md.append("| OS | ").append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.version")).append(" |\n");
        md.append("| servers | ").append("all on loopback, sharing the same ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores with the load driver |\n");
        if (r.scale > 0) {
            md.append("| sample | airport sample at scale ").append(r.scale).append(" (database `").append(r.database).append("`) |\n");
        }
        md.append('\n');
    }

    private static void table(StringBuilder md, Results r) {
        md.append("## Cache hits against the database (the seed's table)\n\n");
        md.append("Database latency: a forced refresh (the engine's miss path: cache delete, lease, query, fill), ")
                .append("cache latency: a hit, both through `CacheAside` at concurrency 1 in a closed loop. ")
                .append("Improvement = median database latency / median hit latency.\n\n");
        md.append("| level | seed's range | measured range | lowest at |\n|---|---|---|---|\n");
        for (String level : List.of("simple", "medium", "advanced")) {
            List<Line> of = r.lines.stream().filter(l -> l.statement().level().equals(level)).collect(Collectors.toList());
            if (of.isEmpty()) {
                continue;
            }
            Line min = of.stream().min((a, b) -> Double.compare(a.improvement(), b.improvement())).get();
            Line max = of.stream().max((a, b) -> Double.compare(a.improvement(), b.improvement())).get();
            md.append(String.format(Locale.ROOT, "| %s | %s | %s-%sx | %s on %s/%s |\n", level, SEED.get(level),
                    fmt(min.improvement()), fmt(max.improvement()), min.statement().name(), min.database(), min.cache()));
        }
        md.append("\n| statement | database | cache | rows | entry bytes | database p50 | database p99 | hit p50 | hit p99 | improvement |\n");
        md.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Line l : r.lines) {
            md.append(String.format(Locale.ROOT, "| %s: %s | %s | %s | %d | %,d | %.2f ms | %.2f ms | %.0f µs | %.0f µs | **%sx** |\n",
                    l.statement().name(), l.statement().label(), l.database(), l.cache(), l.rows(), l.bytes(),
                    l.dbP50Millis(), l.dbP99Millis(), l.hitP50Micros(), l.hitP99Micros(), fmt(l.improvement())));
        }
        md.append("\n![improvement over the database](improvement.png)\n\n");
    }

    private static void floors(StringBuilder md, Results r) {
        md.append("## The hit path against its floor\n\n");
        md.append("Statement: ").append(r.floorStatement).append(". Closed loop; each cell is the median of the rounds, ")
                .append("the variants interleaved round by round (order rotated). Floor on Redis: a raw Lettuce GET ")
                .append("(async API, its own client with default options) of the same key plus the same decode ")
                .append("(`RowCodec.decodeEntry`); on Memcached: a bare get through the same client (`MemcachedCacheStore.get`) ")
                .append("plus the same decode.\n\n");
        md.append("| store | concurrency | variant | throughput | p50 | p99 | errors |\n|---|---:|---|---:|---:|---:|---:|\n");
        for (Floor f : r.floors) {
            if (!f.store().equals("redis") && !f.store().equals("memcached")) {
                continue;
            }
            md.append(String.format(Locale.ROOT, "| %s | %d | %s | %,.0f /s | %.0f µs | %.0f µs | %d |\n", f.store(), f.concurrency(),
                    f.variant(), f.throughput(), f.p50Micros(), f.p99Micros(), f.errors()));
        }
        md.append("\n| store | concurrency | library / floor throughput | library - floor p50 | library / floor p50 | library / floor p99 |\n");
        md.append("|---|---:|---:|---:|---:|---:|\n");
        for (Floor lib : r.floors) {
            if (!lib.variant().equals("library hit") || !lib.store().equals("redis") && !lib.store().equals("memcached")) {
                continue;
            }
            Floor floor = floorOf(r, lib.store(), lib.concurrency());
            md.append(String.format(Locale.ROOT, "| %s | %d | **%.2f** | %+.0f µs | %.2f | %.2f |\n", lib.store(), lib.concurrency(),
                    lib.throughput() / floor.throughput(), lib.p50Micros() - floor.p50Micros(),
                    lib.p50Micros() / floor.p50Micros(), lib.p99Micros() / floor.p99Micros()));
        }
        md.append("\n![hit path against its floor](hit-vs-floor.png)\n\n");
        List<Floor> explain = r.floors.stream().filter(f -> f.store().equals("redis-explain")).collect(Collectors.toList());
        if (!explain.isEmpty()) {
            md.append("### Where the library's hit spends its time over the floor (Redis)\n\n");
            md.append("The floor with the engine's wrappers added by hand (a Reactor `timeout(250 ms)` on `Schedulers.parallel()`, ")
                    .append("then also resilience4j's `CircuitBreakerOperator` with the library's default breaker), the library's store ")
                    .append("lookup (`LettuceCacheStore.getOrLease`) plus the decode, and the library with its breaker off and on. ")
                    .append("Throughput relative to the floor in the same rounds.\n\n");
            md.append("| concurrency | variant | throughput | / floor | p50 | p99 |\n|---:|---|---:|---:|---:|---:|\n");
            for (Floor f : explain) {
                Floor base = explain.stream().filter(b -> b.concurrency() == f.concurrency() && b.variant().equals("raw GET + decode"))
                        .findFirst().orElseThrow();
                md.append(String.format(Locale.ROOT, "| %d | %s | %,.0f /s | %.2f | %.0f µs | %.0f µs |\n", f.concurrency(), f.variant(),
                        f.throughput(), f.throughput() / base.throughput(), f.p50Micros(), f.p99Micros()));
            }
            md.append('\n');
        }
    }

    private static void near(StringBuilder md, Results r) {
        md.append("## The near hit against the remote hit and a raw GET (Redis)\n\n");
        md.append("Statement: ").append(r.floorStatement).append(". Closed loop, the three variants interleaved round by round; ")
                .append("each user's first operation is sent from `Schedulers.parallel()` (a near hit completes on the caller's thread, ")
                .append("so its users share one thread per core). Near hit: `query` on an instance with `nearCache(true)`; ")
                .append("remote hit: `query` on an instance without it; raw GET: a bare Lettuce `GET` of the same key, no decode.\n\n");
        md.append("| concurrency | near hit | remote hit | raw GET | near / remote | near / raw GET | near p50 | near p99 |\n");
        md.append("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (NearRatio n : nearRatios(r)) {
            md.append(String.format(Locale.ROOT, "| %d | %,.0f /s | %,.0f /s | %,.0f /s | **%.1fx** | **%.1fx** | %.1f µs | %.1f µs |\n",
                    n.concurrency(), n.near().throughput(), n.remote().throughput(), n.raw().throughput(),
                    n.overRemote(), n.overRaw(), n.near().p50Micros(), n.near().p99Micros()));
        }
        md.append('\n');
    }

    /** One concurrency of the near cell, with its ratios. */
    record NearRatio(int concurrency, Floor near, Floor remote, Floor raw) {
        double overRemote() {
            return near.throughput() / remote.throughput();
        }

        double overRaw() {
            return near.throughput() / raw.throughput();
        }
    }

    static List<NearRatio> nearRatios(Results r) {
        List<NearRatio> out = new ArrayList<>();
        for (Floor n : r.floors) {
            if (n.store().equals(NearCell.STORE) && n.variant().equals(NearCell.NEAR)) {
                Floor remote = find(r, NearCell.STORE, NearCell.REMOTE, n.concurrency());
                Floor raw = find(r, NearCell.STORE, NearCell.RAW, n.concurrency());
                if (remote != null && raw != null) {
                    out.add(new NearRatio(n.concurrency(), n, remote, raw));
                }
            }
        }
        return out;
    }

    static Floor floorOf(Results r, String store, int concurrency) {
        return r.floors.stream().filter(f -> f.store().equals(store) && f.concurrency() == concurrency
                && f.variant().endsWith("+ decode")).findFirst().orElseThrow();
    }

    private static void stampede(StringBuilder md, Results r) {
        md.append("## Stampede\n\n");
        md.append("Statement: ").append(r.stampedeStatement).append(". The key is invalidated, then ")
                .append(r.stampedes.get(0).requests()).append(" requests are sent at once, spread round-robin over the instances ")
                .append("(each a `CacheAside` with its own cache client, sharing one database adapter that counts the queries it receives). ")
                .append("Within one instance, concurrent misses of one key always share one load: that in-process ")
                .append("coalescing cannot be turned off, so \"off\" means `CACHE_LEASES=false` (no lease across instances).\n\n");
        md.append("| cache | leases | instances | database queries per burst (each repeat) |\n|---|---|---:|---|\n");
        for (Stampede s : r.stampedes) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %d | %s |\n", s.cache(), s.leases() ? "on" : "off (`CACHE_LEASES=false`)",
                    s.instances(), s.queries().stream().map(String::valueOf).collect(Collectors.joining(", "))));
        }
        md.append('\n');
    }

    private static void jmh(StringBuilder md, Results r) {
        md.append("## Micro-benchmarks (JMH, gc profiler)\n\n");
        md.append("1 fork, 3 warm-up and 5 measurement iterations of 1 s (the smoke run: no fork, one iteration of 100 ms). ")
                .append("Allocation is `gc.alloc.rate.norm`, bytes per operation.\n\n");
        md.append("| benchmark | params | score | error (99.9%) | unit | allocation per op |\n|---|---|---:|---:|---|---:|\n");
        for (Jmh j : r.jmh) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %.3f | ± %.3f | %s | %s |\n", j.benchmark(), j.params(),
                    j.score(), Double.isNaN(j.error()) ? 0 : j.error(), j.unit(),
                    Double.isNaN(j.allocBytes()) ? "-" : String.format(Locale.ROOT, "%,.0f B", j.allocBytes())));
        }
        md.append('\n');
    }

    private static void targets(StringBuilder md, Results r) {
        List<String> lines = new ArrayList<>();
        for (int c : new int[] {16, 64}) {
            Floor lib = find(r, "redis", "library hit", c);
            if (lib != null) {
                double ratio = lib.throughput() / floorOf(r, "redis", c).throughput();
                lines.add(String.format(Locale.ROOT, "| Redis hit throughput at concurrency %d, library / (raw GET + decode) | >= %.2f | %.2f | %s |",
                        c, THROUGHPUT_TARGET, ratio, ratio >= THROUGHPUT_TARGET ? "met" : "**missed**"));
            }
        }
        Floor lib1 = find(r, "redis", "library hit", 1);
        if (lib1 != null) {
            double diff = lib1.p50Micros() - floorOf(r, "redis", 1).p50Micros();
            lines.add(String.format(Locale.ROOT, "| Redis p50 hit latency at concurrency 1, library - (raw GET + decode) | <= %.0f µs | %+.0f µs | %s |",
                    P50_TARGET_MICROS, diff, diff <= P50_TARGET_MICROS ? "met" : "**missed**"));
        }
        List<Line> advanced = r.lines.stream().filter(l -> l.statement().level().equals("advanced")).collect(Collectors.toList());
        if (!advanced.isEmpty()) {
            double min = advanced.stream().mapToDouble(Line::improvement).min().getAsDouble();
            long below = advanced.stream().filter(l -> l.improvement() < ADVANCED_TARGET).count();
            lines.add(String.format(Locale.ROOT, "| improvement of the advanced statements, every database and cache | >= %.0fx | lowest %sx (%d of %d below) | %s |",
                    ADVANCED_TARGET, fmt(min), below, advanced.size(), below == 0 ? "met" : "**missed**"));
        }
        r.jmh.stream().filter(j -> j.benchmark().equals("HitBenchmark.library")).forEach(j -> {
            Jmh floor = r.jmh.stream().filter(f -> f.benchmark().equals("HitBenchmark.handWritten") && f.params().equals(j.params()))
                    .findFirst().orElse(null);
            lines.add(String.format(Locale.ROOT, "| allocation per hit (in-process store, %s) | reported, low | %,.0f B (hand-written: %s) | reported |",
                    j.params(), j.allocBytes(), floor == null ? "-" : String.format(Locale.ROOT, "%,.0f B", floor.allocBytes())));
        });
        if (!lines.isEmpty()) {
            md.append("## Targets of issue 7\n\n| target | wanted | measured | |\n|---|---|---|---|\n");
            lines.forEach(l -> md.append(l).append('\n'));
            md.append('\n');
        }
        nearTargets(md, r);
    }

    private static void nearTargets(StringBuilder md, Results r) {
        List<String> lines = new ArrayList<>();
        for (NearRatio n : nearRatios(r)) {
            if (n.concurrency() == 1) {
                double p50 = n.near().p50Micros();
                lines.add(String.format(Locale.ROOT, "| near hit p50 at concurrency 1 | < 5 µs | %.1f µs | %s |", p50, p50 < 5 ? "met" : "**missed**"));
            } else {
                lines.add(String.format(Locale.ROOT, "| near / remote hit throughput at concurrency %d | >= 10x | %.1fx | %s |",
                        n.concurrency(), n.overRemote(), n.overRemote() >= 10 ? "met" : "**missed**"));
                lines.add(String.format(Locale.ROOT, "| near hit / raw GET throughput at concurrency %d | >= 5x | %.1fx | %s |",
                        n.concurrency(), n.overRaw(), n.overRaw() >= 5 ? "met" : "**missed**"));
            }
        }
        r.jmh.stream().filter(j -> j.benchmark().equals("HitBenchmark.nearHit")).forEach(j ->
                lines.add(String.format(Locale.ROOT, "| allocation per near hit (JMH gc profiler, %s) | < 500 B | %,.0f B | %s |",
                        j.params(), j.allocBytes(), j.allocBytes() < 500 ? "met" : "**missed**")));
        if (lines.isEmpty()) {
            return;
        }
        md.append("## Targets of issue 15 (near cache)\n\n| target | wanted | measured | |\n|---|---|---|---|\n");
        lines.forEach(l -> md.append(l).append('\n'));
        md.append('\n');
    }

    private static Floor find(Results r, String store, String variant, int c) {
        return r.floors.stream().filter(f -> f.store().equals(store) && f.variant().equals(variant) && f.concurrency() == c)
                .findFirst().orElse(null);
    }

    private static void chartImprovement(Results r, Path file) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(1100).height(560)
                .title("Cache hit vs database: improvement (median latency ratio, log scale)")
                .xAxisTitle("sample statement").yAxisTitle("improvement (x)").build();
        chart.getStyler().setYAxisLogarithmic(true);
        // bars start at the axis minimum, which must be positive on a log axis
        chart.getStyler().setYAxisMin(1.0);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setXAxisLabelRotation(0);
        chart.getStyler().setYAxisDecimalPattern("#,###");
        Map<String, List<Line>> series = new LinkedHashMap<>();
        for (Line l : r.lines) {
            series.computeIfAbsent(l.database() + " + " + l.cache(), k -> new ArrayList<>()).add(l);
        }
        series.forEach((name, ls) -> chart.addSeries(name,
                ls.stream().map(l -> l.statement().name()).collect(Collectors.toList()),
                ls.stream().map(Line::improvement).collect(Collectors.toList())));
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static void chartFloor(Results r, Path file) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(900).height(500)
                .title("Library hit / floor (raw GET + same decode), medians of rounds")
                .xAxisTitle("concurrency").yAxisTitle("ratio (1.0 = as fast as the floor)").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisDecimalPattern("0.00");
        for (String store : List.of("redis", "memcached")) {
            List<String> xs = new ArrayList<>();
            List<Double> throughput = new ArrayList<>();
            List<Double> p50 = new ArrayList<>();
            for (Floor lib : r.floors) {
                if (lib.store().equals(store) && lib.variant().equals("library hit")) {
                    Floor floor = floorOf(r, store, lib.concurrency());
                    xs.add(Integer.toString(lib.concurrency()));
                    throughput.add(lib.throughput() / floor.throughput());
                    p50.add(floor.p50Micros() / lib.p50Micros());
                }
            }
            if (!xs.isEmpty()) {
                chart.addSeries(store + ": throughput ratio", xs, throughput);
                chart.addSeries(store + ": floor p50 / library p50", xs, p50);
            }
        }
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    static String fmt(double x) {
        return x >= 100 ? String.format(Locale.ROOT, "%,.0f", x) : String.format(Locale.ROOT, "%.1f", x);
    }

    private static String cpu() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse("unknown");
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String memory() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                    .map(l -> String.format(Locale.ROOT, "%.1f GiB", Long.parseLong(l.replaceAll("\\D", "")) / (1024.0 * 1024)))
                    .findFirst().orElse("unknown");
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String command(String... args) {
        try {
            Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : "unknown";
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }
}
