package dev.cacheaside.integration;

import dev.cacheaside.testing.TestServers;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A cache server process of the test's own (never a shared one), on a free loopback port, that
 * can be killed ({@code SIGKILL}, like a crash) and started again on the same port. Close it in
 * {@code @AfterEach}: {@link #close()} kills whatever is running.
 */
final class OwnServer implements AutoCloseable {

    private final String name;
    private final List<String> command;
    private final int port;
    private final File log;
    private Process process;

    private OwnServer(String name, List<String> command, int port) {
        this.name = name;
        this.command = command;
        this.port = port;
        try {
            this.log = File.createTempFile("cacheaside-" + name + "-", ".log");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.log.deleteOnExit();
    }

    /** A redis-server without persistence; skips (or fails in CI) when the binary is missing. */
    static OwnServer redis() {
        String binary = binary("redis-server");
        int port = freePort();
        return new OwnServer("redis", List.of(binary, "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no"), port);
    }

    /** A memcached without UDP, on loopback. */
    static OwnServer memcached() {
        String binary = binary("memcached");
        int port = freePort();
        List<String> command = new ArrayList<>(List.of(binary, "-p", String.valueOf(port), "-U", "0", "-l", "127.0.0.1"));
        if ("root".equals(System.getProperty("user.name"))) {
            command.addAll(List.of("-u", "nobody")); // memcached refuses to run as root otherwise
        }
        return new OwnServer("memcached", command, port);
    }

    int port() {
        return port;
    }

    /** Starts the process and waits (bounded) until its port accepts connections. */
    OwnServer start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is already running");
        }
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
        Poll.until(name + " accepting on port " + port + " (log " + log + ")", Duration.ofSeconds(10),
                () -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
                    }
                    return TestServers.reachable("127.0.0.1", port);
                });
        return this;
    }

    /** Kills the process with SIGKILL and waits until it is gone. */
    void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException(name + " did not die within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        kill();
    }

    private static String binary(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            File f = new File(dir, name);
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        for (String dir : List.of("/usr/bin", "/usr/local/bin", "/usr/sbin")) {
            File f = new File(dir, name);
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        TestServers.unavailable(name + " is not installed (run scripts/services.sh)");
        throw new IllegalStateException("unreachable");
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return name + " on 127.0.0.1:" + port;
    }
}
