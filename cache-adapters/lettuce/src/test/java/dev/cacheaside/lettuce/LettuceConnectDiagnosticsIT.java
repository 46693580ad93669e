package dev.cacheaside.lettuce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.cacheaside.env.Settings;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.testing.TestServers;
import io.lettuce.core.RedisConnectionException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * What a connection attempt says when it fails, and which timeout bounds the handshake, against
 * the shared Redis (6379) and Valkey (6380).
 */
class LettuceConnectDiagnosticsIT {

    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger clientsLog = (Logger) LoggerFactory.getLogger(LettuceClients.class);

    @BeforeEach
    void captureLog() {
        logged.start();
        clientsLog.addAppender(logged);
    }

    @AfterEach
    void releaseLog() {
        clientsLog.detachAppender(logged);
    }

    @Test
    void aDatabaseTheRedisServerDoesNotHaveNamesCacheDatabaseAndTheServersCount() {
        databaseOutOfRange(TestServers.require("REDIS", 6379));
    }

    @Test
    void aDatabaseTheValkeyServerDoesNotHaveNamesCacheDatabaseAndTheServersCount() {
        databaseOutOfRange(TestServers.require("VALKEY", 6380));
    }

    private void databaseOutOfRange(String address) {
        int databases;
        try (RedisTestSupport.Admin admin = new RedisTestSupport.Admin(address)) {
            databases = Integer.parseInt(admin.sync().configGet("databases").get("databases"));
        }
        int database = databases + 83;
        CacheStore store = new LettuceCacheStoreProvider().create("redis", Settings.of(Map.of(
                "CACHE_HOST", LettuceNodes.host(address),
                "CACHE_PORT", Integer.toString(LettuceNodes.port(address)),
                "CACHE_DATABASE", Integer.toString(database))));
        try {
            for (int attempt = 0; attempt < 3; attempt++) {
                // a delete waits for the connection attempt's outcome (a read gives up after the
                // command timeout, which a busy machine can pass before the server has answered)
                Throwable error = catchThrowable(() -> store.delete("diag:" + UUID.randomUUID()).block(Duration.ofSeconds(20)));
                assertThat(error).as("attempt " + attempt).isInstanceOf(RedisConnectionException.class)
                        .hasMessageContaining("CACHE_DATABASE=" + database + " is out of range")
                        .hasMessageContaining("the server has " + databases + " databases (0 to " + (databases - 1) + ")")
                        .hasMessageContaining("DB index is out of range");
                // each attempt after the pause between attempts is a new connection attempt
                waitPast(LettuceStoreOptions.DEFAULT_RECONNECT_DELAY_MIN);
            }
            List<String> warnings = warnings();
            assertThat(warnings).as("the same reason is logged once").hasSize(1);
            assertThat(warnings.get(0)).contains("CACHE_DATABASE=" + database).contains(databases + " databases");
        } finally {
            store.close();
        }
    }

    @Test
    void aNegativeDatabaseIsRefusedWhenTheVariablesAreRead() {
        Throwable error = catchThrowable(() -> new LettuceCacheStoreProvider().create("redis",
                Settings.of(Map.of("CACHE_DATABASE", "-1"))));
        assertThat(error).isInstanceOf(dev.cacheaside.config.ConfigurationException.class)
                .hasMessageContaining("CACHE_DATABASE='-1' is out of range");
    }

    @Test
    void theHandshakeIsBoundedByTheConnectTimeoutNotTheCommandTimeout() throws Exception {
        String address = TestServers.require("REDIS", 6379);
        Duration commandTimeout = Duration.ofMillis(200);
        // every new connection's first answer (the handshake's) comes 4 command timeouts late
        Duration delay = commandTimeout.multipliedBy(4);
        try (SlowFirstAnswerProxy proxy = new SlowFirstAnswerProxy(address, delay)) {
            LettuceCacheStore store = LettuceCacheStore.create(LettuceStoreOptions.builder()
                    .standalone("127.0.0.1", proxy.port())
                    .commandTimeout(commandTimeout)
                    .connectTimeout(Duration.ofSeconds(10))
                    .build());
            try {
                String key = "diag:" + UUID.randomUUID();
                // a delete waits for the connection attempt (a read would give up after the command timeout)
                assertThat(store.delete(key).block(Duration.ofSeconds(20)))
                        .as("connected although the handshake took longer than the command timeout").isFalse();
                assertThat(store.get(key).blockOptional(Duration.ofSeconds(20)))
                        .as("connected although the handshake took longer than the command timeout").isEmpty();
                assertThat(warnings()).as("no failed attempt").isEmpty();
            } finally {
                store.close();
            }
            LettuceCacheStore tight = LettuceCacheStore.create(LettuceStoreOptions.builder()
                    .standalone("127.0.0.1", proxy.port())
                    .commandTimeout(Duration.ofSeconds(5))
                    .connectTimeout(commandTimeout)
                    .build());
            try {
                Throwable error = catchThrowable(() -> tight.get("diag:any").block(Duration.ofSeconds(20)));
                assertThat(error).as("a handshake slower than the connect timeout fails the attempt")
                        .isInstanceOf(RedisConnectionException.class).hasMessageContaining("timed out");
            } finally {
                tight.close();
            }
        }
    }

    private List<String> warnings() {
        return logged.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage)
                .collect(Collectors.toList());
    }

    private static void waitPast(Duration pause) {
        long deadline = System.nanoTime() + pause.toNanos() * 2;
        while (System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(deadline - System.nanoTime());
        }
    }

    /** A TCP proxy that holds back the first bytes the server sends on each connection by {@code delay}. */
    static final class SlowFirstAnswerProxy implements AutoCloseable {
        private final ServerSocket server;
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();
        private final Thread acceptor;

        SlowFirstAnswerProxy(String target, Duration delay) throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket client = server.accept();
                        Socket upstream = new Socket(LettuceNodes.host(target), LettuceNodes.port(target));
                        sockets.add(client);
                        sockets.add(upstream);
                        long start = System.nanoTime();
                        pump(client, upstream, 0L);
                        pump(upstream, client, start + delay.toNanos());
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "slow-proxy-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void pump(Socket from, Socket to, long holdUntil) {
            Thread t = new Thread(() -> {
                byte[] buffer = new byte[8192];
                boolean first = true;
                try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                    int n;
                    while ((n = in.read(buffer)) >= 0) {
                        if (first && holdUntil != 0L) {
                            long wait = holdUntil - System.nanoTime();
                            if (wait > 0) {
                                TimeUnit.NANOSECONDS.sleep(wait);
                            }
                        }
                        first = false;
                        out.write(buffer, 0, n);
                        out.flush();
                    }
                } catch (IOException | InterruptedException e) {
                    // connection closed
                } finally {
                    closeQuietly(from);
                    closeQuietly(to);
                }
            }, "slow-proxy-pump");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) {
                closeQuietly(s);
            }
        }

        private static void closeQuietly(Socket s) {
            try {
                s.close();
            } catch (IOException e) {
                // already closed
            }
        }
    }
}
