package dev.cacheaside.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the servers integration tests talk to, and decides what a missing one means.
 *
 * <p>A server's address comes from the environment first ({@code TEST_<NAME>_HOST},
 * {@code TEST_<NAME>_PORT}, for example {@code TEST_REDIS_PORT}), then from the defaults of
 * this machine's layout. When nothing answers there, a test either skips with a printed reason
 * or, when the system property {@code cacheaside.requireServers} is {@code true} (as CI sets
 * it), fails: in CI nothing is skipped.
 */
public final class TestServers {

    private TestServers() {
    }

    /** Whether missing servers fail the test instead of skipping it. */
    public static boolean required() {
        return Boolean.parseBoolean(System.getProperty("cacheaside.requireServers", "false"))
                || Boolean.parseBoolean(System.getenv().getOrDefault("CACHEASIDE_REQUIRE_SERVERS", "false"));
    }

    /** The host of server {@code name} ({@code TEST_<NAME>_HOST}, default 127.0.0.1). */
    public static String host(String name) {
        return System.getenv().getOrDefault("TEST_" + name + "_HOST", "127.0.0.1");
    }

    /** The port of server {@code name} ({@code TEST_<NAME>_PORT}, default {@code defaultPort}). */
    public static int port(String name, int defaultPort) {
        String value = System.getenv("TEST_" + name + "_PORT");
        return value == null || value.isBlank() ? defaultPort : Integer.parseInt(value.trim());
    }

    /** Whether something accepts TCP connections at {@code host:port} within a second. */
    public static boolean reachable(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Makes sure server {@code name} answers at its address: returns normally when it does;
     * otherwise skips the calling test with a printed reason, or fails it when servers are
     * {@linkplain #required() required}.
     *
     * @return {@code host:port} of the server
     */
    public static String require(String name, int defaultPort) {
        String host = host(name);
        int port = port(name, defaultPort);
        if (!reachable(host, port)) {
            unavailable(name + " is not reachable at " + host + ":" + port
                    + " (set TEST_" + name + "_HOST / TEST_" + name + "_PORT, or run scripts/services.sh)");
        }
        return host + ":" + port;
    }

    /**
     * Reports a server that cannot be had: fails when servers are required, skips otherwise.
     * Never returns normally.
     */
    public static void unavailable(String reason) {
        if (required()) {
            Assertions.fail(reason + "; servers are required here (cacheaside.requireServers=true)");
        }
        System.out.println("[skipped] " + reason);
        Assumptions.abort(reason);
    }
}
