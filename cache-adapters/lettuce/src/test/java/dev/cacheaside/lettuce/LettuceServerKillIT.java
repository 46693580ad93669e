package dev.cacheaside.lettuce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.testing.TestServers;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * Kills a {@code redis-server} of this test's own (never the shared one) under a live store and
 * checks that operations fail fast, that Lettuce's threads do not spin, and that the store
 * recovers by itself when the server is back on the same port.
 */
class LettuceServerKillIT {

    private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(250);
    /** Slack on top of the command timeout for one failed operation, for a loaded machine. */
    private static final Duration MARGIN = Duration.ofMillis(750);

    private int port;
    private File log;
    private Process server;
    private LettuceCacheStore store;

    @BeforeEach
    void ownServer() throws IOException {
        port = RedisTestSupport.freePort();
        log = File.createTempFile("redis-kill-it-", ".log");
        log.deleteOnExit();
    }

    @AfterEach
    void stopOwnServer() throws InterruptedException {
        if (store != null) {
            store.closeAsync().block(Duration.ofSeconds(10));
        }
        if (server != null) {
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void failsFastWhileTheServerIsDownAndRecoversByItself() throws InterruptedException {
        startServer();
        store = LettuceCacheStore.create(options());
        byte[] value = "before the kill".getBytes(StandardCharsets.UTF_8);
        store.set("kill:k", value, Duration.ofMinutes(5)).block(Duration.ofSeconds(10));
        assertThat(store.get("kill:k").block(Duration.ofSeconds(10))).as("value before the kill").isEqualTo(value);

        server.destroyForcibly();
        assertThat(server.waitFor(10, TimeUnit.SECONDS)).as("own redis-server killed").isTrue();

        long cpuBefore = lettuceCpuNanos();
        long wallBefore = System.nanoTime();
        int attempts = 40;
        List<Duration> durations = new ArrayList<>();
        for (int i = 0; i < attempts; i++) {
            Outcome outcome = attempt(operation(i));
            durations.add(outcome.elapsed);
            assertThat(outcome.error).as("attempt %d (%s) while the server is down fails", i, operationName(i)).isNotNull();
            assertThat(outcome.elapsed).as("attempt %d (%s) fails within the command timeout plus %s", i, operationName(i), MARGIN)
                    .isLessThanOrEqualTo(COMMAND_TIMEOUT.plus(MARGIN));
            LockSupport.parkNanos(Duration.ofMillis(25).toNanos());
        }
        long cpu = lettuceCpuNanos() - cpuBefore;
        long wall = System.nanoTime() - wallBefore;
        assertThat(durations).as("attempts made while the server is down").hasSize(attempts);
        assertThat(lettuceThreads()).as("Lettuce threads found to measure").isPositive();
        System.out.printf("[kill] %d failed attempts, slowest %d ms; Lettuce CPU %d ms over %d ms%n", attempts,
                durations.stream().mapToLong(Duration::toMillis).max().orElse(0), cpu / 1_000_000, wall / 1_000_000);
        assertThat(cpu).as("CPU time of Lettuce's threads (%d ms) over %d ms with the server down: no busy loop",
                cpu / 1_000_000, wall / 1_000_000).isLessThan(wall / 4);

        startServer();
        boolean recovered = RedisTestSupport.waitFor(Duration.ofSeconds(30), () -> attempt(
                store.set("kill:k", value, Duration.ofMinutes(5)).then(store.get("kill:k"))).error == null);
        assertThat(recovered).as("operations succeed again within 30 s of the restart, without help").isTrue();
        for (int i = 0; i < 20; i++) {
            Outcome outcome = attempt(operation(i));
            assertThat(outcome.error).as("attempt %d (%s) after recovery", i, operationName(i)).isNull();
        }
    }

    @Test
    void failsFastWhenTheServerIsDownAtFirstUseAndConnectsWhenItComes() {
        store = LettuceCacheStore.create(options());
        for (int i = 0; i < 10; i++) {
            Outcome outcome = attempt(operation(i));
            assertThat(outcome.error).as("attempt %d with no server ever started", i).isNotNull();
            assertThat(outcome.elapsed).as("attempt %d fails within the connect timeout plus %s", i, MARGIN)
                    .isLessThanOrEqualTo(store.options().connectTimeout().plus(MARGIN));
            LockSupport.parkNanos(Duration.ofMillis(25).toNanos());
        }
        startServer();
        boolean connected = RedisTestSupport.waitFor(Duration.ofSeconds(30),
                () -> attempt(store.set("kill:late", new byte[] {1}, Duration.ofMinutes(1))).error == null);
        assertThat(connected).as("the store connects once the server is up").isTrue();
        assertThat(store.get("kill:late").block(Duration.ofSeconds(5))).as("value after the late start").containsExactly(1);
    }

    @Test
    void fillFallsBackToEvalWhenTheServerForgotTheScript() {
        startServer();
        store = LettuceCacheStore.create(options());
        CacheLookup first = store.getOrLease("script:a", Duration.ofSeconds(30)).block(Duration.ofSeconds(10));
        assertThat(store.fill("script:a", first.token(), new byte[] {1}, Duration.ofMinutes(1)).block(Duration.ofSeconds(10)))
                .as("first fill (script unknown to a fresh server)").isTrue();
        try (RedisTestSupport.Admin admin = new RedisTestSupport.Admin("127.0.0.1:" + port)) {
            assertThat(admin.sync().scriptExists(LettuceScripts.FILL_SHA)).as("script cached after the first fill").containsExactly(true);
            admin.sync().scriptFlush();
        }
        CacheLookup second = store.getOrLease("script:b", Duration.ofSeconds(30)).block(Duration.ofSeconds(10));
        assertThat(store.fill("script:b", second.token(), new byte[] {2}, Duration.ofMinutes(1)).block(Duration.ofSeconds(10)))
                .as("fill after SCRIPT FLUSH").isTrue();
        assertThat(store.get("script:b").block(Duration.ofSeconds(10))).as("value stored by the fallback EVAL").containsExactly(2);
    }

    @Test
    void replaceFallsBackToEvalWhenTheServerForgotTheScript() {
        startServer();
        store = LettuceCacheStore.create(options());
        store.set("script:r", new byte[] {1}, Duration.ofMinutes(1)).block(Duration.ofSeconds(10));
        assertThat(store.replace("script:r", new byte[] {1}, new byte[] {2}, Duration.ofMinutes(1)).block(Duration.ofSeconds(10)))
                .as("first replace (script unknown to a fresh server)").isTrue();
        try (RedisTestSupport.Admin admin = new RedisTestSupport.Admin("127.0.0.1:" + port)) {
            assertThat(admin.sync().scriptExists(LettuceScripts.REPLACE_SHA)).as("script cached after the first replace").containsExactly(true);
            admin.sync().scriptFlush();
        }
        assertThat(store.replace("script:r", new byte[] {2}, new byte[] {3}, Duration.ofMinutes(1)).block(Duration.ofSeconds(10)))
                .as("replace after SCRIPT FLUSH").isTrue();
        assertThat(store.get("script:r").block(Duration.ofSeconds(10))).as("value stored by the fallback EVAL").containsExactly(3);
    }

    private LettuceStoreOptions options() {
        return LettuceStoreOptions.builder()
                .standalone("127.0.0.1", port)
                .commandTimeout(COMMAND_TIMEOUT)
                .connectTimeout(Duration.ofSeconds(1))
                .reconnectDelay(Duration.ofMillis(50), Duration.ofMillis(500))
                .build();
    }

    private void startServer() {
        server = RedisTestSupport.startRedisServer(port, log);
        if (server == null) {
            TestServers.unavailable("redis-server is not on the PATH; this test starts and kills its own");
        }
        boolean up = RedisTestSupport.waitFor(Duration.ofSeconds(10), () -> TestServers.reachable("127.0.0.1", port));
        assertThat(up).as("own redis-server on port %d answers (log %s)", port, log).isTrue();
    }

    private Mono<?> operation(int i) {
        switch (i % 5) {
            case 0: return store.get("kill:k");
            case 1: return store.set("kill:k", new byte[] {(byte) i}, Duration.ofMinutes(1));
            case 2: return store.getOrLease("kill:lease" + i, Duration.ofSeconds(5));
            case 3: return store.fill("kill:lease", "token", new byte[] {1}, Duration.ofMinutes(1));
            default: return store.delete("kill:k");
        }
    }

    private static String operationName(int i) {
        return new String[] {"get", "set", "getOrLease", "fill", "delete"}[i % 5];
    }

    private static Outcome attempt(Mono<?> operation) {
        long start = System.nanoTime();
        Throwable error = null;
        try {
            operation.block(Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            error = e;
        }
        return new Outcome(error, Duration.ofNanos(System.nanoTime() - start));
    }

    /** Total CPU time of the live threads whose names start with {@code lettuce-}. */
    private static long lettuceCpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        if (!threads.isThreadCpuTimeSupported()) {
            TestServers.unavailable("this JVM cannot measure thread CPU time");
        }
        long total = 0;
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().startsWith("lettuce-")) {
                long cpu = threads.getThreadCpuTime(info.getThreadId());
                if (cpu > 0) {
                    total += cpu;
                }
            }
        }
        return total;
    }

    private static int lettuceThreads() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        int count = 0;
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().startsWith("lettuce-")) {
                count++;
            }
        }
        return count;
    }

    private static final class Outcome {
        final Throwable error;
        final Duration elapsed;

        Outcome(Throwable error, Duration elapsed) {
            this.error = error;
            this.elapsed = elapsed;
        }
    }

}
