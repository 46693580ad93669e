package dev.cacheaside.memcached;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.testing.TestServers;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/**
 * A memcached process of this test's own, on a free port (the shared servers are never touched),
 * killed while in use and started again on the same port: operations fail within the timeout
 * while it is gone and succeed again by themselves once it is back.
 */
class MemcachedKillIT {

    private static final Duration TIMEOUT = Duration.ofMillis(300);
    /** Scheduling beyond the timeout on a busy machine (CI runs this class under stress-ng too). */
    private static final Duration MARGIN = Duration.ofMillis(500);

    private int port;
    private Process memcached;
    private MemcachedCacheStore store;

    @BeforeEach
    void start() throws Exception {
        String binary = findMemcached();
        if (binary == null) {
            TestServers.unavailable("the memcached binary is not installed (run scripts/services.sh)");
        }
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        memcached = startMemcached(binary, port);
    }

    @AfterEach
    void stop() {
        if (store != null) {
            store.closeAsync().block(Duration.ofSeconds(10));
        }
        if (memcached != null) {
            memcached.destroyForcibly();
        }
    }

    @Test
    void operationsFailWhileTheServerIsGoneAndRecoverByThemselves() throws Exception {
        store = MemcachedCacheStore.create(MemcachedStoreOptions.builder()
                .server("127.0.0.1", port)
                .timeout(TIMEOUT)
                .reconnectDelay(Duration.ofMillis(50))
                .maxReconnectDelay(Duration.ofMillis(400))
                .build());
        // the first operation also opens the connection, which on a busy machine can take longer
        // than one operation's timeout: poll (bounded) until the store answers
        boolean connected = poll(Duration.ofSeconds(10), () -> {
            try {
                store.set("k", bytes("before"), Duration.ofMinutes(1)).block(Duration.ofSeconds(2));
                return true;
            } catch (RuntimeException e) {
                return false;
            }
        });
        assertThat(connected).as("the store answers its own memcached").isTrue();
        assertThat(store.get("k").block(Duration.ofSeconds(5))).as("value before the kill").isEqualTo(bytes("before"));

        memcached.destroyForcibly();
        assertThat(memcached.waitFor(10, TimeUnit.SECONDS)).as("memcached killed").isTrue();

        for (int i = 0; i < 5; i++) {
            Duration took = StepVerifier.create(store.get("k")).as("get " + i + " while the server is gone")
                    .expectError()
                    .verify(Duration.ofSeconds(5));
            assertThat(took).as("time to fail while the server is gone (timeout %s)", TIMEOUT)
                    .isLessThanOrEqualTo(TIMEOUT.plus(MARGIN));
        }

        memcached = startMemcached(findMemcached(), port);
        // the store reconnects by itself: poll (bounded) until operations succeed again
        boolean recovered = poll(Duration.ofSeconds(10), () -> {
            try {
                store.set("k", bytes("after"), Duration.ofMinutes(1)).block(Duration.ofSeconds(2));
                return "after".equals(new String(store.get("k").block(Duration.ofSeconds(2)), StandardCharsets.UTF_8));
            } catch (RuntimeException e) {
                return false;
            }
        });
        assertThat(recovered).as("operations succeed again after the server came back").isTrue();
        for (int i = 0; i < 20; i++) {
            assertThat(store.get("k").block(Duration.ofSeconds(2))).as("get %d after recovery", i).isEqualTo(bytes("after"));
        }
    }

    private static Process startMemcached(String binary, int port) throws IOException {
        Process p = new ProcessBuilder(List.of(binary, "-l", "127.0.0.1", "-p", Integer.toString(port), "-U", "0",
                "-m", "16", "-u", "nobody"))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        boolean up = poll(Duration.ofSeconds(10), () -> TestServers.reachable("127.0.0.1", port));
        assertThat(up).as("own memcached listening on port %d", port).isTrue();
        return p;
    }

    private static String findMemcached() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            File f = new File(dir, "memcached");
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        File usr = new File("/usr/bin/memcached");
        return usr.canExecute() ? usr.getPath() : null;
    }

    private static boolean poll(Duration limit, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
        return condition.getAsBoolean();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
