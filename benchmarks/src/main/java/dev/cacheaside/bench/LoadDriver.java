package dev.cacheaside.bench;

import dev.cacheaside.CacheAside;
import dev.cacheaside.CacheAsideOptions;
import dev.cacheaside.bench.jmh.CodecAccess;
import dev.cacheaside.QueryResult;
import dev.cacheaside.Source;
import dev.cacheaside.bench.ClosedLoop.Cell;
import dev.cacheaside.bench.Results.Floor;
import dev.cacheaside.bench.Results.Line;
import dev.cacheaside.bench.Results.Stampede;
import dev.cacheaside.bench.Results.Statement;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.QueryExecutor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The end-to-end load driver: the library against the real MariaDB and PostgreSQL and the real
 * Redis, Valkey and Memcached, with the airport sample at a fixed scale in a database of its own
 * ({@code cacheaside_bench}, loaded once by the project's loader and reused). Four parts:
 * <ol>
 *   <li><b>The seed's table</b>: for two statements of each sample file (simple, medium,
 *       advanced), the database latency (a forced refresh: the engine's whole miss path, cache
 *       delete, lease, query, fill) and the cache-hit latency, both at concurrency 1 in a
 *       closed loop, per database and cache engine; improvement is the ratio of the medians.</li>
 *   <li><b>The hit path against its floor</b>, in the same run and interleaved round by round:
 *       the library's hit against a raw Lettuce GET of the same key plus the same decode (and
 *       the bare GET), at concurrency 1, 16 and 64; the same on Memcached against a bare get
 *       through the same client.</li>
 *   <li><b>The near hit</b> ({@link NearCell}) against the remote hit and a raw GET on Redis,
 *       and a crude Memcached revalidation ({@link MemcachedRevalidation}).</li>
 *   <li><b>Stampede</b>: database queries, counted at the adapter, per 500 cold concurrent
 *       requests, leases off and on, over 1 and 4 instances (each with its own cache client).</li>
 * </ol>
 * Every cell prints a progress line. Not thread safe; one run at a time.
 */
final class LoadDriver {

    /** Statements picked from each sample file, 1-based, in the order of the file. */
    static final Map<String, int[]> PICKS = new LinkedHashMap<>();

    static {
        PICKS.put("simple", new int[] {1, 5});
        PICKS.put("medium", new int[] {1, 4});
        PICKS.put("advanced", new int[] {3, 5});
    }

    static final int[] CONCURRENCY = {1, 16, 64};

    /**
     * The concurrencies of the floor cells: {@link #CONCURRENCY}, or those listed in
     * {@code -Dbench.floorConcurrency} (comma separated, e.g. {@code 16,64}).
     */
    static int[] floorConcurrency() {
        String listed = System.getProperty("bench.floorConcurrency", "");
        if (listed.isBlank()) {
            return CONCURRENCY;
        }
        return Arrays.stream(listed.split(",")).map(String::strip).mapToInt(Integer::parseInt).toArray();
    }

    /** What a run does: the full run or the smoke run (seconds, for CI). */
    record Plan(boolean smoke, int scale, String database, List<String> databases, List<String> caches,
                Duration hitWarmup, Duration hitMeasure, Duration dbBudget, int dbMaxSamples,
                Duration floorWarmup, Duration floorRound, int floorRounds,
                int stampedeRequests, int stampedeRepeats) {

        static Plan of(boolean smoke) {
            List<String> databases = List.of(System.getProperty("bench.databases", "mariadb,postgresql").split(","));
            List<String> caches = List.of(System.getProperty("bench.caches", "redis,valkey,memcached").split(","));
            if (smoke) {
                return new Plan(true, Integer.getInteger("bench.scale", 1), "cacheaside_bench_smoke", databases, caches,
                        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(100), 3,
                        Duration.ofMillis(50), Duration.ofMillis(100), 1, 500, 1);
            }
            return new Plan(false, Integer.getInteger("bench.scale", 200), "cacheaside_bench", databases, caches,
                    Duration.ofMillis(500), Duration.ofMillis(1500), Duration.ofSeconds(3), 15,
                    Duration.ofSeconds(1), Duration.ofSeconds(2), 3, 500, 3);
        }

        int cells() {
            int table = databases.size() * caches.size() * statementCount() * 2;
            int floors = (2 * 3 + 6 + 3) * CONCURRENCY.length * (1 + floorRounds) + 3 * floorRounds;
            int stampede = caches.size() * 4;
            return table + floors + stampede;
        }

        static int statementCount() {
            return PICKS.values().stream().mapToInt(p -> p.length).sum();
        }
    }

    private final Plan plan;
    private final Results results;
    private final Progress progress;

    LoadDriver(Plan plan, Results results, Progress progress) {
        this.plan = plan;
        this.results = results;
        this.progress = progress;
    }

    void run() {
        List<Statement> statements = SampleStatements.picked();
        for (String db : plan.databases()) {
            progress.note("preparing %s: database %s, airport sample at scale %d (loaded once, reused when present)",
                    db, plan.database(), plan.scale());
            Servers.prepare(db, plan.database(), plan.scale(), line -> progress.note("  %s", line));
        }
        progress.expect(plan.cells());
        for (String db : plan.databases()) {
            table(db, statements);
        }
        Statement typical = SampleStatements.find(statements, "medium", 4);
        results.floorStatement = typical.name() + ": " + typical.label();
        floorRedis(plan.databases().get(0), typical);
        floorMemcached(plan.databases().get(0), typical);
        NearCell.run(this, plan, results, plan.databases().get(0), typical);
        MemcachedRevalidation.run(plan, results, progress, plan.databases().get(0), typical);
        explainRedis(plan.databases().get(0), typical);
        Statement expensive = SampleStatements.find(statements, "advanced", PICKS.get("advanced")[0]);
        results.stampedeStatement = expensive.name() + ": " + expensive.label() + " (on " + plan.databases().get(0) + ")";
        for (String cache : plan.caches()) {
            stampede(plan.databases().get(0), cache, expensive);
        }
    }

    /**
     * Only the hit path against its floor, on Redis and Memcached (and, with
     * {@code -Dbench.explain=true}, where the hit spends its time over it): the part to rerun
     * when the hit path changes.
     */
    void runFloors() {
        String db = plan.databases().get(0);
        progress.note("preparing %s: database %s, airport sample at scale %d (loaded once, reused when present)",
                db, plan.database(), plan.scale());
        Servers.prepare(db, plan.database(), plan.scale(), line -> progress.note("  %s", line));
        boolean explain = Boolean.getBoolean("bench.explain");
        progress.expect((2 * 3 + (explain ? 6 : 0)) * floorConcurrency().length * (1 + plan.floorRounds()));
        Statement typical = SampleStatements.find(SampleStatements.picked(), "medium", 4);
        results.floorStatement = typical.name() + ": " + typical.label();
        floorRedis(db, typical);
        floorMemcached(db, typical);
        if (explain) {
            explainRedis(db, typical);
        }
    }

    // ---------------------------------------------------------------- the seed's table

    private void table(String db, List<Statement> statements) {
        try (QueryExecutor executor = Servers.database(db, plan.database(), 16)) {
            CountingExecutor database = new CountingExecutor(executor);
            for (String cacheEngine : plan.caches()) {
                CacheStore store = Servers.cache(cacheEngine);
                try (CacheAside cache = CacheAside.builder().database(database).cache(store).options(options(true)).build()) {
                    for (Statement st : statements) {
                        measureLine(db, cacheEngine, cache, store, st);
                    }
                }
            }
        }
    }

    private void measureLine(String db, String cacheEngine, CacheAside cache, CacheStore store, Statement st) {
        QueryResult first = cache.refresh(st.sql()).block();
        int rows = first.rows().size();
        Cell uncached = ClosedLoop.run(1, plan.dbBudget(), plan.dbMaxSamples(), () -> cache.refresh(st.sql()));
        progress.cell("table %-10s %-9s %-12s database (forced refresh) c=1: %d samples, p50 %s, p99 %s, %d rows",
                db, cacheEngine, st.name(), uncached.ops(), millis(uncached.p50Micros()), millis(uncached.p99Micros()), rows);

        // a fill or a read may time out (the cache timeout) on a loaded machine: a few tries before
        // concluding that the cache does not work at all
        QueryResult check = cache.query(st.sql()).block();
        for (int retry = 0; retry < 5 && check.source() != Source.CACHE_HIT; retry++) {
            cache.refresh(st.sql()).block();
            check = cache.query(st.sql()).block();
        }
        if (check.source() != Source.CACHE_HIT) {
            throw new IllegalStateException(cacheEngine + " at " + Servers.address(cacheEngine) + " did not hit after a fill ("
                    + check.source() + "): is it running? (sudo bash scripts/services.sh)");
        }
        byte[] stored = store.get(cache.keyFor(st.sql())).block();
        LongAdder notHits = new LongAdder();
        Supplier<Mono<?>> hit = () -> cache.query(st.sql()).doOnNext(r -> {
            if (r.source() != Source.CACHE_HIT) {
                notHits.increment();
            }
        });
        ClosedLoop.run(1, plan.hitWarmup(), Long.MAX_VALUE, hit);
        Cell hits = ClosedLoop.run(1, plan.hitMeasure(), Long.MAX_VALUE, hit);
        if (notHits.sum() > 0 || hits.errors() > 0) {
            results.notes.add(String.format("%s/%s %s: %d of the timed hits were not hits, %d errors",
                    db, cacheEngine, st.name(), notHits.sum(), hits.errors()));
        }
        Line line = new Line(db, cacheEngine, st, rows, stored == null ? -1 : stored.length,
                uncached.p50Micros() / 1000, uncached.p99Micros() / 1000, uncached.ops(),
                hits.p50Micros(), hits.p99Micros(), hits.ops());
        results.lines.add(line);
        progress.cell("table %-10s %-9s %-12s cache hit c=1: %,d hits, p50 %s, p99 %s -> %.0fx",
                db, cacheEngine, st.name(), hits.ops(), micros(hits.p50Micros()), micros(hits.p99Micros()), line.improvement());
    }

    // ---------------------------------------------------------------- the hit path against its floor

    private void floorRedis(String db, Statement st) {
        String address = Servers.address("redis");
        RedisClient raw = RedisClient.create(RedisURI.create("redis://" + address));
        try (QueryExecutor executor = Servers.database(db, plan.database(), 4);
             StatefulRedisConnection<String, byte[]> connection =
                     raw.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
             CacheAside cache = CacheAside.builder().database(new CountingExecutor(executor))
                     .cache(Servers.cache("redis")).options(options(true)).build()) {
            String key = fill(cache, st);
            RedisAsyncCommands<String, byte[]> commands = connection.async();
            Map<String, Supplier<Mono<?>>> variants = new LinkedHashMap<>();
            variants.put("raw GET", () -> Mono.fromCompletionStage(commands.get(key)));
            variants.put("raw GET + decode", () -> Mono.fromCompletionStage(commands.get(key)).map(CodecAccess::decode));
            variants.put("library hit", () -> cache.query(st.sql()));
            floor("redis", variants);
        } finally {
            raw.shutdown();
        }
    }

    /**
     * Where the library's hit spends its time over the floor, on Redis: the floor, then the floor
     * with each of the engine's wrappers added by hand (its Reactor timeout on a scheduler, then
     * also its resilience4j circuit breaker), the store's own lookup plus decode, and the library
     * with and without the breaker. Interleaved in rounds like {@link #floor}.
     */
    private void explainRedis(String db, Statement st) {
        String address = Servers.address("redis");
        RedisClient raw = RedisClient.create(RedisURI.create("redis://" + address));
        CacheStore libraryStore = Servers.cache("redis");
        try (QueryExecutor executor = Servers.database(db, plan.database(), 4);
             StatefulRedisConnection<String, byte[]> connection =
                     raw.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
             CacheAside cache = CacheAside.builder().database(new CountingExecutor(executor))
                     .cache(libraryStore).options(options(true)).build();
             CacheAside noBreaker = CacheAside.builder().database(new CountingExecutor(executor))
                     .cache(Servers.cache("redis")).options(options(true).mutate().circuitBreaker(null).build()).build()) {
            String key = fill(cache, st);
            fill(noBreaker, st);
            RedisAsyncCommands<String, byte[]> commands = connection.async();
            io.github.resilience4j.circuitbreaker.CircuitBreaker breaker = io.github.resilience4j.circuitbreaker.CircuitBreaker
                    .of("bench", CacheAsideOptions.DEFAULT_CIRCUIT_BREAKER);
            Duration timeout = CacheAsideOptions.DEFAULT_CACHE_TIMEOUT;
            Map<String, Supplier<Mono<?>>> variants = new LinkedHashMap<>();
            variants.put("raw GET + decode", () -> Mono.fromCompletionStage(commands.get(key)).map(CodecAccess::decode));
            variants.put("+ timeout", () -> Mono.defer(() -> Mono.fromCompletionStage(commands.get(key)))
                    .timeout(timeout, reactor.core.scheduler.Schedulers.parallel()).map(CodecAccess::decode));
            variants.put("+ timeout + breaker", () -> Mono.defer(() -> Mono.fromCompletionStage(commands.get(key)))
                    .timeout(timeout, reactor.core.scheduler.Schedulers.parallel())
                    .transformDeferred(io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator.of(breaker))
                    .map(CodecAccess::decode));
            variants.put("store getOrLease + decode", () -> libraryStore.getOrLease(key, Duration.ofSeconds(10))
                    .map(found -> CodecAccess.decode(found.value())));
            variants.put("library, breaker off", () -> noBreaker.query(st.sql()));
            variants.put("library hit", () -> cache.query(st.sql()));
            floor("redis-explain", variants);
        } finally {
            raw.shutdown();
        }
    }

    private void floorMemcached(String db, Statement st) {
        CacheStore store = Servers.cache("memcached");
        try (QueryExecutor executor = Servers.database(db, plan.database(), 4);
             CacheAside cache = CacheAside.builder().database(new CountingExecutor(executor))
                     .cache(store).options(options(true)).build()) {
            String key = fill(cache, st);
            Map<String, Supplier<Mono<?>>> variants = new LinkedHashMap<>();
            variants.put("bare get", () -> store.get(key));
            variants.put("bare get + decode", () -> store.get(key).map(CodecAccess::decode));
            variants.put("library hit", () -> cache.query(st.sql()));
            floor("memcached", variants);
        }
    }

    private static String fill(CacheAside cache, Statement st) {
        cache.refresh(st.sql()).block();
        if (cache.query(st.sql()).block().source() != Source.CACHE_HIT) {
            throw new IllegalStateException("no hit after a fill of " + st.name());
        }
        return cache.keyFor(st.sql());
    }

    private void floor(String store, Map<String, Supplier<Mono<?>>> variants) {
        floor(store, variants, null);
    }

    /**
     * Measures {@code variants} at each floor concurrency, interleaved round by round, into
     * {@link Results#floors} under {@code store}; each user's first operation sent from
     * {@code start} when not null ({@link ClosedLoop#run(int, Duration, long, Supplier, reactor.core.scheduler.Scheduler)}).
     */
    void floor(String store, Map<String, Supplier<Mono<?>>> variants, reactor.core.scheduler.Scheduler start) {
        List<String> names = new ArrayList<>(variants.keySet());
        for (int c : floorConcurrency()) {
            for (String name : names) {
                Cell warm = ClosedLoop.run(c, plan.floorWarmup(), Long.MAX_VALUE, variants.get(name), start);
                progress.cell("floor %-9s c=%-2d %-18s warm-up: %,.0f ops/s", store, c, name, warm.throughput());
            }
            Map<String, List<Cell>> rounds = new LinkedHashMap<>();
            for (int r = 0; r < plan.floorRounds(); r++) {
                for (int i = 0; i < names.size(); i++) {
                    // rotate the order each round, so no variant always runs first or last
                    String name = names.get((i + r) % names.size());
                    Cell cell = ClosedLoop.run(c, plan.floorRound(), Long.MAX_VALUE, variants.get(name), start);
                    rounds.computeIfAbsent(name, n -> new ArrayList<>()).add(cell);
                    progress.cell("floor %-9s c=%-2d %-18s round %d/%d: %,.0f ops/s, p50 %s, p99 %s",
                            store, c, name, r + 1, plan.floorRounds(), cell.throughput(),
                            micros(cell.p50Micros()), micros(cell.p99Micros()));
                }
            }
            for (String name : names) {
                List<Cell> cells = rounds.get(name);
                results.floors.add(new Floor(store, name, c,
                        median(cells.stream().mapToDouble(Cell::throughput).toArray()),
                        median(cells.stream().mapToDouble(Cell::p50Micros).toArray()),
                        median(cells.stream().mapToDouble(Cell::p99Micros).toArray()),
                        cells.stream().mapToLong(Cell::errors).sum()));
            }
        }
    }

    // ---------------------------------------------------------------- stampede

    private void stampede(String db, String cacheEngine, Statement st) {
        try (QueryExecutor executor = Servers.database(db, plan.database(), 16)) {
            CountingExecutor database = new CountingExecutor(executor);
            for (boolean leases : new boolean[] {false, true}) {
                for (int n : new int[] {1, 4}) {
                    List<CacheAside> instances = new ArrayList<>();
                    try {
                        for (int i = 0; i < n; i++) {
                            instances.add(CacheAside.builder().database(database).cache(Servers.cache(cacheEngine))
                                    .options(options(leases)).build());
                        }
                        // connect every instance's client before the burst
                        for (CacheAside instance : instances) {
                            instance.invalidate(st.sql()).block();
                        }
                        List<Long> counts = new ArrayList<>();
                        for (int rep = 0; rep < plan.stampedeRepeats(); rep++) {
                            instances.get(0).invalidate(st.sql()).block();
                            long before = database.queries();
                            int requests = plan.stampedeRequests();
                            Long answered = Flux.range(0, requests)
                                    .flatMap(i -> instances.get(i % n).query(st.sql()), requests)
                                    .count().block();
                            if (answered == null || answered != requests) {
                                throw new IllegalStateException("stampede: " + answered + " of " + requests + " answered");
                            }
                            counts.add(database.queries() - before);
                        }
                        results.stampedes.add(new Stampede(cacheEngine, leases, n, plan.stampedeRequests(), counts));
                        progress.cell("stampede %-9s leases %-5s %d instance%s: %d cold concurrent requests -> database queries %s",
                                cacheEngine, leases, n, n == 1 ? " " : "s", plan.stampedeRequests(), counts);
                    } finally {
                        for (CacheAside instance : instances) {
                            instance.close();
                        }
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private static CacheAsideOptions options(boolean leases) {
        return CacheAsideOptions.builder().defaultTtl(Duration.ofHours(1)).leases(leases).build();
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    static String micros(double micros) {
        return micros >= 10_000 ? String.format("%.1f ms", micros / 1000) : String.format("%.0f µs", micros);
    }

    static String millis(double micros) {
        return String.format("%.2f ms", micros / 1000);
    }
}
