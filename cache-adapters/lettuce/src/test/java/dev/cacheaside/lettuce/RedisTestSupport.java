package dev.cacheaside.lettuce;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Helpers shared by the Redis tests: options for a test server, an admin connection, waiting. */
final class RedisTestSupport {

    /** Generous for tests on a busy machine; the kill test sets its own, short one. */
    static final Duration TEST_COMMAND_TIMEOUT = Duration.ofSeconds(2);

    private RedisTestSupport() {
    }

    /** Options for the single server at {@code address} ({@code host:port}). */
    static LettuceStoreOptions.Builder standalone(String address) {
        return LettuceStoreOptions.builder()
                .standalone(LettuceNodes.host(address), LettuceNodes.port(address))
                .commandTimeout(TEST_COMMAND_TIMEOUT);
    }

    /** A plain Lettuce connection (String values) for inspecting and administering a server. */
    static final class Admin implements AutoCloseable {
        private final RedisClient client;
        private final StatefulRedisConnection<String, String> connection;

        Admin(String address) {
            client = RedisClient.create(RedisURI.Builder
                    .redis(LettuceNodes.host(address), LettuceNodes.port(address))
                    .withTimeout(Duration.ofSeconds(5)).build());
            connection = client.connect();
        }

        RedisCommands<String, String> sync() {
            return connection.sync();
        }

        @Override
        public void close() {
            connection.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /**
     * A server's {@code PTTL} answer for {@code key} as a duration; fails the test when the key
     * is missing ({@code -2}) or has no expiry ({@code -1}), which no store write may leave.
     */
    static Duration ttlOf(String key, long pttl) {
        if (pttl == -2) {
            throw new AssertionError("PTTL " + key + ": the key does not exist");
        }
        if (pttl == -1) {
            throw new AssertionError("PTTL " + key + ": the key has no expiry");
        }
        return Duration.ofMillis(pttl);
    }

    /** Polls {@code condition} every 20 ms until it holds or {@code bound} has passed. */
    static boolean waitFor(Duration bound, BooleanSupplier condition) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        return condition.getAsBoolean();
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }

    /**
     * Starts {@code redis-server} on {@code port} as a child process without persistence, or
     * returns {@code null} when the binary cannot be run.
     */
    static Process startRedisServer(int port, File log) {
        try {
            return new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log))
                    .start();
        } catch (IOException e) {
            return null;
        }
    }
}
