package dev.cacheaside.memcached;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.net.ConnectException;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one connection to one memcached server, with pipelining: requests are written as they
 * come, without waiting for earlier answers, and answers are matched to requests in order
 * (memcached answers the commands of one connection in the order it received them; the
 * {@code O} opaque token of each answer is checked against its request's).
 *
 * <h2>Timeouts</h2>
 * Each request has its own timer. When it fires, the request fails with a
 * {@link TimeoutException} but stays in the queue: its answer, when it comes, is read and
 * dropped, so the requests behind it are unaffected. When the oldest unanswered request has
 * waited {@code deadAfter} (eight timeouts, at least one second) the server is taken as hung:
 * the connection is closed, everything pending fails, and reconnection begins.
 *
 * <h2>Connection states</h2>
 * The first request connects (requests wait for that first connect, within their timeouts).
 * When the connection is lost or a connect fails, every pending request fails with a
 * {@link ConnectException} and the server is <em>down</em>: its requests fail at once, without
 * queueing, while reconnection is attempted after a delay that doubles from
 * {@code reconnectDelay} up to {@code maxReconnectDelay}. A successful reconnect makes the
 * server usable again by itself. At most {@code maxPendingRequests} requests wait for answers;
 * past that, requests fail at once with a {@link RejectedExecutionException}.
 *
 * <p>Thread safety: {@link #submit} and {@link #close} may be called from any thread; all state
 * is confined to one Vert.x event-loop context.
 */
final class ServerConnection {

    private static final Logger LOG = LoggerFactory.getLogger(ServerConnection.class);

    private enum State { IDLE, CONNECTING, CONNECTED, DOWN, RECONNECTING, CLOSED }

    final String name;
    private final String host;
    private final int port;
    private final Vertx vertx;
    private final Context context;
    private final NetClient client;
    private final long timeoutMillis;
    private final long deadAfterNanos;
    private final long reconnectDelayMillis;
    private final long maxReconnectDelayMillis;
    private final int maxPending;

    // confined to context
    private State state = State.IDLE;
    private NetSocket socket;
    private final ArrayDeque<Request> inFlight = new ArrayDeque<>();
    private final ArrayDeque<Request> waitingForConnect = new ArrayDeque<>();
    private long nextReconnectDelay;
    private long reconnectTimer = -1;
    private Promise<Void> closed;

    ServerConnection(String host, int port, Vertx vertx, NetClient client, MemcachedStoreOptions options) {
        this.host = host;
        this.port = port;
        this.name = host + ":" + port;
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
        this.client = client;
        this.timeoutMillis = Math.max(1, options.timeout().toMillis());
        this.deadAfterNanos = Math.max(options.timeout().toNanos() * 8, 1_000_000_000L);
        this.reconnectDelayMillis = Math.max(1, options.reconnectDelay().toMillis());
        this.maxReconnectDelayMillis = Math.max(reconnectDelayMillis, options.maxReconnectDelay().toMillis());
        this.maxPending = options.maxPendingRequests();
        this.nextReconnectDelay = reconnectDelayMillis;
    }

    /** Sends {@code request}; its callback is called on this connection's event loop. */
    void submit(Request request) {
        context.runOnContext(v -> doSubmit(request));
    }

    /** Closes the connection; pending requests fail with an {@link IllegalStateException}. */
    Future<Void> close() {
        Promise<Void> promise = Promise.promise();
        context.runOnContext(v -> doClose(promise));
        return promise.future();
    }

    private void doSubmit(Request request) {
        if (request.isDone()) {
            return;
        }
        switch (state) {
            case CLOSED:
                request.fail(new IllegalStateException("the memcached store is closed"));
                return;
            case DOWN:
            case RECONNECTING:
                request.fail(new ConnectException("memcached " + name + " is down; reconnecting"));
                return;
            case IDLE:
                connect(State.CONNECTING);
                // fall through: wait for the first connect
            case CONNECTING:
                if (waitingForConnect.size() >= maxPending) {
                    request.fail(new RejectedExecutionException("memcached " + name + ": " + maxPending
                            + " requests already wait for the connection"));
                    return;
                }
                armTimer(request);
                waitingForConnect.add(request);
                return;
            case CONNECTED:
            default:
                if (inFlight.size() >= maxPending) {
                    request.fail(new RejectedExecutionException("memcached " + name + ": " + maxPending
                            + " requests already wait for an answer"));
                    return;
                }
                armTimer(request);
                write(request);
        }
    }

    private void armTimer(Request request) {
        request.timerId = vertx.setTimer(timeoutMillis, id -> onTimeout(request));
    }

    private void onTimeout(Request request) {
        request.timerId = -1;
        request.fail(new TimeoutException("memcached " + name + " did not answer within " + timeoutMillis + " ms"));
        Request oldest = inFlight.peek();
        if (state == State.CONNECTED && oldest != null && System.nanoTime() - oldest.writtenAt > deadAfterNanos) {
            LOG.warn("memcached {} has not answered for {} ms: closing the connection", name,
                    (System.nanoTime() - oldest.writtenAt) / 1_000_000);
            lost(new ConnectException("memcached " + name + " stopped answering"));
        }
    }

    private void write(Request request) {
        request.writtenAt = System.nanoTime();
        inFlight.add(request);
        socket.write(request.bytes);
    }

    private void connect(State connecting) {
        state = connecting;
        client.connect(port, host).onComplete(ar -> {
            if (state == State.CLOSED) {
                if (ar.succeeded()) {
                    ar.result().close();
                }
                return;
            }
            if (ar.succeeded()) {
                connected(ar.result());
            } else {
                connectFailed(ar.cause());
            }
        });
    }

    private void connected(NetSocket s) {
        boolean wasDown = state == State.RECONNECTING;
        socket = s;
        state = State.CONNECTED;
        nextReconnectDelay = reconnectDelayMillis;
        ResponseParser parser = new ResponseParser(this::onResponse,
                e -> lost(new ConnectException("memcached " + name + ": " + e.getMessage())));
        s.handler(parser);
        s.exceptionHandler(e -> LOG.debug("memcached {} connection error", name, e));
        s.closeHandler(v -> {
            if (socket == s) {
                lost(new ConnectException("connection to memcached " + name + " lost"));
            }
        });
        if (wasDown) {
            LOG.info("memcached {} is back", name);
        }
        while (!waitingForConnect.isEmpty()) {
            Request r = waitingForConnect.poll();
            if (!r.isDone()) {
                write(r);
            }
        }
    }

    private void connectFailed(Throwable cause) {
        ConnectException error = new ConnectException("cannot connect to memcached " + name + ": " + cause.getMessage());
        if (state == State.CONNECTING) {
            LOG.warn("cannot connect to memcached {}: {}", name, cause.getMessage());
        } else {
            LOG.debug("reconnect to memcached {} failed: {}", name, cause.getMessage());
        }
        failAll(error);
        scheduleReconnect();
    }

    private void onResponse(Response response) {
        Request request = inFlight.poll();
        if (request == null) {
            lost(new ConnectException("memcached " + name + " sent an answer nobody asked for: " + response));
            return;
        }
        String opaque = response.token('O');
        if (opaque != null && !opaque.equals(Long.toString(request.opaque))) {
            request.fail(new IllegalStateException("memcached " + name + " answered out of order"));
            lost(new ConnectException("memcached " + name + " answered out of order (O" + opaque
                    + " for O" + request.opaque + ")"));
            return;
        }
        cancelTimer(request);
        request.complete(response);
    }

    /** The connection is gone: fail what is pending and reconnect later. */
    private void lost(Throwable error) {
        if (state != State.CONNECTED) {
            return;
        }
        LOG.warn("{}; reconnecting", error.getMessage());
        NetSocket s = socket;
        socket = null;
        failAll(error);
        scheduleReconnect();
        s.close();
    }

    private void scheduleReconnect() {
        state = State.DOWN;
        long delay = nextReconnectDelay;
        nextReconnectDelay = Math.min(maxReconnectDelayMillis, nextReconnectDelay * 2);
        reconnectTimer = vertx.setTimer(delay, id -> {
            reconnectTimer = -1;
            if (state == State.DOWN) {
                connect(State.RECONNECTING);
            }
        });
    }

    private void failAll(Throwable error) {
        Request r;
        while ((r = inFlight.poll()) != null) {
            cancelTimer(r);
            r.fail(error);
        }
        while ((r = waitingForConnect.poll()) != null) {
            cancelTimer(r);
            r.fail(error);
        }
    }

    private void cancelTimer(Request r) {
        if (r.timerId >= 0) {
            vertx.cancelTimer(r.timerId);
            r.timerId = -1;
        }
    }

    private void doClose(Promise<Void> promise) {
        if (closed != null) {
            closed.future().onComplete(promise);
            return;
        }
        closed = promise;
        state = State.CLOSED;
        if (reconnectTimer >= 0) {
            vertx.cancelTimer(reconnectTimer);
            reconnectTimer = -1;
        }
        failAll(new IllegalStateException("the memcached store is closed"));
        NetSocket s = socket;
        socket = null;
        if (s == null) {
            promise.complete();
        } else {
            s.close().onComplete(ar -> promise.complete());
        }
    }
}
