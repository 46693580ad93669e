package dev.cacheaside.lettuce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.CacheAside;
import dev.cacheaside.CacheAsideOptions;
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
 * FLUSHALL and a server restart empty the near tier: on a {@code redis-server} of this test's
 * own (never the shared one), which it flushes, kills and starts again on the same port.
 */
class NearOwnServerIT {

    private final int port = RedisTestSupport.freePort();
    private final AtomicLong version = new AtomicLong(1);
    private Process server;
    private File log;
    private CacheAside cache;

    @AfterEach
    void stop() throws InterruptedException {
        if (cache != null) {
            cache.close();
        }
        if (server != null) {
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private void startServer() throws IOException {
        if (log == null) {
            log = File.createTempFile("near-own-redis", ".log");
        }
        server = RedisTestSupport.startRedisServer(port, log);
        if (server == null) {
            TestServers.unavailable("redis-server is not on the PATH; this test starts, flushes and kills its own");
        }
        assertThat(RedisTestSupport.waitFor(Duration.ofSeconds(10), () -> TestServers.reachable("127.0.0.1", port)))
                .as("own redis-server on port %d answers (log %s)", port, log).isTrue();
    }

    @Test
    void flushallAndARestartEmptyTheNearTierAndNoStaleValueIsServed() throws Exception {
        startServer();
        cache = CacheAside.builder()
                .database(new CountingQueryExecutor((sql, p) ->
                        Rows.of(List.of("version"), List.<Object[]>of(new Object[] {version.get()}))))
                .cache(LettuceCacheStore.create(LettuceStoreOptions.builder().standalone("127.0.0.1", port)
                        .commandTimeout(Duration.ofSeconds(2)).connectTimeout(Duration.ofSeconds(1))
                        .reconnectDelay(Duration.ofMillis(50), Duration.ofMillis(500)).build()))
                .options(CacheAsideOptions.builder().nearCache(true).earlyRefreshBeta(0).build())
                .build();
        String sql = "SELECT version FROM t /* own " + UUID.randomUUID() + " */";
        assertThat(RedisTestSupport.waitFor(Duration.ofSeconds(20), () -> NearTrackingContract.warm(cache, sql)))
                .as("near tier serving on the own server").isTrue();

        // FLUSHALL: the server pushes an invalidation of everything
        version.incrementAndGet();
        try (RedisTestSupport.Admin admin = new RedisTestSupport.Admin("127.0.0.1:" + port)) {
            admin.sync().flushall();
        }
        assertThat(RedisTestSupport.waitFor(NearTrackingContract.PROPAGATION, () -> NearTrackingContract.nearSize(cache) == 0))
                .as("FLUSHALL emptied the near tier").isTrue();
        assertThat(NearTrackingContract.versionOf(NearTrackingContract.get(cache, sql))).as("after FLUSHALL").isEqualTo(2);
        assertThat(NearTrackingContract.warm(cache, sql)).as("tracking goes on after FLUSHALL").isTrue();

        // restart: the server forgets everything, and so does the near tier
        server.destroyForcibly();
        assertThat(server.waitFor(10, TimeUnit.SECONDS)).as("own redis-server killed").isTrue();
        assertThat(RedisTestSupport.waitFor(NearTrackingContract.PROPAGATION, () -> NearTrackingContract.nearSize(cache) == 0))
                .as("the lost connection emptied the near tier").isTrue();
        version.incrementAndGet();
        assertThat(NearTrackingContract.versionOf(NearTrackingContract.get(cache, sql)))
                .as("while the server is down the database answers").isEqualTo(3);
        assertThat(NearTrackingContract.nearSize(cache)).as("nothing kept while tracking is down").isZero();
        startServer();
        assertThat(RedisTestSupport.waitFor(Duration.ofSeconds(30), () -> NearTrackingContract.tracking(cache)))
                .as("tracking back after the restart").isTrue();
        assertThat(NearTrackingContract.versionOf(NearTrackingContract.get(cache, sql))).as("after the restart").isEqualTo(3);
    }
}
