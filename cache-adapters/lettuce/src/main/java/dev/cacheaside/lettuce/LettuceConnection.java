package dev.cacheaside.lettuce;

import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The one connection of a {@link LettuceCacheStore} (see its class description, "Connection and
 * failures"): opened lazily by the first operation, without blocking, in one attempt that
 * concurrent operations share; after a failed attempt, operations fail with its error for
 * {@link LettuceStoreOptions#reconnectDelayMin()} and the next one starts a new attempt. A read
 * is bounded by the command timeout as a whole, a wait for the connection included. Once
 * {@link #close() closed}, every operation signals {@link IllegalStateException}. Thread safe.
 */
final class LettuceConnection {

    private final LettuceStoreOptions options;
    private final LettuceClients clients;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicReference<Attempt> attempt = new AtomicReference<>();
    private final Mono<Void> shutdown;

    /** Creates the client and its threads; opens no connection. */
    LettuceConnection(LettuceStoreOptions options) {
        this.options = options;
        this.clients = new LettuceClients(options);
        this.shutdown = Mono.defer(() -> Mono.fromFuture(clients.shutdown())).cache();
    }

    /** The commands of the connection, waiting for a connection attempt under way (bounded by its connect timeout). */
    Mono<RedisClusterAsyncCommands<String, byte[]>> commands() {
        return Mono.defer(() -> {
            if (closed.get()) {
                return Mono.error(new IllegalStateException("LettuceCacheStore is closed"));
            }
            CompletableFuture<LettuceClients.Connected> future = currentAttempt().future;
            if (future.isDone() && !future.isCompletedExceptionally()) {
                return Mono.just(future.join().commands);
            }
            return awaitConnection(future);
        });
    }

    /**
     * A read of {@code key} that ends within the command timeout as a whole: a connection attempt
     * under way is waited for only within it, and past it the read fails with
     * {@link RedisConnectionException} without sending anything (the attempt goes on for the next
     * operations); {@code command} then gets only what is left. With the connection ready, the
     * command's own timeout bounds it and no timer is added. Lazy: the time starts at
     * subscription.
     *
     * @param command sends the read on the commands it is given
     */
    <T> Mono<T> read(String key, Function<RedisClusterAsyncCommands<String, byte[]>, Mono<T>> command) {
        return Mono.defer(() -> {
            RedisClusterAsyncCommands<String, byte[]> ready = readyCommands();
            if (ready != null) {
                // connected (a hit's usual case): the command itself, with no operator around it
                return command.apply(ready);
            }
            long start = System.nanoTime();
            return readCommands(start).flatMap(c -> withinRead(start, key, command.apply(c)));
        });
    }

    /** The commands of the current connection when it is open and the store is not closed, else null. */
    private RedisClusterAsyncCommands<String, byte[]> readyCommands() {
        if (closed.get()) {
            return null;
        }
        CompletableFuture<LettuceClients.Connected> future = currentAttempt().future;
        return future.isDone() && !future.isCompletedExceptionally() ? future.join().commands : null;
    }

    /** Whether {@link #close()} was called. */
    boolean isClosed() {
        return closed.get();
    }

    /**
     * Marks the connection closed at once, and returns the shutdown of the client and its threads
     * (closing the connection), which runs once however often it is subscribed.
     */
    Mono<Void> close() {
        closed.set(true);
        return shutdown;
    }

    /**
     * The commands once {@code attempt} completes. Cancelling does not cancel the attempt (it is
     * shared), and an attempt that fails after its waiter gave up is not reported as an error
     * dropped by Reactor: the waiter sees the outcome as a value, then as a signal.
     */
    private static Mono<RedisClusterAsyncCommands<String, byte[]>> awaitConnection(
            CompletableFuture<LettuceClients.Connected> attempt) {
        return Mono.fromFuture(attempt.handle((connected, error) -> connected != null ? (Object) connected
                        : error instanceof CompletionException && error.getCause() != null ? error.getCause() : error), true)
                .flatMap(outcome -> outcome instanceof LettuceClients.Connected connected
                        ? Mono.just(connected.commands)
                        : Mono.error((Throwable) outcome));
    }

    /**
     * The commands for a read that began at {@code startNanos}: a connection attempt under way is
     * waited for only within the command timeout, so a read never waits for a connection longer
     * than that; past it the read fails with {@link RedisConnectionException} (nothing was sent)
     * and the engine answers from the database. The attempt goes on for the next operations.
     */
    private Mono<RedisClusterAsyncCommands<String, byte[]>> readCommands(long startNanos) {
        if (closed.get()) {
            return Mono.error(new IllegalStateException("LettuceCacheStore is closed"));
        }
        CompletableFuture<LettuceClients.Connected> future = currentAttempt().future;
        if (future.isDone() && !future.isCompletedExceptionally()) {
            return Mono.just(future.join().commands);
        }
        if (future.isDone()) {
            return awaitConnection(future);
        }
        Duration limit = options.commandTimeout();
        long left = limit.toNanos() - (System.nanoTime() - startNanos);
        // suppressCancel: the attempt is shared with every other operation and goes on
        return awaitConnection(future)
                .timeout(Duration.ofNanos(Math.max(1, left)), Mono.error(() -> new RedisConnectionException(
                        "not connected to the cache within the command timeout of " + limit
                        + "; the connection attempt goes on, the read is not sent")));
    }

    /**
     * Bounds a read that began at {@code startNanos} by the command timeout as a whole. With the
     * connection ready the command's own timeout does (no timer is added on the hit path); after a
     * wait for the connection the command gets only what is left.
     */
    private <T> Mono<T> withinRead(long startNanos, String key, Mono<T> read) {
        long limit = options.commandTimeout().toNanos();
        long waited = System.nanoTime() - startNanos;
        if (waited < 1_000_000L) {
            return read;
        }
        long left = limit - waited;
        Mono<T> late = Mono.error(() -> new RedisCommandTimeoutException("the read of " + key
                + " did not complete within the command timeout of " + options.commandTimeout()
                + ", the wait for the connection included"));
        return left <= 0 ? late : read.timeout(Duration.ofNanos(left), late);
    }

    /** The connection attempt to use: the current one unless it failed longer ago than the pause. */
    private Attempt currentAttempt() {
        long pause = options.reconnectDelayMin().toNanos();
        for (;;) {
            Attempt current = attempt.get();
            if (current != null && !current.future.isCompletedExceptionally()) {
                return current;
            }
            if (current != null && System.nanoTime() - current.failedAt < pause) {
                return current;
            }
            Attempt next = new Attempt();
            if (attempt.compareAndSet(current, next)) {
                start(next);
                return next;
            }
        }
    }

    private void start(Attempt next) {
        CompletableFuture<LettuceClients.Connected> connecting;
        try {
            connecting = clients.connect();
        } catch (RuntimeException e) {
            next.fail(e);
            return;
        }
        connecting.whenComplete((connected, error) -> {
            if (error != null) {
                next.fail(error instanceof CompletionException && error.getCause() != null ? error.getCause() : error);
            } else if (closed.get()) {
                connected.connection.closeAsync();
                next.fail(new IllegalStateException("LettuceCacheStore is closed"));
            } else {
                // completed off Lettuce's handshake callback: operations waiting for the attempt
                // then send their first commands once the connection has finished activating
                // (sent from inside the callback, a busy machine saw them rejected as "not connected")
                Schedulers.parallel().schedule(() -> next.future.complete(connected));
            }
        });
    }

    private static final class Attempt {
        final CompletableFuture<LettuceClients.Connected> future = new CompletableFuture<>();
        volatile long failedAt;

        void fail(Throwable error) {
            failedAt = System.nanoTime();
            future.completeExceptionally(error);
        }
    }
}
