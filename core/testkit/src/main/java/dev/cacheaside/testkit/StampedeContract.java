package dev.cacheaside.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.CacheAside;
import dev.cacheaside.CacheAsideOptions;
import dev.cacheaside.QueryResult;
import dev.cacheaside.Source;
import dev.cacheaside.internal.BackgroundRefresher;
import dev.cacheaside.internal.RowCodec;
import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.spi.Rows;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The stampede and consistency proofs every cache store runs against its real server: one
 * database query for a cold key across instances, no stale set under leases (and a stale set
 * found without them), stale-while-revalidate, early refresh, TTL jitter, and a dead lease holder.
 *
 * <p>The database is a fake inside the contract; the store is the subclass's. Each
 * {@link CacheAside} instance gets a client of its own from {@link #createClient()} (its own
 * connection), as separate services would. Every test uses keys of its own, and after each test
 * the contract checks that no load, refresh or lease was left behind.
 *
 * <p>Every client made during a test is closed after it, by an extension, which JUnit runs after
 * every {@code @AfterEach} method, so the contract's own checks after each test still run on
 * open clients. A subclass that needs a server checks for it in a {@code @BeforeAll} method.
 *
 * <h2>Example</h2>
 * <pre>{@code
 * class MyStoreStampedeTest extends StampedeContract {
 *
 *     protected CacheStore createClient() {
 *         return MyStore.connect("localhost:1234");
 *     }
 *
 *     protected Duration serverTtl(String key) {
 *         return MyAdminClient.ttlOf(key);   // optional: checks the TTL jitter on the server
 *     }
 * }
 * }</pre>
 * The two randomized cases print how many of their rounds ended with a stale entry.
 */
public abstract class StampedeContract {

    private final List<CacheStore> clients = new CopyOnWriteArrayList<>();

    @RegisterExtension
    final AfterEachCallback closeEveryClient = context -> {
        List<Throwable> failures = new ArrayList<>();
        for (CacheStore client : clients) {
            try {
                client.closeAsync().block(Duration.ofSeconds(30));
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        clients.clear();
        if (!failures.isEmpty()) {
            AssertionError error = new AssertionError("closing " + failures.size() + " store client(s) failed");
            failures.forEach(error::addSuppressed);
            throw error;
        }
    };

    /**
     * A new client of the shared cache server, as another service instance would hold (or a new
     * view of a shared in-process store). The contract closes it after the test.
     */
    protected abstract CacheStore createClient();

    /**
     * The time to live the server reports for {@code key}, or {@code null} when the store cannot
     * tell (the jitter test is then checked on the engine side only).
     */
    protected Duration serverTtl(String key) {
        return null;
    }

    /** A client from {@link #createClient()}, closed after the test. */
    protected final CacheStore newStore() {
        CacheStore client = createClient();
        clients.add(client);
        return client;
    }

    private final List<CacheAside> instances = new ArrayList<>();
    private final Set<String> keys = new HashSet<>();

    private CacheAside instance(QueryExecutor database, Consumer<CacheAsideOptions.Builder> options) {
        CacheAsideOptions.Builder b = CacheAsideOptions.builder().cacheTimeout(Duration.ofSeconds(2));
        options.accept(b);
        CacheAside c = CacheAside.builder().database(database).cache(newStore()).options(b.build()).build();
        // as an application does at start: a cold connection is not what these tests measure
        c.connect(Duration.ofSeconds(30)).block(Duration.ofSeconds(35));
        instances.add(c);
        return c;
    }

    private String sql(String name) {
        String sql = "SELECT version FROM t /* " + name + " " + UUID.randomUUID() + " */";
        keys.add(sql);
        return sql;
    }

    @AfterEach
    void nothingLeftBehind() {
        try {
            for (CacheAside c : instances) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while ((EngineProbe.flights(c) > 0 || EngineProbe.refreshes(c) > 0) && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                assertThat(EngineProbe.flights(c)).as("loads in flight after the test").isZero();
                assertThat(EngineProbe.refreshes(c)).as("refreshes in flight after the test").isZero();
            }
            if (!instances.isEmpty()) {
                CacheAside any = instances.get(0);
                CacheStore probe = newStore();
                try {
                    for (String sql : keys) {
                        for (String key : List.of(any.keyFor(sql), any.keyFor(sql) + BackgroundRefresher.REFRESH_SUFFIX)) {
                            CacheLookup found = probe.getOrLease(key, Duration.ofSeconds(1)).block();
                            assertThat(found.kind()).as("no lease held on %s after the test", key)
                                    .isNotEqualTo(CacheLookup.Kind.LEASE_HELD);
                            probe.delete(key).block();
                        }
                    }
                } finally {
                    probe.close();
                }
            }
        } finally {
            instances.forEach(CacheAside::close);
            instances.clear();
            keys.clear();
        }
    }

    @Test
    void fiveHundredColdRequestsOverFourInstancesMakeOneDatabaseQuery() {
        VersionedDatabase database = new VersionedDatabase();
        // the one load waits until every request has arrived, so all 500 overlap it
        GatedDatabase gated = new GatedDatabase(database);
        List<CacheAside> gatedInstances = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            gatedInstances.add(instance(gated, b -> b.leaseWait(Duration.ofSeconds(5))));
        }
        String sql = sql("stampede");
        List<CompletableFuture<QueryResult>> results = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            results.add(gatedInstances.get(i % 4).query(sql).subscribeOn(Schedulers.parallel()).toFuture());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String key = gatedInstances.get(0).keyFor(sql);
        while (gatedInstances.stream().mapToInt(c -> EngineProbe.callersOf(c, key)).sum() < 500 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(gatedInstances.stream().mapToInt(c -> EngineProbe.callersOf(c, key)).sum())
                .as("all 500 requests are waiting on a load or a lease").isEqualTo(500);
        gated.release();
        for (CompletableFuture<QueryResult> r : results) {
            assertThat(r.join().rows().get(0, 0)).isEqualTo(0L);
        }
        // one query in all. An instance whose cache read timed out or failed answers its own
        // callers from the database (once: all of them share its single flight), as a cache it
        // cannot read must never delay a query; and a read that timed out may have been granted
        // the lease after all, which that instance then gives back as orphaned, so one waiting
        // instance may take the lease and load too. Each such instance thus adds at most two
        // queries. On a quiet machine no read fails and this is exactly 1.
        long instancesThatCouldNotUseTheCache = gatedInstances.stream()
                .map(CacheAside::stats)
                .filter(s -> s.cacheReadErrors() + s.leaseWaitTimeouts() > 0)
                .count();
        assertThat(database.executions.get())
                .as("database queries for 500 cold requests over 4 instances, %d of which could not use the cache",
                        instancesThatCouldNotUseTheCache)
                .isBetween(1, 1 + 2 * (int) instancesThatCouldNotUseTheCache);
    }

    @Test
    void randomizedReadersAndWritersLeaveNoStaleEntryWithLeases() {
        assertThat(staleRounds(true, 1500)).as("rounds that ended with a stale entry, leases on").isZero();
    }

    @Test
    void withoutLeasesTheSameRoundsFindStaleEntries() {
        assertThat(staleRounds(false, 1500)).as("rounds that ended with a stale entry, leases off").isPositive();
    }

    /**
     * Rounds of concurrent readers on four instances and one writer that commits a new version
     * and then invalidates; once a round's operations end, the cache must hold the last version
     * or nothing. Returns how many rounds ended with an older version in the cache.
     */
    private int staleRounds(boolean leases, int rounds) {
        VersionedDatabase database = new VersionedDatabase();
        database.maxDelayMillis = 2;
        List<CacheAside> four = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            four.add(instance(database, b -> b.leases(leases).leaseWait(Duration.ofSeconds(5))));
        }
        Random random = new Random();
        int stale = 0;
        CacheStore probe = newStore();
        try {
            for (int round = 0; round < rounds; round++) {
                String sql = sql("round" + round);
                String key = four.get(0).keyFor(sql);
                List<Mono<?>> ops = new ArrayList<>();
                int readers = 1 + random.nextInt(4);
                for (int r = 0; r < readers; r++) {
                    CacheAside c = four.get(random.nextInt(4));
                    ops.add(Mono.delay(Duration.ofMillis(random.nextInt(2))).then(c.query(sql)));
                }
                CacheAside writerSide = four.get(random.nextInt(4));
                ops.add(Mono.delay(Duration.ofMillis(random.nextInt(3)))
                        .then(Mono.fromRunnable(database.version::incrementAndGet))
                        .then(writerSide.invalidate(sql)));
                Flux.merge(ops).then().block(Duration.ofSeconds(30));
                for (CacheAside c : four) {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (EngineProbe.flights(c) > 0 && System.nanoTime() < deadline) {
                        Thread.onSpinWait();
                    }
                }
                byte[] bytes = probe.get(key).block();
                if (bytes != null && (Long) RowCodec.decode(bytes).get(0, 0) != database.version.get()) {
                    stale++;
                }
                probe.delete(key).block();
                keys.remove(sql);
            }
        } finally {
            probe.close();
        }
        System.out.printf("%s: %d of %d rounds ended with a stale entry (leases %s)%n",
                getClass().getSimpleName(), stale, rounds, leases ? "on" : "off");
        return stale;
    }

    @Test
    void staleWhileRevalidateAnswersFromTheCacheWhileExactlyOneRefreshRuns() {
        VersionedDatabase database = new VersionedDatabase();
        MutableClock clock = new MutableClock();
        List<CacheAside> two = List.of(
                instance(database, b -> b.clock(clock).staleWhileRevalidate(Duration.ofHours(1)).earlyRefreshBeta(0)),
                instance(database, b -> b.clock(clock).staleWhileRevalidate(Duration.ofHours(1)).earlyRefreshBeta(0)));
        String sql = sql("swr");
        assertThat(two.get(0).query(sql, Duration.ofMinutes(1)).block().source()).isEqualTo(Source.CACHE_MISS);
        database.version.set(1);
        clock.advance(Duration.ofMinutes(2));
        List<QueryResult> served = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            served.add(two.get(i % 2).query(sql, Duration.ofMinutes(1)).block(Duration.ofSeconds(5)));
        }
        assertThat(served).as("past the TTL, within the stale window: served stale at once")
                .allSatisfy(r -> assertThat(r.source()).isIn(Source.CACHE_STALE, Source.CACHE_HIT));
        assertThat(served.get(0).source()).isEqualTo(Source.CACHE_STALE);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((EngineProbe.refreshes(two.get(0)) + EngineProbe.refreshes(two.get(1)) > 0) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(database.executions).as("one load, then exactly one refresh").hasValue(2);
        QueryResult after = two.get(1).query(sql, Duration.ofMinutes(1)).block();
        assertThat(after.source()).isEqualTo(Source.CACHE_HIT);
        assertThat(after.rows().get(0, 0)).as("the refresh stored the new version").isEqualTo(1L);
    }

    @Test
    void earlyRefreshRefreshesBeforeExpiryUnderLoad() {
        VersionedDatabase database = new VersionedDatabase();
        MutableClock clock = new MutableClock();
        AtomicLong nanos = new AtomicLong();
        // the load takes 200 ms on the engine's clock
        QueryExecutor slow = new QueryExecutor() {
            @Override
            public Mono<Rows> execute(String sql, List<?> parameters) {
                return database.execute(sql, parameters).doOnNext(r -> nanos.addAndGet(200_000_000));
            }

            @Override
            public Mono<Void> closeAsync() {
                return Mono.empty();
            }
        };
        CacheAside c = instance(slow, b -> b.clock(clock).nanoTime(nanos::get).earlyRefreshBeta(1.0));
        String sql = sql("xfetch");
        assertThat(c.query(sql, Duration.ofMinutes(10)).block().source()).isEqualTo(Source.CACHE_MISS);
        int misses = 0;
        // a steady load of hits as the expiry nears: one every 10 ms of the last minute
        for (int step = 0; step < 6000 && database.executions.get() < 2 && EngineProbe.refreshes(c) == 0; step++) {
            clock.advance(Duration.ofMillis(step == 0 ? 540_000 : 10));
            QueryResult r = c.query(sql, Duration.ofMinutes(10)).block();
            if (r.source() == Source.CACHE_MISS) {
                misses++;
            }
        }
        // the refresh runs in real time while the test's clock is fake: let it finish
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (EngineProbe.refreshes(c) > 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(database.executions).as("refreshed once before expiry").hasValue(2);
        assertThat(misses).as("no request waited for the database").isZero();
        assertThat(clock.instant()).as("before the 10-minute expiry").isBefore(clock.start.plus(Duration.ofMinutes(10)));
    }

    @Test
    void jitterSpreadsExpiries() {
        VersionedDatabase database = new VersionedDatabase();
        CacheAside c = instance(database, b -> b.ttlJitter(0.2).earlyRefreshBeta(0));
        Set<Long> ttls = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            String sql = sql("jitter" + i);
            c.query(sql, Duration.ofHours(1)).block();
            Duration reported = serverTtl(c.keyFor(sql));
            if (reported == null) {
                continue;
            }
            assertThat(reported).as("server TTL within the jitter band")
                    .isBetween(Duration.ofMinutes(48).minusSeconds(5), Duration.ofHours(1));
            ttls.add(reported.toSeconds() / 30);
        }
        if (serverTtl(c.keyFor(keys.iterator().next())) != null) {
            assertThat(ttls.size()).as("distinct TTLs (30 s buckets) over 20 keys").isGreaterThan(5);
        }
    }

    @Test
    void aLeaseWhoseHolderDiedExpiresAndAWaiterTakesOver() {
        VersionedDatabase database = new VersionedDatabase();
        CacheAside c = instance(database, b -> b.leaseTtl(Duration.ofSeconds(1)).leaseWait(Duration.ofSeconds(10)));
        String sql = sql("dead-holder");
        CacheStore deadHolder = newStore();
        try {
            CacheLookup taken = deadHolder.getOrLease(c.keyFor(sql), Duration.ofSeconds(1)).block();
            assertThat(taken.kind()).isEqualTo(CacheLookup.Kind.LEASE_WON);
        } finally {
            deadHolder.close();
        }
        QueryResult r = c.query(sql).block(Duration.ofSeconds(15));
        assertThat(r.source()).isEqualTo(Source.CACHE_MISS);
        assertThat(c.stats().leaseWaitTimeouts()).as("took the lease over rather than timing out").isZero();
        assertThat(c.query(sql).block().source()).as("and filled the cache").isEqualTo(Source.CACHE_HIT);
    }

    @Test
    void invalidationDuringALoadOnAnotherInstanceRefusesTheFill() {
        VersionedDatabase database = new VersionedDatabase();
        GatedDatabase gated = new GatedDatabase(database);
        CacheAside reader = instance(gated, b -> { });
        CacheAside writer = instance(database, b -> { });
        String sql = sql("stale-set");
        CompletableFuture<QueryResult> read = reader.query(sql).subscribeOn(Schedulers.parallel()).toFuture();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (database.executions.get() < 1 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        database.version.incrementAndGet();
        writer.invalidate(sql).block();
        gated.release();
        assertThat(read.join().rows().get(0, 0)).isEqualTo(0L);
        QueryResult next = writer.query(sql).block();
        assertThat(next.source()).as("the old read was not cached").isEqualTo(Source.CACHE_MISS);
        assertThat(next.rows().get(0, 0)).isEqualTo(1L);
    }
}
