package dev.cacheaside.lettuce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.CacheAside;
import dev.cacheaside.CacheAsideOptions;
import dev.cacheaside.QueryResult;
import dev.cacheaside.internal.QueryEngine;
import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.spi.Statement;
import dev.cacheaside.testing.CountingQueryExecutor;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The near tier over a real server: two instances, each with its own {@link LettuceCacheStore}
 * (own tracking connection), one database whose version a writer bumps before it invalidates.
 * "Stale" here is an instance still answering an older version once the invalidation has
 * completed and the server's push has had {@link #PROPAGATION} to arrive.
 */
abstract class NearTrackingContract {

    /** How long a push may take to reach the other instance on a loaded machine before it counts as lost. */
    static final Duration PROPAGATION = Duration.ofSeconds(5);

    final AtomicLong version = new AtomicLong(1);
    final CountingQueryExecutor database = new CountingQueryExecutor((sql, p) ->
            Rows.of(List.of("version"), List.<Object[]>of(new Object[] {version.get()})));
    /** The database as the instances see it: reads from {@link #database}; a write bumps the version. */
    final QueryExecutor writable = new QueryExecutor() {
        @Override
        public Mono<Rows> execute(String sql, List<?> parameters) {
            return database.execute(sql, parameters);
        }

        @Override
        public Mono<Long> update(Statement statement) {
            return Mono.fromSupplier(() -> {
                version.incrementAndGet();
                return 1L;
            });
        }

        @Override
        public Mono<Void> closeAsync() {
            return Mono.empty();
        }
    };
    final List<CacheAside> instances = new ArrayList<>();
    final String prefix = "near-it:" + UUID.randomUUID().toString().substring(0, 8) + ":";

    /** The server's {@code host:port}: the one the store writes to, where the test's admin connects. */
    abstract String address();

    /** A new store of one instance, with its own tracking connection: to {@link #address()} by default. */
    LettuceCacheStore newStore() {
        return LettuceCacheStore.create(RedisTestSupport.standalone(address()).build());
    }

    /** How long a new instance may take until its near tier serves: 10 s by default. */
    Duration trackingBound() {
        return Duration.ofSeconds(10);
    }

    /** The rounds of a measurement or race: the property {@code name}, else {@code standard}. */
    int rounds(String name, int standard) {
        return Integer.getInteger(name, standard);
    }

    CacheAside instance() {
        LettuceCacheStore store = newStore();
        CacheAside c = CacheAside.builder().database(writable)
                .cache(store)
                .options(CacheAsideOptions.builder().keyPrefix(prefix).nearCache(true).earlyRefreshBeta(0)
                        .cacheTimeout(Duration.ofSeconds(2)).build())
                .build();
        c.connect(Duration.ofSeconds(30)).block(Duration.ofSeconds(35));
        instances.add(c);
        boolean confirmed = RedisTestSupport.waitFor(trackingBound(), () -> tracking(c));
        assertThat(confirmed).as("the tracking connection confirmed tracking within %s (%s; %s)", trackingBound(),
                store.trackingState(), c.stats()).isTrue();
        return c;
    }

    @AfterEach
    void closeInstances() {
        instances.forEach(CacheAside::close);
    }

    static QueryResult get(CacheAside c, String sql) {
        return c.query(sql).block(Duration.ofSeconds(30));
    }

    static long versionOf(QueryResult r) {
        return (Long) r.rows().get(0, 0);
    }

    /**
     * Queries {@code sql} on {@code c} until the near tier answers, within {@link #PROPAGATION}:
     * the pushes of the instance's own lease and fill may remove the placeholder or the entry of
     * the reads right after them, correctly, and on a loaded machine they may come late.
     */
    static boolean warm(CacheAside c, String sql) {
        long deadline = System.nanoTime() + PROPAGATION.toNanos();
        do {
            if (get(c, sql).fromNearTier()) {
                return true;
            }
        } while (System.nanoTime() < deadline);
        return false;
    }

    /** Warms {@code sql} on {@code c} until an entry is kept near and still there after the read that found it. */
    static boolean warmAndKept(CacheAside c, String sql) {
        return RedisTestSupport.waitFor(PROPAGATION, () -> warm(c, sql) && nearSize(c) > 0);
    }

    /** Whether {@code c}'s near tier serves: a fresh query is answered from it after warming. */
    static boolean tracking(CacheAside c) {
        return warm(c, "SELECT 1 /* probe " + UUID.randomUUID() + " */");
    }

    static long nearSize(CacheAside c) {
        try {
            Method m = CacheAside.class.getDeclaredMethod("engine");
            m.setAccessible(true);
            return ((QueryEngine) m.invoke(c)).nearSize();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads {@code sql} on {@code c} until it answers {@code expected}; the nanoseconds that took, or -1 past the bound. */
    static long untilServed(CacheAside c, String sql, long expected, Duration bound) {
        long start = System.nanoTime();
        long deadline = start + bound.toNanos();
        while (System.nanoTime() < deadline) {
            if (versionOf(get(c, sql)) == expected) {
                return System.nanoTime() - start;
            }
            Thread.onSpinWait();
        }
        return -1;
    }

    @Test
    void anInvalidationOnOneInstanceIsServedOnTheOtherAndItsDelayIsMeasured() {
        measurePropagation("invalidate", (b, sql) -> {
            version.incrementAndGet();
            return b.invalidate(sql);
        });
    }

    @Test
    void anUpdateOnOneInstanceIsServedOnTheOtherAndItsDelayIsMeasured() {
        // the write bumps the version; update invalidates every query over table t
        measurePropagation("update", (b, sql) -> b.update("UPDATE t SET version = version + 1"));
    }

    @Test
    void aTableInvalidationOnOneInstanceIsServedOnTheOtherAndItsDelayIsMeasured() {
        measurePropagation("invalidateTable", (b, sql) -> {
            version.incrementAndGet();
            return b.invalidateTable("t");
        });
    }

    /**
     * Over {@code near.propagation.rounds} rounds (1,000 by default): a query over table t warmed
     * near on instance a, then {@code change} on instance b (which makes the database's version
     * the next one), then the time until a serves the new version. Prints the delay's
     * percentiles (measured); asserts that no round lost the change (a still old after
     * {@link #PROPAGATION}).
     */
    private void measurePropagation(String what, java.util.function.BiFunction<CacheAside, String, Mono<?>> change) {
        CacheAside a = instance();
        CacheAside b = instance();
        int n = rounds("near.propagation.rounds", 1000);
        long[] nanos = new long[n];
        int lost = 0;
        for (int i = 0; i < n; i++) {
            String sql = "SELECT version FROM t /* propagation " + what + " " + i + " */";
            assertThat(warm(a, sql)).as("round %d: warm near on a", i).isTrue();
            long before = version.get();
            change.apply(b, sql).block(Duration.ofSeconds(10));
            long next = version.get();
            assertThat(next).as("round %d: %s made a new version", i, what).isEqualTo(before + 1);
            nanos[i] = untilServed(a, sql, next, PROPAGATION);
            if (nanos[i] < 0) {
                lost++;
            }
        }
        Arrays.sort(nanos);
        System.out.printf("%s: %s on b -> a serves the new version, %d rounds (measured):"
                        + " p50 %.3f ms, p99 %.3f ms, max %.3f ms%n", getClass().getSimpleName(), what, n,
                nanos[n / 2] / 1e6, nanos[(int) (n * 0.99)] / 1e6, nanos[n - 1] / 1e6);
        assertThat(lost).as("rounds where a still served the old version %s after b's %s", PROPAGATION, what).isZero();
        assertThat(a.stats().hits()).isPositive();
    }

    @Test
    void randomizedReadersAndAWriterOnTwoInstancesLeaveNoStaleNearEntry() {
        List<CacheAside> two = List.of(instance(), instance());
        Random random = new Random();
        int rounds = rounds("near.race.rounds", 1500);
        int stale = 0;
        int nearServed = 0;
        for (int round = 0; round < rounds; round++) {
            String sql = "SELECT version FROM t /* race " + round + " " + UUID.randomUUID() + " */";
            for (CacheAside c : two) {
                get(c, sql);
                get(c, sql);
            }
            List<Mono<?>> ops = new ArrayList<>();
            int readers = 1 + random.nextInt(4);
            for (int r = 0; r < readers; r++) {
                CacheAside c = two.get(random.nextInt(2));
                ops.add(Mono.delay(Duration.ofMillis(random.nextInt(2))).then(c.query(sql)));
            }
            CacheAside writer = two.get(random.nextInt(2));
            ops.add(Mono.delay(Duration.ofMillis(random.nextInt(3)))
                    .then(Mono.fromRunnable(version::incrementAndGet))
                    .then(writer.invalidate(sql)));
            Flux.merge(ops).then().block(Duration.ofSeconds(30));
            long current = version.get();
            for (CacheAside c : two) {
                if (untilServed(c, sql, current, PROPAGATION) < 0) {
                    stale++;
                }
                // the entry now kept near must be the current one
                QueryResult again = get(c, sql);
                if (again.fromNearTier()) {
                    nearServed++;
                }
                if (versionOf(again) != current) {
                    stale++;
                }
            }
        }
        System.out.printf("%s: %d of %d rounds served a stale value past %s; %d final reads from the near tier%n",
                getClass().getSimpleName(), stale, rounds, PROPAGATION, nearServed);
        assertThat(stale).as("stale answers").isZero();
        assertThat(nearServed).as("the near tier took part").isPositive();
    }

    @Test
    void killingTheTrackingConnectionEmptiesTheNearTierUntilTrackingIsBack() {
        CacheAside a = instance();
        CacheAside b = instance();
        String sql = "SELECT version FROM t /* kill " + UUID.randomUUID() + " */";
        // a late push of a's own fill may still drop the entry: warm until one is kept
        assertThat(warmAndKept(a, sql)).as("an entry kept in a's near tier").isTrue();
        try (RedisTestSupport.Admin admin = new RedisTestSupport.Admin(address())) {
            long killed = 0;
            for (String line : admin.sync().clientList().split("\n")) {
                if (line.contains(" name=" + LettuceTracking.CLIENT_NAME + " ") && line.startsWith("id=")) {
                    String id = line.substring(3, line.indexOf(' '));
                    killed += admin.sync().clientKill(io.lettuce.core.KillArgs.Builder.id(Long.parseLong(id)));
                }
            }
            assertThat(killed).as("tracking connections killed").isGreaterThanOrEqualTo(2);
        }
        assertThat(RedisTestSupport.waitFor(PROPAGATION, () -> nearSize(a) == 0))
                .as("a's near tier emptied once its tracking connection dropped").isTrue();
        // a change while a's tracking is down or coming back
        long next = version.incrementAndGet();
        b.invalidate(sql).block(Duration.ofSeconds(10));
        QueryResult after = get(a, sql);
        assertThat(versionOf(after)).as("no stale value served after the kill").isEqualTo(next);
        assertThat(RedisTestSupport.waitFor(Duration.ofSeconds(20), () -> tracking(a)))
                .as("tracking back after the reconnect").isTrue();
        assertThat(versionOf(get(a, sql))).isEqualTo(next);
        long last = version.incrementAndGet();
        b.invalidate(sql).block(Duration.ofSeconds(10));
        assertThat(untilServed(a, sql, last, PROPAGATION)).as("invalidations reach a again").isNotNegative();
    }
}
