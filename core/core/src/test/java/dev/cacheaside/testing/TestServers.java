package dev.cacheaside.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the servers integration tests talk to, and decides what a missing one means.
 *
 * <p>A server's address comes from the environment first ({@code TEST_<NAME>_HOST},
 * {@code TEST_<NAME>_PORT}, for example {@code TEST_REDIS_PORT}), then from the defaults of
 * this machine's layout. When nothing answers there and a Docker engine is available,
 * Testcontainers starts the server ({@link #require} then returns the container's address, and
 * {@link #host}/{@link #port} follow it). Otherwise a test either skips with a printed reason or,
 * when the system property {@code cacheaside.requireServers} is {@code true} (as CI sets it),
 * fails: in CI nothing is skipped.
 */
public final class TestServers {

    /** Servers started by Testcontainers in this JVM, by name: "host:port". */
    private static final Map<String, String> STARTED = new ConcurrentHashMap<>();

    private TestServers() {
    }

    /** Whether missing servers fail the test instead of skipping it. */
    public static boolean required() {
        return Boolean.parseBoolean(System.getProperty("cacheaside.requireServers", "false"))
                || Boolean.parseBoolean(System.getenv().getOrDefault("CACHEASIDE_REQUIRE_SERVERS", "false"));
    }

    /** The host of server {@code name} ({@code TEST_<NAME>_HOST}, default 127.0.0.1). */
    public static String host(String name) {
        String started = STARTED.get(name);
        if (started != null) {
            return started.substring(0, started.lastIndexOf(':'));
        }
        return System.getenv().getOrDefault("TEST_" + name + "_HOST", "127.0.0.1");
    }

    /** The port of server {@code name} ({@code TEST_<NAME>_PORT}, default {@code defaultPort}). */
    public static int port(String name, int defaultPort) {
        String started = STARTED.get(name);
        if (started != null) {
            return Integer.parseInt(started.substring(started.lastIndexOf(':') + 1));
        }
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
     * Makes sure server {@code name} answers: returns its {@code host:port} when it does (at its
     * configured address, or in a container Testcontainers started); otherwise skips the calling
     * test with a printed reason, or fails it when servers are {@linkplain #required() required}.
     */
    public static String require(String name, int defaultPort) {
        String host = host(name);
        int port = port(name, defaultPort);
        if (reachable(host, port)) {
            return host + ":" + port;
        }
        String container = Containers.start(name);
        if (container != null) {
            return container;
        }
        unavailable(name + " is not reachable at " + host + ":" + port
                + " (set TEST_" + name + "_HOST / TEST_" + name + "_PORT, run scripts/services.sh,"
                + " or run where Docker is available for Testcontainers)");
        return null;
    }

    /** Whether Testcontainers is on the class path and a Docker engine answers. */
    public static boolean dockerAvailable() {
        try {
            Class.forName("org.testcontainers.DockerClientFactory");
        } catch (ClassNotFoundException e) {
            return false;
        }
        return Docker.available();
    }

    /**
     * Starts server {@code name} in a container (where Docker is available), whatever answers at
     * its usual address, and returns its {@code host:port}; {@code null} without Docker.
     */
    public static String container(String name) {
        return dockerAvailable() ? Containers.start(name) : null;
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

    /** Testcontainers, touched only when it is on the class path and Docker answers. */
    private static final class Containers {

        static String start(String name) {
            try {
                Class.forName("org.testcontainers.DockerClientFactory");
            } catch (ClassNotFoundException e) {
                return null;
            }
            return Docker.start(name);
        }
    }

    /** The images and settings of each server; one container per name per JVM. */
    private static final class Docker {

        static boolean available() {
            return org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
        }

        static String start(String name) {
            if (!available()) {
                return null;
            }
            return STARTED.computeIfAbsent(name, n -> {
                org.testcontainers.containers.GenericContainer<?> c = container(n);
                if (c == null) {
                    return null;
                }
                c.start();
                return c.getHost() + ":" + c.getFirstMappedPort();
            });
        }

        @SuppressWarnings("resource")
        private static org.testcontainers.containers.GenericContainer<?> container(String name) {
            switch (name) {
                case "REDIS":
                    return generic("redis:7.4", 6379);
                case "VALKEY":
                    return generic("valkey/valkey:8.0", 6379);
                case "MEMCACHED":
                case "MEMCACHED2":
                    return generic("memcached:1.6", 11211);
                case "MARIADB":
                    return generic("mariadb:11.4", 3306)
                            .withEnv("MARIADB_ALLOW_EMPTY_ROOT_PASSWORD", "1")
                            .withEnv("MARIADB_DATABASE", "test");
                case "MYSQL":
                    return generic("mysql:8.4", 3306)
                            .withEnv("MYSQL_ALLOW_EMPTY_PASSWORD", "yes")
                            .withEnv("MYSQL_DATABASE", "test");
                case "POSTGRES":
                    return generic("postgres:15", 5432)
                            .withEnv("POSTGRES_HOST_AUTH_METHOD", "trust")
                            .withEnv("POSTGRES_DB", "test");
                default:
                    // a Redis Cluster needs announced addresses; run scripts/services.sh instead
                    return null;
            }
        }

        private static org.testcontainers.containers.GenericContainer<?> generic(String image, int port) {
            return new org.testcontainers.containers.GenericContainer<>(
                    org.testcontainers.utility.DockerImageName.parse(image))
                    .withExposedPorts(port)
                    .waitingFor(org.testcontainers.containers.wait.strategy.Wait.forListeningPort());
        }
    }
}
