package dev.cacheaside.bench;

import dev.cacheaside.CacheAside;
import dev.cacheaside.CacheAsideOptions;
import dev.cacheaside.QueryResult;
import dev.cacheaside.bench.Results.Statement;
import dev.cacheaside.spi.QueryExecutor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The near hit against the library's remote hit and a raw Lettuce {@code GET}, on Redis, in the
 * same run and interleaved round by round like the floor cells: a hot key read through an
 * instance with the near tier on ({@code nearCache(true)}), through an instance without it, and
 * with a bare {@code GET} of the same key on a client of its own, at each floor concurrency.
 *
 * <p>A near hit completes on the caller's thread, so every user's first operation is sent from
 * {@link Schedulers#parallel()} (one thread per core): at concurrency 16 and 64 the near users
 * share the cores' threads, which is as much concurrency as work that never waits can have.
 * Every variant of the cell is started the same way. The keys are under a prefix of the run's
 * own, so no other client's writes invalidate them; near answers that were not near hits are
 * counted and reported as a note.
 */
final class NearCell {

    /** The store name of the cell's rows in {@link Results#floors}. */
    static final String STORE = "redis-near";
    static final String RAW = "raw GET";
    static final String REMOTE = "remote hit";
    static final String NEAR = "near hit";

    private NearCell() {
    }

    /**
     * Only this cell ({@code -Dbench.args=near}) and {@link MemcachedRevalidation}: prepares the
     * first database, then runs them.
     */
    static void runAlone(LoadDriver driver, LoadDriver.Plan plan, Results results, Progress progress) {
        String db = plan.databases().get(0);
        progress.note("preparing %s: database %s, airport sample at scale %d (loaded once, reused when present)",
                db, plan.database(), plan.scale());
        Servers.prepare(db, plan.database(), plan.scale(), line -> progress.note("  %s", line));
        progress.expect(3 * LoadDriver.floorConcurrency().length * (1 + plan.floorRounds()) + 3 * plan.floorRounds());
        Statement typical = SampleStatements.find(SampleStatements.picked(), "medium", 4);
        results.floorStatement = typical.name() + ": " + typical.label();
        run(driver, plan, results, db, typical);
        MemcachedRevalidation.run(plan, results, progress, db, typical);
    }

    static void run(LoadDriver driver, LoadDriver.Plan plan, Results results, String db, Statement st) {
        RedisClient raw = RedisClient.create(RedisURI.create("redis://" + Servers.address("redis")));
        CacheAsideOptions remoteOptions = CacheAsideOptions.builder().defaultTtl(Duration.ofHours(1))
                .keyPrefix("bench-near-" + UUID.randomUUID().toString().substring(0, 8) + ":").build();
        try (QueryExecutor executor = Servers.database(db, plan.database(), 4);
             StatefulRedisConnection<String, byte[]> connection =
                     raw.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
             CacheAside remote = CacheAside.builder().database(new CountingExecutor(executor))
                     .cache(Servers.cache("redis")).options(remoteOptions).build();
             CacheAside near = CacheAside.builder().database(new CountingExecutor(executor))
                     .cache(Servers.cache("redis")).options(remoteOptions.mutate().nearCache(true).build()).build()) {
            remote.refresh(st.sql()).block(Duration.ofMinutes(1));
            String key = remote.keyFor(st.sql());
            if (!nearServes(near, st.sql(), Duration.ofSeconds(30))) {
                throw new IllegalStateException("the near tier did not answer " + st.name()
                        + " within 30 s: is tracking (RESP3 CLIENT TRACKING) available on redis at " + Servers.address("redis") + "?");
            }
            RedisAsyncCommands<String, byte[]> commands = connection.async();
            LongAdder notNear = new LongAdder();
            Map<String, Supplier<Mono<?>>> variants = new LinkedHashMap<>();
            variants.put(RAW, () -> Mono.fromCompletionStage(commands.get(key)));
            variants.put(REMOTE, () -> remote.query(st.sql()));
            variants.put(NEAR, () -> near.query(st.sql()).doOnNext(r -> {
                if (!r.fromNearTier()) {
                    notNear.increment();
                }
            }));
            driver.floor(STORE, variants, Schedulers.parallel());
            for (Report.NearRatio n : Report.nearRatios(results)) {
                System.out.printf(java.util.Locale.ROOT, "near c=%-2d near/remote %.1fx, near/raw GET %.1fx, near p50 %.1f µs, p99 %.1f µs%n",
                        n.concurrency(), n.overRemote(), n.overRaw(), n.near().p50Micros(), n.near().p99Micros());
            }
            if (notNear.sum() > 0) {
                results.notes.add(String.format("near cell: %,d of the near variant's answers were not near hits "
                        + "(an invalidation pushed for the key, or tracking lost, during the run)", notNear.sum()));
            }
        } finally {
            raw.shutdown();
        }
    }

    /** Queries {@code sql} on {@code near} until the near tier answers it, within {@code bound}. */
    private static boolean nearServes(CacheAside near, String sql, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        do {
            QueryResult r = near.query(sql).block(Duration.ofSeconds(30));
            if (r != null && r.fromNearTier()) {
                return true;
            }
            // the instance's own tracking confirmation or a late push of the fill: ask again shortly
            Mono.delay(Duration.ofMillis(10)).block();
        } while (System.nanoTime() < deadline);
        return false;
    }
}
