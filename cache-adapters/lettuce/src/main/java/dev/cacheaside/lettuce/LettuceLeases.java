package dev.cacheaside.lettuce;

import dev.cacheaside.spi.CacheLookup;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Leases as {@link LettuceCacheStore} keeps them (see its class description, "Leases"): a marker
 * value in the key itself, {@link #LEASE_PREFIX} followed by the caller's random token, taken by
 * {@link LettuceScripts#GET_OR_LEASE_SCRIPT}; a lease the server may have granted after its
 * caller gave up is released at once. Thread safe.
 */
final class LettuceLeases {

    /** The bytes every lease marker starts with; the token follows them. */
    static final byte[] LEASE_PREFIX = {0x00, 'L', 'E', 'A', 'S', 'E'};

    private static final Logger LOG = LoggerFactory.getLogger(LettuceCacheStore.class);

    private final LettuceStoreOptions options;
    private final BooleanSupplier closed;

    /** @param closed whether the store is closed, when no late lease is released any more */
    LettuceLeases(LettuceStoreOptions options, BooleanSupplier closed) {
        this.options = options;
        this.closed = closed;
    }

    /**
     * Runs {@link LettuceScripts#GET_OR_LEASE_SCRIPT} when subscribed: a value is a hit, another
     * caller's marker a lease held, nil a lease won with a new token. When the caller gives up
     * before the reply has been handed to it (it cancels, the command times out, the connection
     * fails), the server may still have taken the lease for it, and nobody would fill it: the
     * lease is then released at once with a compare-and-delete on this caller's marker
     * ({@link LettuceScripts#RELEASE_SCRIPT}), sent on the same connection after the script, so
     * the server runs it afterwards and never removes another caller's lease or a value.
     */
    Mono<CacheLookup> take(RedisClusterAsyncCommands<String, byte[]> c, String key, long leaseMillis) {
        String token = newLeaseToken();
        byte[] marker = marker(token);
        byte[][] args = {LettuceScripts.ascii(options.maxValueBytes()), marker, LettuceScripts.ascii(leaseMillis),
                LEASE_PREFIX};
        return Mono.create(sink -> {
            // 0: waiting for the reply, 1: the reply was handed over, 2: the caller gave up
            AtomicInteger state = new AtomicInteger();
            sink.onCancel(() -> {
                if (state.compareAndSet(0, 2)) {
                    releaseLateLease(c, key, marker);
                }
            });
            LettuceScripts.evalValue(c, LettuceScripts.GET_OR_LEASE_SHA, LettuceScripts.GET_OR_LEASE_SCRIPT, key, args)
                    .whenComplete((current, error) -> {
                        if (error != null) {
                            if (state.compareAndSet(0, 2)) {
                                // a timeout or a lost connection: the script may have run on the server all the same
                                releaseLateLease(c, key, marker);
                                sink.error(error instanceof CompletionException && error.getCause() != null
                                        ? error.getCause() : error);
                            }
                            return;
                        }
                        if (state.compareAndSet(0, 1)) {
                            sink.success(current == null ? CacheLookup.leaseWon(token) : found(current));
                        }
                    });
        });
    }

    /** Deletes {@code key} if it still holds {@code marker}: a lease whose taker gave up. */
    private void releaseLateLease(RedisClusterAsyncCommands<String, byte[]> c, String key, byte[] marker) {
        if (closed.getAsBoolean()) {
            return;
        }
        String[] keys = {key};
        byte[][] args = {marker};
        try {
            // EVAL, not EVALSHA: a NOSCRIPT round trip could queue the release behind the late reply
            Mono.<Long>fromCompletionStage(c.eval(LettuceScripts.RELEASE_SCRIPT, ScriptOutputType.INTEGER, keys, args))
                    .subscribe(released -> LOG.debug("lease of {} taken after its caller gave up: {}", key,
                                    released == 1L ? "released" : "not taken"),
                            e -> LOG.debug("releasing the late lease of {} failed; it expires by itself: {}", key, e.toString()));
        } catch (RuntimeException e) {
            LOG.debug("releasing the late lease of {} failed; it expires by itself: {}", key, e.toString());
        }
    }

    /**
     * A new lease token: 128 bits from {@link ThreadLocalRandom}, written as a UUID. Tokens need
     * to be unique, not secret (a token only tells this lease from a later one on the same key),
     * and {@code UUID.randomUUID()} would read {@code SecureRandom}, which may block on an event
     * loop thread; {@code ThreadLocalRandom} never blocks.
     */
    private static String newLeaseToken() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return new UUID(random.nextLong(), random.nextLong()).toString();
    }

    private static CacheLookup found(byte[] value) {
        return isMarker(value) ? CacheLookup.leaseHeld() : CacheLookup.hit(value);
    }

    /** The marker of the lease with {@code token}: {@link #LEASE_PREFIX}, then the token in UTF-8. */
    static byte[] marker(String token) {
        byte[] tokenBytes = token.getBytes(StandardCharsets.UTF_8);
        byte[] marker = new byte[LEASE_PREFIX.length + tokenBytes.length];
        System.arraycopy(LEASE_PREFIX, 0, marker, 0, LEASE_PREFIX.length);
        System.arraycopy(tokenBytes, 0, marker, LEASE_PREFIX.length, tokenBytes.length);
        return marker;
    }

    /** Whether {@code value} starts with {@link #LEASE_PREFIX}: a lease, never a value. */
    static boolean isMarker(byte[] value) {
        if (value.length < LEASE_PREFIX.length) {
            return false;
        }
        for (int i = 0; i < LEASE_PREFIX.length; i++) {
            if (value[i] != LEASE_PREFIX[i]) {
                return false;
            }
        }
        return true;
    }
}
