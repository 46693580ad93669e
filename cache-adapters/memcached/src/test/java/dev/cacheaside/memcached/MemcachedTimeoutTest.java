package dev.cacheaside.memcached;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/**
 * Timeouts and pipelining against a scripted fake server on loopback (no memcached needed): the
 * fake answers a request only after the next one arrives, so the first one times out while its
 * answer is still to come.
 */
class MemcachedTimeoutTest {

    private ServerSocket server;
    private Thread serverThread;
    private final AtomicReference<Throwable> serverError = new AtomicReference<>();
    private MemcachedCacheStore store;

    @BeforeEach
    void startFake() throws IOException {
        server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void stop() throws Exception {
        if (store != null) {
            store.closeAsync().block(Duration.ofSeconds(10));
        }
        server.close();
        if (serverThread != null) {
            serverThread.join(10_000);
        }
        assertThat(serverError.get()).as("fake server error").isNull();
    }

    @Test
    void aTimedOutRequestsLateAnswerIsDroppedAndTheNextRequestGetsItsOwn() {
        serverThread = new Thread(() -> {
            try (Socket s = server.accept()) {
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = s.getOutputStream();
                String slow = in.readLine();   // mg slow v f O<a>
                String fast = in.readLine();   // arrives only after the slow one timed out
                out.write(("VA 4 f1 " + opaque(slow) + "\r\nslow\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(("VA 4 f1 " + opaque(fast) + "\r\nfast\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                in.readLine(); // wait for the client to close
            } catch (IOException e) {
                if (!server.isClosed()) {
                    serverError.set(e);
                }
            }
        }, "fake-memcached");
        serverThread.start();
        store = MemcachedCacheStore.create(MemcachedStoreOptions.builder()
                .server("127.0.0.1", server.getLocalPort()).timeout(Duration.ofMillis(200)).build());

        // the fake server answers nothing before the second request, which is sent only after the
        // first has failed: so only the store's own timeout (200 ms) can end the first; the bound
        // here is a deadline for a loaded machine, not a speed
        Duration took = StepVerifier.create(store.get("slow")).as("the slow request")
                .expectError(TimeoutException.class)
                .verify(Duration.ofSeconds(30));
        assertThat(took).as("not before the configured timeout").isGreaterThanOrEqualTo(Duration.ofMillis(200));
        StepVerifier.create(store.get("fast")).as("the request behind it")
                .expectNextMatches(v -> new String(v, StandardCharsets.US_ASCII).equals("fast"))
                .verifyComplete();
    }

    @Test
    void aServerThatSendsGarbageIsDisconnectedAndItsRequestsFail() {
        serverThread = new Thread(() -> {
            try (Socket s = server.accept()) {
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                in.readLine();
                s.getOutputStream().write("HELLO THERE\r\n".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                in.readLine(); // until the client closes
            } catch (IOException e) {
                // the client closing the connection is the expected end
            }
        }, "fake-memcached");
        serverThread.start();
        store = MemcachedCacheStore.create(MemcachedStoreOptions.builder()
                .server("127.0.0.1", server.getLocalPort()).timeout(Duration.ofSeconds(2))
                .reconnectDelay(Duration.ofSeconds(5)).maxReconnectDelay(Duration.ofSeconds(5)).build());
        StepVerifier.create(store.get("k")).as("request answered with garbage")
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(ConnectException.class)
                        .hasMessageContaining("unexpected response line"))
                .verify(Duration.ofSeconds(5));
        Duration took = StepVerifier.create(store.get("k")).as("request while the server is down")
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(ConnectException.class).hasMessageContaining("down"))
                .verify(Duration.ofSeconds(5));
        assertThat(took).as("a down server fails fast, well within the 2 s timeout").isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void nothingIsSentBeforeSubscription() throws Exception {
        store = MemcachedCacheStore.create(MemcachedStoreOptions.builder()
                .server("127.0.0.1", server.getLocalPort()).timeout(Duration.ofMillis(200)).build());
        store.get("k");
        store.set("k", new byte[1], Duration.ofSeconds(1));
        server.setSoTimeout(300);
        boolean connected;
        try (Socket s = server.accept()) {
            connected = true;
        } catch (java.net.SocketTimeoutException e) {
            connected = false;
        }
        assertThat(connected).as("a connection opened without any subscription").isFalse();
    }

    private static String opaque(String command) {
        for (String word : command.split(" ")) {
            if (word.startsWith("O")) {
                return word;
            }
        }
        throw new AssertionError("no opaque in " + command);
    }
}
