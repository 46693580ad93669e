package dev.cacheaside.integration;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP proxy on a loopback port in front of a real server, with faults on demand: latency added
 * to every reply, connections refused (listener closed), connections accepted and dropped at
 * once, or accepted and never answered. A thread per direction per connection; test code only.
 *
 * <p>Thread safe: the test thread changes the mode while the load runs.
 */
final class FaultProxy implements AutoCloseable {

    /** What a new connection gets. */
    private enum Mode { FORWARD, DROP, BLACKHOLE }

    private final String targetHost;
    private final int targetPort;
    private final int port;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fault-proxy");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong replyLatencyNanos = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    /** The request text whose reply is to be held once, and for how long; null when none. */
    private final java.util.concurrent.atomic.AtomicReference<HeldReply> heldReply = new java.util.concurrent.atomic.AtomicReference<>();
    /** Set once the armed request has gone to the server: the next reply read is held this long. */
    private final AtomicLong holdNextReplyNanos = new AtomicLong(-1);
    private final AtomicLong repliesHeld = new AtomicLong();
    private volatile Mode mode = Mode.FORWARD;
    private volatile ServerSocket listener;

    private FaultProxy(String targetHost, int targetPort) {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.port = OwnServer.freePort();
    }

    /** A proxy to {@code hostPort} ({@code host:port}), forwarding. */
    static FaultProxy to(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        FaultProxy proxy = new FaultProxy(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
        proxy.listen();
        return proxy;
    }

    int port() {
        return port;
    }

    /** Connections accepted so far. */
    long accepted() {
        return accepted.get();
    }

    /** Adds {@code latency} before every reply from the server (zero removes it, also for replies already held). */
    void latency(Duration latency) {
        replyLatencyNanos.set(latency.toNanos());
    }

    /**
     * Holds the reply to the next request that contains {@code requestText} (ASCII) for
     * {@code hold}, once: the request reaches the server at once (so it runs there), its answer
     * comes back late. Meant for one connection with one request in flight at a time.
     */
    void holdReplyTo(String requestText, Duration hold) {
        heldReply.set(new HeldReply(requestText.getBytes(java.nio.charset.StandardCharsets.US_ASCII), hold.toNanos()));
    }

    /** How many replies {@link #holdReplyTo} has held so far. */
    long repliesHeld() {
        return repliesHeld.get();
    }

    private record HeldReply(byte[] request, long nanos) {
    }

    /** Forwards again, listening again if the listener was closed. */
    void forward() {
        mode = Mode.FORWARD;
        listen();
    }

    /** Closes the listener (new connections are refused) and cuts every open connection. */
    void refuse() {
        synchronized (this) {
            closeQuietly(listener);
            listener = null;
        }
        cutAll();
    }

    /** Accepts connections and closes them at once; cuts every open connection. */
    void drop() {
        mode = Mode.DROP;
        listen();
        cutAll();
    }

    /** Accepts connections and never answers on them (nor closes them); cuts every open connection. */
    void blackhole() {
        mode = Mode.BLACKHOLE;
        listen();
        cutAll();
    }

    private synchronized void listen() {
        if (listener != null) {
            return;
        }
        try {
            ServerSocket socket = new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            listener = socket;
            threads.execute(() -> accept(socket));
        } catch (IOException e) {
            throw new UncheckedIOException("proxy cannot listen on " + port, e);
        }
    }

    private void accept(ServerSocket socket) {
        while (!socket.isClosed()) {
            Socket client;
            try {
                client = socket.accept();
            } catch (IOException e) {
                return; // closed
            }
            accepted.incrementAndGet();
            switch (mode) {
                case DROP:
                    closeQuietly(client);
                    break;
                case BLACKHOLE:
                    sockets.add(client);
                    break;
                default:
                    threads.execute(() -> connect(client));
            }
        }
    }

    private void connect(Socket client) {
        sockets.add(client);
        Socket server = new Socket();
        sockets.add(server);
        try {
            server.setTcpNoDelay(true);
            client.setTcpNoDelay(true);
            server.connect(new InetSocketAddress(targetHost, targetPort), 2000);
        } catch (IOException e) {
            closeQuietly(client);
            closeQuietly(server);
            return;
        }
        threads.execute(() -> pump(client, server, false));
        threads.execute(() -> pump(server, client, true));
    }

    private void pump(Socket from, Socket to, boolean reply) {
        byte[] buffer = new byte[64 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (reply) {
                    long readAt = System.nanoTime();
                    long held = holdNextReplyNanos.getAndSet(-1);
                    if (held >= 0) {
                        repliesHeld.incrementAndGet();
                        holdFor(readAt, held);
                    }
                    hold(readAt);
                } else {
                    HeldReply armed = heldReply.get();
                    if (armed != null && contains(buffer, n, armed.request()) && heldReply.compareAndSet(armed, null)) {
                        holdNextReplyNanos.set(armed.nanos());
                    }
                }
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // cut, or the other side went away
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static boolean contains(byte[] buffer, int length, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (buffer[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static void holdFor(long readAt, long nanos) {
        for (;;) {
            long wait = readAt + nanos - System.nanoTime();
            if (wait <= 0) {
                return;
            }
            LockSupport.parkNanos(Math.min(wait, Duration.ofMillis(5).toNanos()));
        }
    }

    /** Holds a reply read at {@code readAt} until the current latency has passed since then. */
    private void hold(long readAt) {
        for (;;) {
            long wait = readAt + replyLatencyNanos.get() - System.nanoTime();
            if (wait <= 0) {
                return;
            }
            LockSupport.parkNanos(Math.min(wait, Duration.ofMillis(5).toNanos()));
        }
    }

    private void cutAll() {
        for (Socket s : sockets) {
            closeQuietly(s);
            sockets.remove(s);
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        refuse();
        threads.shutdownNow();
    }

    @Override
    public String toString() {
        return "FaultProxy[127.0.0.1:" + port + " -> " + targetHost + ":" + targetPort + ", " + mode + "]";
    }
}
