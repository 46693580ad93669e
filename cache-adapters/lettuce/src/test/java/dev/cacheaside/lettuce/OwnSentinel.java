package dev.cacheaside.lettuce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.env.Settings;
import dev.cacheaside.testing.TestServers;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A primary and one Sentinel watching it, throwaway {@code redis-server} processes on free
 * ports, for tests that configure a store through Sentinel; never the shared servers.
 */
final class OwnSentinel implements AutoCloseable {

    static final String MASTER = "cacheaside-it";

    final int primaryPort;
    final int sentinelPort;
    private final Process primary;
    private final Process sentinel;

    private OwnSentinel(int primaryPort, Process primary, int sentinelPort, Process sentinel) {
        this.primaryPort = primaryPort;
        this.primary = primary;
        this.sentinelPort = sentinelPort;
        this.sentinel = sentinel;
    }

    /** Starts both and waits (bounded) until they answer; skips or fails (servers required) without {@code redis-server}. */
    static OwnSentinel start() throws IOException {
        File dir = Files.createTempDirectory("sentinel-it-").toFile();
        dir.deleteOnExit();
        File log = new File(dir, "processes.log");
        int primaryPort = RedisTestSupport.freePort();
        Process primary = RedisTestSupport.startRedisServer(primaryPort, log);
        if (primary == null) {
            TestServers.unavailable("redis-server is not on the PATH; this test starts its own primary and Sentinel");
        }
        int sentinelPort = RedisTestSupport.freePort();
        File config = new File(dir, "sentinel.conf");
        Files.writeString(config.toPath(), "port " + sentinelPort + "\n"
                + "bind 127.0.0.1\n"
                + "sentinel monitor " + MASTER + " 127.0.0.1 " + primaryPort + " 1\n"
                + "sentinel down-after-milliseconds " + MASTER + " 5000\n", StandardCharsets.UTF_8);
        Process sentinel = new ProcessBuilder("redis-server", config.getAbsolutePath(), "--sentinel")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
        OwnSentinel own = new OwnSentinel(primaryPort, primary, sentinelPort, sentinel);
        assertThat(RedisTestSupport.waitFor(Duration.ofSeconds(10), () -> TestServers.reachable("127.0.0.1", primaryPort)
                && TestServers.reachable("127.0.0.1", sentinelPort)))
                .as("own primary and Sentinel answer (log %s)", log).isTrue();
        return own;
    }

    /** The primary's {@code host:port}. */
    String primaryAddress() {
        return "127.0.0.1:" + primaryPort;
    }

    /** A store configured through the provider's Sentinel variables, with {@code timeout} per command. */
    LettuceCacheStore store(Duration timeout) {
        return (LettuceCacheStore) new LettuceCacheStoreProvider().create("redis", Settings.of(Map.of(
                "CACHE_SENTINEL_MASTER", MASTER,
                "CACHE_NODES", "127.0.0.1:" + sentinelPort,
                "CACHE_TIMEOUT", timeout.toMillis() + "ms")));
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : new Process[] {sentinel, primary}) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
