package dev.cacheaside.lettuce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.CacheAside;
import dev.cacheaside.CacheAsideOptions;
import dev.cacheaside.QueryResult;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.testing.CountingQueryExecutor;
import dev.cacheaside.testing.TestServers;
import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A server that stops answering without closing its connections ({@code kill -STOP} of a
 * {@code redis-server} of this test's own, never the shared one): the tracking connection's
 * heartbeat stops the near tier within two command timeouts, and after {@code kill -CONT} the
 * tier comes back and invalidations reach it again.
 */
class NearFreezeIT {

    /** The store's command timeout: the heartbeat's period and the time its PING may take. */
    private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(300);
    /**
     * Beyond the heartbeat's two command timeouts, what a loaded machine may take to run the
     * scheduled check and its timeout (both are timer tasks, late under CPU load).
     */
    private static final Duration SCHEDULING_ALLOWANCE = Duration.ofSeconds(2);

    private final int port = RedisTestSupport.freePort();
    private final AtomicLong version = new AtomicLong(1);
    private Process server;
    private boolean stopped;
    private CacheAside cache;

    @AfterEach
    void stop() throws Exception {
        if (server != null && stopped) {
            signal("CONT");
        }
        if (cache != null) {
            cache.close();
        }
        if (server != null) {
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(server.pid())).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0).as("kill -%s %d", name, server.pid()).isTrue();
        stopped = name.equals("STOP");
    }

    @Test
    void aFrozenServerStopsTheNearTierWithinTwoCommandTimeoutsAndItComesBackAfter() throws Exception {
        File log = File.createTempFile("near-freeze-redis", ".log");
        server = RedisTestSupport.startRedisServer(port, log);
        if (server == null) {
            TestServers.unavailable("redis-server is not on the PATH; this test starts, freezes and kills its own");
        }
        assertThat(RedisTestSupport.waitFor(Duration.ofSeconds(10), () -> TestServers.reachable("127.0.0.1", port)))
                .as("own redis-server on port %d answers (log %s)", port, log).isTrue();
        cache = CacheAside.builder()
                .database(new CountingQueryExecutor((sql, p) ->
                        Rows.of(List.of("version"), List.<Object[]>of(new Object[] {version.get()}))))
                .cache(LettuceCacheStore.create(LettuceStoreOptions.builder().standalone("127.0.0.1", port)
                        .commandTimeout(COMMAND_TIMEOUT).connectTimeout(Duration.ofSeconds(1))
                        .reconnectDelay(Duration.ofMillis(50), Duration.ofMillis(500)).build()))
                .options(CacheAsideOptions.builder().nearCache(true).earlyRefreshBeta(0).build())
                .build();
        String sql = "SELECT version FROM t /* freeze " + UUID.randomUUID() + " */";
        assertThat(RedisTestSupport.waitFor(Duration.ofSeconds(20), () -> NearTrackingContract.warmAndKept(cache, sql)))
                .as("near tier serving on the own server").isTrue();

        signal("STOP");
        long frozenAt = System.nanoTime();
        Duration bound = COMMAND_TIMEOUT.multipliedBy(2).plus(SCHEDULING_ALLOWANCE);
        long nearAfterBound = 0;
        long stoppedAfter = -1;
        // read until the near tier no longer answers; the reads after it wait for the frozen store's timeout
        while (System.nanoTime() - frozenAt < bound.plus(NearTrackingContract.PROPAGATION).toNanos()) {
            QueryResult r = cache.query(sql).block(Duration.ofSeconds(30));
            long since = System.nanoTime() - frozenAt;
            if (!r.fromNearTier()) {
                stoppedAfter = since;
                break;
            }
            if (since > bound.toNanos()) {
                nearAfterBound++;
            }
        }
        System.out.printf("NearFreezeIT: the near tier stopped serving %.1f ms after the server froze (bound %d ms)%n",
                stoppedAfter / 1e6, bound.toMillis());
        assertThat(nearAfterBound).as("near answers later than %s after the freeze", bound).isZero();
        assertThat(stoppedAfter).as("the near tier stopped serving while the server was frozen").isNotNegative();
        assertThat(NearTrackingContract.nearSize(cache)).as("nothing kept while the server is frozen").isZero();

        signal("CONT");
        assertThat(RedisTestSupport.waitFor(Duration.ofSeconds(30), () -> NearTrackingContract.tracking(cache)))
                .as("tracking back after the server answers again").isTrue();
        assertThat(NearTrackingContract.warmAndKept(cache, sql)).as("the entry kept near again").isTrue();
        // a change by another client: only the server's push can tell this instance
        long next = version.incrementAndGet();
        try (RedisTestSupport.Admin admin = new RedisTestSupport.Admin("127.0.0.1:" + port)) {
            assertThat(admin.sync().del(cache.keyFor(sql))).as("the key deleted by another client").isEqualTo(1);
        }
        assertThat(NearTrackingContract.untilServed(cache, sql, next, NearTrackingContract.PROPAGATION))
                .as("after the freeze, invalidations reach the near tier again").isNotNegative();
    }
}
