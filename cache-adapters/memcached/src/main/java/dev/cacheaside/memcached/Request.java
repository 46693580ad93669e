package dev.cacheaside.memcached;

import io.vertx.core.buffer.Buffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One command on its way to a server and the callback its answer goes to.
 *
 * <p>A request completes at most once: with its response, with an error (timeout, connection
 * lost, closed), or silently when cancelled. A request that completed early (timed out,
 * cancelled) stays in its connection's queue so that its answer, when it comes, is consumed and
 * dropped and the answers behind it still meet their own requests.
 */
final class Request {

    /** Where the outcome of a request goes; called on the connection's event loop. */
    interface Callback {
        void onResponse(Response response);

        void onError(Throwable error);
    }

    final Buffer bytes;
    final long opaque;
    private final Callback callback;
    private final AtomicBoolean done = new AtomicBoolean();
    /** Called with an answer that came after the request was done (timed out or cancelled); may be null. */
    private volatile java.util.function.Consumer<Response> late;

    /** Confined to the connection's event loop. */
    long timerId = -1;
    /** Confined to the connection's event loop: when it was written, from {@link System#nanoTime()}. */
    long writtenAt;

    Request(Buffer bytes, long opaque, Callback callback) {
        this.bytes = bytes;
        this.opaque = opaque;
        this.callback = callback;
    }

    boolean isDone() {
        return done.get();
    }

    /**
     * What to do with an answer that arrives after this request timed out or was cancelled: a
     * command with a side effect on the server (a lease granted) may need undoing.
     */
    void onLateResponse(java.util.function.Consumer<Response> handler) {
        this.late = handler;
    }

    /** Delivers {@code response} unless the request is already done; then to the late handler. */
    void complete(Response response) {
        if (done.compareAndSet(false, true)) {
            callback.onResponse(response);
        } else {
            java.util.function.Consumer<Response> handler = late;
            if (handler != null) {
                handler.accept(response);
            }
        }
    }

    /** Delivers {@code error} unless the request is already done. */
    void fail(Throwable error) {
        if (done.compareAndSet(false, true)) {
            callback.onError(error);
        }
    }

    /** Marks the request done without delivering anything (the subscriber went away). */
    void cancel() {
        done.set(true);
    }
}
