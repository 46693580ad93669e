package dev.cacheaside.integration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.CacheAside;
import dev.cacheaside.CacheAsideMetrics;
import dev.cacheaside.CacheAsideStats;
import dev.cacheaside.Query;
import dev.cacheaside.QueryResult;
import dev.cacheaside.Source;
import dev.cacheaside.config.ConfigurationException;
import dev.cacheaside.env.CacheAsideEnvironment;
import dev.cacheaside.env.Engines;
import dev.cacheaside.env.Settings;
import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.testing.TestServers;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * "A cache must never become the reason a request fails or hangs", end to end through
 * {@link CacheAsideEnvironment#create(Settings)} on MariaDB's demo database: a cache server killed in the
 * middle of a sustained load and started again (Redis, memcached: processes of our own), a cache
 * that answers slowly (a proxy adding latency in front of the shared Redis), a database that
 * refuses, drops or never answers connections (a proxy in front of MariaDB and PostgreSQL), a
 * single late cache reply, and bad input. Each scenario prints its numbers ({@code [fault] ...}),
 * which the README's "Failure behaviour" section quotes. Every process and proxy a test starts is
 * stopped in {@link #cleanUp()}, also when the test fails; the shared servers are never stopped.
 */
class CacheFaultIT {

    /** CACHE_TIMEOUT in these tests: every cache operation gives up after this long. */
    static final Duration CACHE_TIMEOUT = Duration.ofMillis(200);

    /** CACHE_BREAKER_OPEN in these tests: how long the breaker stays open before probing. */
    static final Duration BREAKER_OPEN = Duration.ofSeconds(1);

    /**
     * What a query may take beyond the cache timeout plus the slowest database time of the run:
     * thread scheduling of eight loops, Reactor's timer thread and GC on a shared machine. The
     * latency compared is {@link QueryResult#latency()}, measured inside the library. 500 ms is
     * the promise of issue 13, which must hold with both CPUs saturated by another process (CI
     * runs this class a second time under {@code stress-ng --cpu 2}); the slowest database time
     * is measured in the same run, so it grows with the load.
     */
    static final Duration MARGIN = Duration.ofMillis(500);

    static final int LOOPS = 8;
    static final String SQL = "SELECT airline_id, iata, airlinename, base_airport FROM airline WHERE airline_id = ?";
    static final List<Integer> IDS = List.of(1, 2, 3, 4, 5);

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @BeforeAll
    static void demoDatabase() {
        ItServers.ensureDemoDatabase("mariadb");
    }

    @AfterEach
    void cleanUp() {
        // last opened, first closed: the load stops before its CacheAside, processes die last
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            try {
                cleanup.get(i).close();
            } catch (Exception e) {
                System.out.println("[cleanup] " + cleanup.get(i) + ": " + e);
            }
        }
        cleanup.clear();
    }

    private <T extends AutoCloseable> T closeLater(T resource) {
        cleanup.add(resource);
        return resource;
    }

    // ------------------------------------------------------------------ a, b: the server dies

    @Test
    void redisKilledUnderLoadCostsNoQueryAndHitsReturnAfterARestart() {
        OwnServer redis = closeLater(OwnServer.redis()).start();
        Map<String, String> vars = faultSettings("redis");
        vars.put("CACHE_HOST", "127.0.0.1");
        vars.put("CACHE_PORT", String.valueOf(redis.port()));
        underLoad("redis killed", Settings.of(vars), redis::kill, redis::start, true);
    }

    @Test
    void memcachedKilledUnderLoadCostsNoQueryAndHitsReturnAfterARestart() {
        OwnServer memcached = closeLater(OwnServer.memcached()).start();
        Map<String, String> vars = faultSettings("memcached");
        vars.put("CACHE_HOST", "127.0.0.1");
        vars.put("CACHE_PORT", String.valueOf(memcached.port()));
        vars.put("MEMCACHED_MAX_RECONNECT_DELAY", "1s");
        underLoad("memcached killed", Settings.of(vars), memcached::kill, memcached::start, true);
    }

    // ------------------------------------------------------------------ c: the cache is slow

    @Test
    void aSlowCacheIsCutOffAtTheCacheTimeoutAndHitsResumeWhenItIsFastAgain() {
        FaultProxy proxy = closeLater(FaultProxy.to(TestServers.require("REDIS", 6379)));
        Map<String, String> vars = faultSettings("redis");
        vars.put("CACHE_HOST", "127.0.0.1");
        vars.put("CACHE_PORT", String.valueOf(proxy.port()));
        String prefix = vars.get("CACHE_KEY_PREFIX");
        String shared = TestServers.require("REDIS", 6379);
        RawCache raw = closeLater(RawCache.redis(shared.substring(0, shared.lastIndexOf(':')),
                Integer.parseInt(shared.substring(shared.lastIndexOf(':') + 1))));
        closeLater(() -> raw.deleteByPrefix(prefix));
        Duration injected = CACHE_TIMEOUT.multipliedBy(10);
        underLoad("redis replies " + injected.toMillis() + " ms late", Settings.of(vars),
                () -> proxy.latency(injected), () -> proxy.latency(Duration.ZERO), false);
    }

    /**
     * One lease read that times out after the server has already taken the key's lease (the
     * request arrived, its reply is held back 400 ms with CACHE_TIMEOUT at 250 ms): the engine
     * answers from the database, and the store releases the lease its caller never saw (or the
     * engine knows it may be its own). The next queries of that key must not wait the lease wait
     * for it, and the key is cached again within the lease TTL.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"redis", "valkey", "memcached"})
    void aLeaseReplyThatComesAfterTheCacheTimeoutDoesNotStallTheKey(String engine) {
        String server = switch (engine) {
            case "redis" -> TestServers.require("REDIS", 6379);
            case "valkey" -> TestServers.require("VALKEY", 6380);
            default -> TestServers.require("MEMCACHED", 11211);
        };
        FaultProxy proxy = closeLater(FaultProxy.to(server));
        Duration cacheTimeout = Duration.ofMillis(250);
        Duration held = Duration.ofMillis(400);
        Map<String, String> vars = faultSettings(engine);
        vars.put("CACHE_TIMEOUT", cacheTimeout.toMillis() + "ms");
        vars.put("CACHE_CONNECT_TIMEOUT", "5s");
        vars.put("CACHE_HOST", "127.0.0.1");
        vars.put("CACHE_PORT", String.valueOf(proxy.port()));
        if (!engine.equals("memcached")) {
            String prefix = vars.get("CACHE_KEY_PREFIX");
            RawCache raw = closeLater(RawCache.redis(server.substring(0, server.lastIndexOf(':')),
                    Integer.parseInt(server.substring(server.lastIndexOf(':') + 1))));
            closeLater(() -> raw.deleteByPrefix(prefix));
        } // memcached: the keys carry a fresh prefix and expire with the default TTL
        CacheAside cache = closeLater(CacheAsideEnvironment.create(Settings.of(vars)));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CacheAsideMetrics.bind(cache, registry, "lateLease");
        assertThat(cache.query(SQL, 1).block(Duration.ofSeconds(30)).source()).as("warm").isEqualTo(Source.CACHE_MISS);

        // the lease request: Redis's lease script (reads with leases send no other EVALSHA before
        // it; the warm-up query loaded the script), memcached's mg with N (vivify on miss)
        proxy.holdReplyTo(engine.equals("memcached") ? " v c f t N" : "$7\r\nEVALSHA\r\n", held);
        QueryResult late = cache.query(SQL, 6).block(Duration.ofSeconds(30));
        assertThat(late.source()).as("the lease read timed out: the database answered").isEqualTo(Source.CACHE_MISS);
        assertThat(proxy.repliesHeld()).as("the lease reply was the one held back").isEqualTo(1);
        CacheAsideStats before = cache.stats();

        List<String> seen = new ArrayList<>();
        List<Duration> latencies = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            QueryResult r = cache.query(SQL, 6).block(Duration.ofSeconds(30));
            assertThat(r.rows().size()).isEqualTo(1);
            seen.add(r.source() + " " + r.latency().toMillis() + " ms");
            latencies.add(r.latency());
        }
        CacheAsideStats after = cache.stats();
        Duration dbMax = max(registry, "cacheaside.database.time", null);
        Duration bound = cacheTimeout.plus(dbMax).plus(Duration.ofMillis(500));
        System.out.printf(Locale.ROOT, "[fault] %s, the two queries after a late lease reply: %s (bound %d ms)%n", engine, seen,
                bound.toMillis());
        assertThat(after.leaseWaits() - before.leaseWaits()).as("lease waits of the next two queries " + seen).isZero();
        assertThat(after.leaseWaitTimeouts() - before.leaseWaitTimeouts()).as("lease wait timeouts " + seen).isZero();
        assertThat(after.databaseLoads() - before.databaseLoads()).as("database loads of the next two queries " + seen)
                .isLessThanOrEqualTo(2);
        for (Duration latency : latencies) {
            assertThat(latency).as("each of " + seen + " vs cache timeout + slowest database query + 500 ms")
                    .isLessThanOrEqualTo(bound);
        }
        if (!engine.equals("memcached")) {
            // the store released the lease as soon as its caller gave up: the next query took and filled it
            assertThat(seen.get(1)).as("the second query after the late reply " + seen).startsWith("CACHE_HIT");
        } // memcached releases it when the late reply arrives; until then the engine knows it may be its own
        Duration leaseTtl = cache.options().leaseTtl();
        Poll.until("the key cached again within the lease TTL (" + leaseTtl + ")", leaseTtl,
                () -> cache.query(SQL, 6).block(Duration.ofSeconds(30)).source() == Source.CACHE_HIT);
    }

    /**
     * The cache is down when the application starts: {@link CacheAsideEnvironment#create(Settings)} does not
     * fail (it waits at most CACHE_CONNECT_TIMEOUT for the cache), no query fails or waits past
     * the bound while the cache is down, hits come once it is up, and a new instance started
     * while it is up is connected before its first query (that query is a hit, not a miss of a
     * read that found no connection yet).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"redis", "memcached"})
    void aCacheDownAtStartCostsNoQueryAndIsUsedOnceItIsUp(String engine) {
        OwnServer server = closeLater(engine.equals("redis") ? OwnServer.redis() : OwnServer.memcached());
        Map<String, String> vars = faultSettings(engine);
        vars.put("CACHE_HOST", "127.0.0.1");
        vars.put("CACHE_PORT", String.valueOf(server.port()));
        if (engine.equals("memcached")) {
            vars.put("MEMCACHED_MAX_RECONNECT_DELAY", "1s");
        }
        CacheAside cache = closeLater(CacheAsideEnvironment.create(Settings.of(vars)));
        assertThat(cache.cacheCircuitState()).as("create() did not fail without a cache").isNotNull();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(io.micrometer.core.instrument.Meter.Id id,
                                                         DistributionStatisticConfig config) {
                return DistributionStatisticConfig.builder().expiry(Duration.ofHours(1)).bufferLength(1)
                        .build().merge(config);
            }
        });
        CacheAsideMetrics.bind(cache, registry, "coldstart");
        Load load = closeLater(new Load(cache));
        load.phase = Phase.FAULT;
        Poll.until("100 queries with the cache down", Duration.ofSeconds(30), () -> load.of(Phase.FAULT).count.sum() >= 100);
        server.start();
        load.phase = Phase.RECOVERY;
        Poll.until("hits once the cache is up", Duration.ofSeconds(30), () -> load.of(Phase.RECOVERY).hits.sum() >= 50);
        load.close();
        Duration bound = CACHE_TIMEOUT.plus(max(registry, "cacheaside.database.time", null)).plus(MARGIN);
        System.out.printf(Locale.ROOT, "[fault] %s down at start: %d queries while down (max %.1f ms), %d after (max %.1f ms),"
                        + " bound %d ms, errors %d%n", engine, load.of(Phase.FAULT).count.sum(), millis(load.of(Phase.FAULT).maxLatency()),
                load.of(Phase.RECOVERY).count.sum(), millis(load.of(Phase.RECOVERY).maxLatency()), bound.toMillis(), load.errors.size());
        assertThat(load.errors).as("queries that failed, hung or returned wrong rows: " + load.errors.stream()
                .limit(3).map(Throwable::toString).toList()).isEmpty();
        assertThat(load.of(Phase.FAULT).hits.sum()).as("no hit while the cache was down").isZero();
        for (Phase p : Phase.values()) {
            assertThat(load.of(p).maxLatency()).as(p + ": slowest query vs cache timeout + slowest database query + margin")
                    .isLessThanOrEqualTo(bound);
        }

        CacheAside fresh = closeLater(CacheAsideEnvironment.create(Settings.of(vars)));
        QueryResult first = fresh.query(SQL, IDS.get(0)).block(Duration.ofSeconds(30));
        assertThat(first.source()).as("a new instance's first query: connected at start, so the entry is read")
                .isEqualTo(Source.CACHE_HIT);
        assertThat(fresh.stats().cacheReadErrors()).as("no read found the connection missing").isZero();
    }

    /** The settings of the load scenarios: MariaDB's demo database, short timeouts, our own key prefix. */
    private static Map<String, String> faultSettings(String cacheEngine) {
        Map<String, String> vars = new HashMap<>(ItServers.database("mariadb"));
        vars.put("CACHE_ENGINE", cacheEngine);
        vars.put("CACHE_TIMEOUT", CACHE_TIMEOUT.toMillis() + "ms");
        vars.put("CACHE_CONNECT_TIMEOUT", "500ms");
        vars.put("CACHE_BREAKER_OPEN", BREAKER_OPEN.toMillis() + "ms");
        vars.put("CACHE_KEY_PREFIX", "cachefaultit-" + UUID.randomUUID().toString().substring(0, 8) + ":");
        return vars;
    }

    /**
     * Runs {@value #LOOPS} closed loops of queries, injects the fault, keeps going until the
     * breaker has opened and at least two open periods have passed, heals, and keeps going until
     * hits are back and the circuit is closed; then checks every query and prints the numbers.
     * With {@code refusesAtOnce} (a dead server: connections refused, commands rejected while
     * disconnected) it also checks that no failed cache read waited for the cache timeout.
     */
    private void underLoad(String fault, Settings settings, Runnable inject, Runnable heal, boolean refusesAtOnce) {
        CacheAside cache = closeLater(CacheAsideEnvironment.create(settings));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        // keep each timer's max for the whole test (Micrometer's default forgets it after 2 minutes)
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(io.micrometer.core.instrument.Meter.Id id,
                                                         DistributionStatisticConfig config) {
                return DistributionStatisticConfig.builder().expiry(Duration.ofHours(1)).bufferLength(1)
                        .build().merge(config);
            }
        });
        CacheAsideMetrics.bind(cache, registry, "faultit");
        for (int id : IDS) {
            // open the connections first, so the load starts warm (these are measured too)
            cache.query(SQL, id).block(Duration.ofSeconds(30));
        }
        Load load = closeLater(new Load(cache));

        Poll.until("200 hits before the fault", Duration.ofSeconds(20), () -> load.of(Phase.BEFORE).hits.sum() >= 200);
        inject.run();
        long faultAt = System.nanoTime();
        load.phase = Phase.FAULT;
        Poll.until("the breaker opening and " + BREAKER_OPEN.multipliedBy(5).dividedBy(2) + " of load during the fault",
                Duration.ofSeconds(30), () -> cache.stats().breakerRejections() > 0
                        && System.nanoTime() - faultAt >= BREAKER_OPEN.multipliedBy(5).toNanos() / 2
                        && load.of(Phase.FAULT).count.sum() >= 100);
        CacheAsideStats atHeal = cache.stats();
        heal.run();
        long healAt = System.nanoTime();
        load.phase = Phase.RECOVERY;
        Poll.until("hits again and the circuit closed after healing", Duration.ofSeconds(30),
                () -> load.of(Phase.RECOVERY).hits.sum() > 0 && "CLOSED".equals(cache.cacheCircuitState()));
        Duration recovered = Duration.ofNanos(System.nanoTime() - healAt);
        long hitsThen = load.of(Phase.RECOVERY).hits.sum();
        Poll.until("100 more hits", Duration.ofSeconds(10), () -> load.of(Phase.RECOVERY).hits.sum() >= hitsThen + 100);
        load.close();
        CacheAsideStats end = cache.stats();

        Duration dbMax = max(registry, "cacheaside.database.time", null);
        Duration cacheReadErrorMax = max(registry, "cacheaside.cache.time", "read");
        Duration bound = CACHE_TIMEOUT.plus(dbMax).plus(MARGIN);
        System.out.printf(Locale.ROOT, "[fault] %s: cache timeout %d ms, slowest database query %.1f ms, slowest failed"
                        + " cache read %.1f ms, bound %d ms%n", fault, CACHE_TIMEOUT.toMillis(), millis(dbMax),
                millis(cacheReadErrorMax), bound.toMillis());
        for (Phase p : Phase.values()) {
            System.out.printf(Locale.ROOT, "[fault]   %-8s %6d queries, %6d hits, %6d misses, max latency %.1f ms%n", p,
                    load.of(p).count.sum(), load.of(p).hits.sum(), load.of(p).misses.sum(), millis(load.of(p).maxLatency()));
        }
        System.out.printf(Locale.ROOT, "[fault]   breaker rejections %d during the fault (%d in all), cache read errors %d,"
                        + " write errors %d, lease wait timeouts %d; hits and a closed circuit %d ms after healing; errors %d%n",
                atHeal.breakerRejections(), end.breakerRejections(), end.cacheReadErrors(), end.cacheWriteErrors(),
                end.leaseWaitTimeouts(), recovered.toMillis(), load.errors.size());

        assertThat(load.errors).as("queries that failed, hung (10 s) or returned wrong rows: " + load.errors.stream()
                .limit(3).map(Throwable::toString).toList()).isEmpty();
        Stats during = load.of(Phase.FAULT);
        assertThat(during.count.sum()).as("queries during the fault").isGreaterThanOrEqualTo(100);
        assertThat(during.hits.sum()).as("during the fault every query is answered by the database").isZero();
        assertThat(during.misses.sum()).as("during the fault every query is a CACHE_MISS").isEqualTo(during.count.sum());
        assertThat(atHeal.breakerRejections()).as("the circuit breaker opened during the fault").isPositive();
        assertThat(end.circuitState()).as("the circuit after recovery").isEqualTo("CLOSED");
        if (refusesAtOnce) {
            // README: "none waited for the cache timeout" while the server was dead
            assertThat(cacheReadErrorMax).as(fault + ": the slowest failed cache read vs the cache timeout "
                    + CACHE_TIMEOUT.toMillis() + " ms").isLessThan(CACHE_TIMEOUT);
        }
        for (Phase p : Phase.values()) {
            // a query that took about CACHE_LEASE_WAIT (2 s) waited for a lease nobody would fill
            assertThat(load.of(p).maxLatency()).as(p + ": slowest query vs cache timeout " + CACHE_TIMEOUT.toMillis()
                    + " ms + slowest database query " + dbMax.toMillis() + " ms + margin " + MARGIN.toMillis()
                    + " ms (lease wait timeouts: " + end.leaseWaitTimeouts() + ")")
                    .isLessThanOrEqualTo(bound);
        }
    }

    private static Duration max(SimpleMeterRegistry registry, String name, String operation) {
        double max = 0;
        for (Timer t : registry.find(name).timers()) {
            if (operation == null || operation.equals(t.getId().getTag("operation"))) {
                if (operation == null || "error".equals(t.getId().getTag("outcome"))) {
                    max = Math.max(max, t.max(TimeUnit.NANOSECONDS));
                }
            }
        }
        return Duration.ofNanos((long) max);
    }

    private static double millis(Duration d) {
        return d.toNanos() / 1e6;
    }

    enum Phase { BEFORE, FAULT, RECOVERY }

    /** Counts of one phase; a query belongs to the phase in which it started. */
    static final class Stats {
        final LongAdder count = new LongAdder();
        final LongAdder hits = new LongAdder();
        final LongAdder misses = new LongAdder();
        final AtomicLong maxLatencyNanos = new AtomicLong();

        Duration maxLatency() {
            return Duration.ofNanos(maxLatencyNanos.get());
        }
    }

    /** {@value #LOOPS} threads, each running queries one after another until closed. */
    static final class Load implements AutoCloseable {
        final Map<Phase, Stats> stats = new EnumMap<>(Phase.class);
        final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        final List<Thread> threads = new ArrayList<>();
        volatile Phase phase = Phase.BEFORE;
        volatile boolean stop;

        Load(CacheAside cache) {
            for (Phase p : Phase.values()) {
                stats.put(p, new Stats());
            }
            for (int i = 0; i < LOOPS; i++) {
                int first = i;
                Thread t = new Thread(() -> loop(cache, first), "load-" + i);
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
        }

        Stats of(Phase p) {
            return stats.get(p);
        }

        private void loop(CacheAside cache, int first) {
            for (int n = first; !stop; n++) {
                int id = IDS.get(n % IDS.size());
                Stats s = stats.get(phase);
                try {
                    QueryResult r = cache.query(SQL, id).block(Duration.ofSeconds(10));
                    if (r == null || r.rows().size() != 1 || ((Number) r.rows().get(0, 0)).intValue() != id) {
                        throw new AssertionError("wrong rows for airline " + id + ": " + r);
                    }
                    s.count.increment();
                    if (r.source() == Source.CACHE_HIT) {
                        s.hits.increment();
                    } else {
                        s.misses.increment();
                    }
                    long nanos = r.latency().toNanos();
                    s.maxLatencyNanos.accumulateAndGet(nanos, Math::max);
                } catch (Throwable e) {
                    s.count.increment();
                    errors.add(e);
                }
            }
        }

        @Override
        public void close() {
            stop = true;
            for (Thread t : threads) {
                try {
                    t.join(15_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted while stopping the load", e);
                }
                if (t.isAlive()) {
                    throw new AssertionError(t.getName() + " still running 15 s after the load stopped");
                }
            }
        }
    }

    // ------------------------------------------------------------------ d: the database fails

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mariadb", "postgresql"})
    void aDatabaseThatRefusesDropsOrIgnoresConnectionsFailsFastNamingItCachesNothingAndRecovers(String engine) {
        ItServers.ensureDemoDatabase(engine);
        Map<String, String> vars = new HashMap<>(ItServers.database(engine));
        FaultProxy proxy = closeLater(FaultProxy.to(vars.get("DB_HOST") + ":" + vars.get("DB_PORT")));
        vars.put("DB_HOST", "127.0.0.1");
        vars.put("DB_PORT", String.valueOf(proxy.port()));
        vars.put("DB_CONNECT_TIMEOUT", "1s");
        vars.put("DB_ACQUIRE_TIMEOUT", "2s");
        vars.put("CACHE_ENGINE", "local");
        Duration bound = Duration.ofSeconds(2).plus(MARGIN);
        CacheAside cache = closeLater(CacheAsideEnvironment.create(Settings.of(vars)));
        assertThat(cache.query(SQL, 1).block(Duration.ofSeconds(30)).source()).as("through the proxy, before any fault")
                .isEqualTo(Source.CACHE_MISS);

        Map<String, Runnable> faults = new java.util.LinkedHashMap<>();
        faults.put("refused", proxy::refuse);
        faults.put("dropped", proxy::drop);
        faults.put("never answered", proxy::blackhole);
        int id = 2;
        for (Map.Entry<String, Runnable> fault : faults.entrySet()) {
            String what = engine + ", connections " + fault.getKey();
            fault.getValue().run();
            long errorsBefore = cache.stats().databaseErrors();
            long start = System.nanoTime();
            Throwable error = null;
            try {
                cache.query(SQL, id).block(Duration.ofSeconds(30));
            } catch (Throwable e) {
                error = e;
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            System.out.printf(Locale.ROOT, "[fault] database %s: error after %d ms: %s%n", what, took.toMillis(), error);
            assertThat(error).as(what + ": the query fails").isNotNull();
            assertThat(took).as(what + ": the error arrives within the acquire timeout (2 s) + margin").isLessThanOrEqualTo(bound);
            assertThat(error).as(what + ": the message names host and port")
                    .hasMessageContaining("127.0.0.1:" + proxy.port());
            assertThat(cache.stats().databaseErrors()).as(what + ": counted as a database error").isGreaterThan(errorsBefore);

            proxy.forward();
            long healed = System.nanoTime();
            List<String> failures = new ArrayList<>();
            QueryResult[] first = new QueryResult[1];
            int queried = id;
            Poll.until(what + ": queries succeed again once the proxy forwards", Duration.ofSeconds(15), () -> {
                try {
                    first[0] = cache.query(SQL, queried).block(Duration.ofSeconds(10));
                    return true;
                } catch (RuntimeException e) {
                    failures.add(e.toString());
                    return false;
                }
            });
            System.out.printf(Locale.ROOT, "[fault] database %s: recovered after %d ms and %d failed queries %s%n", what,
                    (System.nanoTime() - healed) / 1_000_000, failures.size(), failures.stream().limit(2).toList());
            assertThat(first[0].source()).as(what + ": the failed query left nothing cached: a CACHE_MISS after recovery")
                    .isEqualTo(Source.CACHE_MISS);
            assertThat(cache.query(SQL, id).block(Duration.ofSeconds(10)).source()).as(what + ": then a hit")
                    .isEqualTo(Source.CACHE_HIT);
            assertThat(failures).as(what + ": the pool recovers by itself, with no failed query once the server is back")
                    .isEmpty();
            id++;
        }
    }

    // ------------------------------------------------------------------ e: bad input

    /** MariaDB's demo database with the shared Redis, our own key prefix. */
    private CacheAside endToEnd() {
        Map<String, String> vars = new HashMap<>(ItServers.database("mariadb"));
        vars.putAll(ItServers.cache("redis"));
        String prefix = "cachefaultit-" + UUID.randomUUID().toString().substring(0, 8) + ":";
        vars.put("CACHE_KEY_PREFIX", prefix);
        RawCache raw = closeLater(RawCache.redis(vars.get("CACHE_HOST"), Integer.parseInt(vars.get("CACHE_PORT"))));
        closeLater(() -> raw.deleteByPrefix(prefix));
        return closeLater(CacheAsideEnvironment.create(Settings.of(vars)));
    }

    private QueryExecutor directMariaDb() {
        return closeLater(Engines.queryExecutor("mariadb", Settings.of(ItServers.database("mariadb"))));
    }

    @Test
    void nullOrBlankSqlIsRefusedAtTheCall() {
        CacheAside cache = endToEnd();
        assertThatThrownBy(() -> cache.query((String) null)).as("null SQL").isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sql must not be null");
        assertThatThrownBy(() -> cache.query("")).as("empty SQL").isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("blank");
        assertThatThrownBy(() -> cache.query(" \n\t ")).as("blank SQL").isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("blank");
        assertThatThrownBy(() -> cache.query((Query) null)).as("null query").isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> cache.invalidate((String) null)).as("null SQL to invalidate")
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(cache.stats().databaseLoads()).as("nothing reached the database").isZero();
    }

    @Test
    void statementsThatWriteAreRefusedAtTheCallAndNothingRuns() {
        CacheAside cache = endToEnd();
        QueryExecutor direct = directMariaDb();
        Rows before = direct.execute("SELECT * FROM airline ORDER BY airline_id", List.of()).block(Duration.ofSeconds(30));
        List<String> writes = List.of(
                "INSERT INTO airline (airline_id, iata, airlinename, base_airport) VALUES (999, 'ZZ', 'Nope', 1)",
                "UPDATE airline SET airlinename = 'changed'",
                "DELETE FROM airline",
                "  -- a comment first\n  delete from airline where airline_id = 1",
                "TRUNCATE TABLE airline",
                "DROP TABLE airline",
                "CREATE TABLE cachefaultit_created (i INT)",
                "ALTER TABLE airline ADD COLUMN cachefaultit INT",
                "REPLACE INTO airline VALUES (1, 'ZZ', 'Nope', 1)",
                "SELECT * FROM airline WHERE airline_id = 1 FOR UPDATE",
                "SELECT * INTO OUTFILE '/tmp/cachefaultit' FROM airline",
                "WITH gone AS (DELETE FROM airline RETURNING *) SELECT * FROM gone");
        for (String sql : writes) {
            // run what the call returns, if it returns: a check that moved to subscription time (or
            // vanished) would then run the write, and the table comparison below would see it
            Throwable refused = null;
            try {
                cache.query(sql).onErrorResume(e -> reactor.core.publisher.Mono.empty()).block(Duration.ofSeconds(30));
            } catch (Throwable e) {
                refused = e;
            }
            assertThat(refused).as(sql).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("only reads are cached");
        }
        Rows after = direct.execute("SELECT * FROM airline ORDER BY airline_id", List.of()).block(Duration.ofSeconds(30));
        assertThat(after).as("the airline table is unchanged").isEqualTo(before);
        Rows created = direct.execute("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()"
                + " AND table_name = 'cachefaultit_created'", List.of()).block(Duration.ofSeconds(30));
        assertThat(((Number) created.get(0, 0)).longValue()).as("no table was created").isZero();
        assertThat(cache.stats().databaseLoads()).as("nothing reached the database through the cache").isZero();
    }

    @Test
    void aParameterOfAnUnsupportedTypeIsRefusedAtTheCall() {
        CacheAside cache = endToEnd();
        for (Object bad : List.of(new StringBuilder("1"), java.util.Optional.of(1), new Object(), List.of(1))) {
            assertThatThrownBy(() -> cache.query(SQL, bad)).as(bad.getClass().getName())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("parameter 1")
                    .hasMessageContaining(bad.getClass().getSimpleName().isEmpty() ? bad.getClass().getName()
                            : bad.getClass().getSimpleName());
        }
        assertThat(cache.stats().databaseLoads()).as("nothing reached the database").isZero();
    }

    @Test
    void invalidSettingsFailCreateNamingTheVariableAndTheValueNeverAPassword() {
        Map<String, String> base = new HashMap<>(ItServers.database("mariadb"));
        base.putAll(ItServers.cache("redis"));
        base.put("DB_PASSWORD", "db-pw-must-not-show");
        base.put("CACHE_PASSWORD", "cache-pw-must-not-show");
        String[][] cases = {
            {"CACHE_PORT", "70000"}, {"CACHE_PORT", "sixtythree"}, {"DB_PORT", "0"}, {"DB_PORT", "-3306"},
            {"CACHE_TTL", "-5"}, {"CACHE_TTL", "0"}, {"CACHE_TTL", "soon"}, {"CACHE_TIMEOUT", "0ms"},
            {"CACHE_ENGINE", "mongodb"}, {"DB_ENGINE", "oracle"}, {"DB_CONNECT_TIMEOUT", "fast"},
            {"DB_POOL_SIZE", "0"}, {"CACHE_LEASES", "maybe"}, {"CACHE_BREAKER_FAILURE_RATE", "150"},
        };
        for (String[] c : cases) {
            Map<String, String> vars = new HashMap<>(base);
            vars.put(c[0], c[1]);
            String what = c[0] + "=" + c[1];
            assertThatThrownBy(() -> CacheAsideEnvironment.create(Settings.of(vars)).close()).as(what)
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining(c[0])
                    .hasMessageContaining(c[1])
                    .hasMessageNotContaining("db-pw-must-not-show")
                    .hasMessageNotContaining("cache-pw-must-not-show")
                    .satisfies(e -> assertThat(((ConfigurationException) e).variable()).as(what + ": variable()")
                            .isEqualTo(c[0]));
        }
    }

    @Test
    void garbageUnderAQuerysKeyIsAMissWithTheRightRowsAndIsReplaced() {
        CacheAside cache = endToEnd();
        Map<String, String> redisVars = ItServers.cache("redis");
        RawCache raw = closeLater(RawCache.redis(redisVars.get("CACHE_HOST"), Integer.parseInt(redisVars.get("CACHE_PORT"))));
        Rows expected = directMariaDb().execute(SQL, List.of(3)).block(Duration.ofSeconds(30));
        assertThat(expected.size()).isEqualTo(1);

        QueryResult first = cache.query(SQL, 3).block(Duration.ofSeconds(30));
        byte[] valid = raw.get(first.key());
        assertThat(valid).as("a valid entry after the first miss").isNotNull();
        List<byte[]> garbage = List.of(
                new byte[] {(byte) 0xff, (byte) 0xfe, 0x01, 0x02, 'x', '{'},
                "not json at all".getBytes(StandardCharsets.UTF_8),
                "{\"v\":99,\"rows\":[]}".getBytes(StandardCharsets.UTF_8),
                Arrays.copyOf(valid, valid.length / 2));
        long corrupt = cache.stats().corruptEntries();
        for (byte[] bad : garbage) {
            String what = "garbage " + new String(bad, StandardCharsets.ISO_8859_1);
            raw.set(first.key(), bad);
            QueryResult miss = cache.query(SQL, 3).block(Duration.ofSeconds(30));
            assertThat(miss.source()).as(what + ": a miss").isEqualTo(Source.CACHE_MISS);
            assertThat(miss.rows()).as(what + ": the database's rows").isEqualTo(expected);
            byte[] now = raw.get(first.key());
            assertThat(now).as(what + ": replaced by a valid entry").isNotNull();
            assertThat(new String(now, StandardCharsets.UTF_8)).as(what + ": replaced by a valid entry")
                    .startsWith("{").contains("\"v\"");
            QueryResult hit = cache.query(SQL, 3).block(Duration.ofSeconds(30));
            assertThat(hit.source()).as(what + ": then a hit").isEqualTo(Source.CACHE_HIT);
            assertThat(hit.rows()).as(what + ": with the same rows").isEqualTo(expected);
            assertThat(cache.stats().corruptEntries()).as(what + ": counted as corrupt").isEqualTo(++corrupt);
        }
    }
}
