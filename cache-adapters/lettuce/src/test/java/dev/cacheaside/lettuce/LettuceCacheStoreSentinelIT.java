package dev.cacheaside.lettuce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.env.Settings;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.testkit.CacheStoreContract;
import dev.cacheaside.testing.TestServers;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The store contract through Redis Sentinel: this test starts its own primary and one Sentinel
 * watching it (throwaway {@code redis-server} processes on free ports), and configures the store
 * through the provider's variables {@code CACHE_SENTINEL_MASTER} and {@code CACHE_NODES}.
 */
class LettuceCacheStoreSentinelIT extends CacheStoreContract {

    private static final String MASTER = "cacheaside-it";
    private static Process primary;
    private static Process sentinel;
    private static int sentinelPort;
    private static int primaryPort;

    @BeforeAll
    static void startPrimaryAndSentinel() throws IOException {
        File dir = Files.createTempDirectory("sentinel-it-").toFile();
        dir.deleteOnExit();
        File log = new File(dir, "processes.log");
        primaryPort = RedisTestSupport.freePort();
        primary = RedisTestSupport.startRedisServer(primaryPort, log);
        if (primary == null) {
            TestServers.unavailable("redis-server is not on the PATH; this test starts its own primary and Sentinel");
        }
        sentinelPort = RedisTestSupport.freePort();
        File config = new File(dir, "sentinel.conf");
        Files.writeString(config.toPath(), "port " + sentinelPort + "\n"
                + "bind 127.0.0.1\n"
                + "sentinel monitor " + MASTER + " 127.0.0.1 " + primaryPort + " 1\n"
                + "sentinel down-after-milliseconds " + MASTER + " 5000\n", StandardCharsets.UTF_8);
        sentinel = new ProcessBuilder("redis-server", config.getAbsolutePath(), "--sentinel")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
        assertThat(RedisTestSupport.waitFor(Duration.ofSeconds(10), () -> TestServers.reachable("127.0.0.1", primaryPort)
                && TestServers.reachable("127.0.0.1", sentinelPort)))
                .as("own primary and Sentinel answer (log %s)", log).isTrue();
    }

    @AfterAll
    static void stopProcesses() throws InterruptedException {
        for (Process p : new Process[] {sentinel, primary}) {
            if (p != null) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Override
    protected CacheStore createStore() {
        return new LettuceCacheStoreProvider().create("redis", Settings.of(Map.of(
                "CACHE_SENTINEL_MASTER", MASTER,
                "CACHE_NODES", "127.0.0.1:" + sentinelPort,
                "CACHE_TIMEOUT", "2s")));
    }

    @Override
    protected boolean makeLeaseEternal(String key) {
        try (RedisTestSupport.Admin admin = new RedisTestSupport.Admin("127.0.0.1:" + primaryPort)) {
            return admin.sync().persist(key);
        }
    }

    @Override
    protected boolean writeRaw(String key, byte[] value) {
        try (RedisTestSupport.Admin admin = new RedisTestSupport.Admin("127.0.0.1:" + primaryPort)) {
            return "OK".equals(admin.sync().set(key, new String(value, StandardCharsets.ISO_8859_1)));
        }
    }

    @Override
    protected Duration tagTtl(String tag) {
        try (RedisTestSupport.Admin admin = new RedisTestSupport.Admin("127.0.0.1:" + primaryPort)) {
            long pttl = admin.sync().pttl(tag);
            return pttl == -2 ? null : RedisTestSupport.ttlOf(tag, pttl);
        }
    }

    @Test
    void theStoreTalksToThePrimaryNamedByTheSentinel() {
        CacheStore store = store();
        assertThat(((LettuceCacheStore) store).options().topology()).isEqualTo(LettuceStoreOptions.Topology.SENTINEL);
        await(store.set(key("via-sentinel"), bytes("v"), Duration.ofMinutes(1)), "set through Sentinel");
        assertThat(await(store.get(key("via-sentinel")), "get")).isEqualTo(bytes("v"));
    }
}
