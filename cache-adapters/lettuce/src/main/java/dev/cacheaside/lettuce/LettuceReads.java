package dev.cacheaside.lettuce;

import dev.cacheaside.spi.CacheLookup;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import reactor.core.publisher.Mono;

/**
 * The reads of a {@link LettuceCacheStore}: a plain bounded read first, a script only for what a
 * plain read cannot settle. {@code GETRANGE key 0 max} returns at most {@code max + 1} bytes
 * ({@code max} is {@link LettuceStoreOptions#maxValueBytes()}), so a value that fits comes back
 * whole with no script on the server, and junk never comes back in full. Everything else (nothing
 * there, a lease marker, a value longer than the limit, a key of another type) is handed to the
 * store's scripts, which decide it atomically on the server, within what is left of the command
 * timeout. Thread safe.
 */
final class LettuceReads {

    /** What a read of a key of another type stands for: not an entry. */
    private static final byte[] FOREIGN = new byte[0];

    private final LettuceStoreOptions options;
    private final LettuceLeases leases;
    private final byte[] maxValueBytes;
    private final long timeoutNanos;

    LettuceReads(LettuceStoreOptions options, LettuceLeases leases) {
        this.options = options;
        this.leases = leases;
        this.maxValueBytes = LettuceScripts.ascii(options.maxValueBytes());
        this.timeoutNanos = options.commandTimeout().toNanos();
    }

    /**
     * The value of {@code key}: a value that fits is returned; a marker or nothing is absent;
     * junk is deleted by {@link LettuceScripts#GET_SCRIPT} and absent. Sends when called.
     */
    Mono<byte[]> get(RedisClusterAsyncCommands<String, byte[]> c, String key) {
        long start = System.nanoTime();
        return plainRead(c, key).flatMap(value -> {
            if (fits(value)) {
                return value.length == 0 || LettuceLeases.isMarker(value) ? Mono.empty() : Mono.just(value);
            }
            byte[][] args = {maxValueBytes};
            return withinRest(start, key, Mono.fromCompletionStage(() -> LettuceScripts.evalValue(c,
                    LettuceScripts.GET_SHA, LettuceScripts.GET_SCRIPT, key, args)))
                    .filter(v -> !LettuceLeases.isMarker(v));
        });
    }

    /**
     * A lease read of {@code key}: a value that fits (not a marker) is a hit at once; anything else
     * goes to {@link LettuceLeases#take}, which reads again and takes, waits on or heals the lease
     * in one script. Sends when called.
     */
    Mono<CacheLookup> lookup(RedisClusterAsyncCommands<String, byte[]> c, String key, long leaseMillis) {
        long start = System.nanoTime();
        return plainRead(c, key).flatMap(value -> fits(value) && value.length > 0 && !LettuceLeases.isMarker(value)
                ? Mono.just(CacheLookup.hit(value))
                : withinRest(start, key, leases.take(c, key, leaseMillis)));
    }

    /** {@code GETRANGE key 0 max}: {@link #FOREIGN} for a key of another type, empty bytes for nothing. */
    private Mono<byte[]> plainRead(RedisClusterAsyncCommands<String, byte[]> c, String key) {
        return Mono.fromCompletionStage(c.getrange(key, 0, options.maxValueBytes()))
                .onErrorResume(LettuceReads::wrongType, e -> Mono.just(FOREIGN));
    }

    /** Whether {@code value} is what a plain read settles: not longer than the limit, not another type. */
    private boolean fits(byte[] value) {
        return value != FOREIGN && value.length <= options.maxValueBytes();
    }

    private static boolean wrongType(Throwable e) {
        return e instanceof RedisCommandExecutionException && e.getMessage() != null
                && e.getMessage().startsWith("WRONGTYPE");
    }

    /**
     * {@code read} bounded by what is left of the command timeout since {@code startNanos}, so that
     * the plain read and the script together end within it.
     */
    private <T> Mono<T> withinRest(long startNanos, String key, Mono<T> read) {
        long left = timeoutNanos - (System.nanoTime() - startNanos);
        Mono<T> late = Mono.error(() -> new RedisCommandTimeoutException("the read of " + key
                + " did not complete within the command timeout of " + options.commandTimeout()));
        return left <= 0 ? late : read.timeout(Duration.ofNanos(left), late);
    }
}
