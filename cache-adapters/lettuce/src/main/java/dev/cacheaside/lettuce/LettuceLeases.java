package dev.cacheaside.lettuce;

import dev.cacheaside.spi.CacheLookup;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
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
    /** The script's size limit argument, the same for every call: written once. */
    private final byte[] maxValueBytes;
    /** The last lease TTL argument and its bytes (the engine passes the same TTL every time). */
    private volatile LeaseTtlArg lastLeaseTtl = new LeaseTtlArg(-1, new byte[0]);

    private record LeaseTtlArg(long millis, byte[] ascii) {
    }

    /** @param closed whether the store is closed, when no late lease is released any more */
    LettuceLeases(LettuceStoreOptions options, BooleanSupplier closed) {
        this.options = options;
        this.closed = closed;
        this.maxValueBytes = LettuceScripts.ascii(options.maxValueBytes());
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
        byte[] marker = newMarker();
        byte[][] args = {maxValueBytes, marker, leaseTtlArg(leaseMillis), LEASE_PREFIX};
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
                            sink.success(current == null ? CacheLookup.leaseWon(tokenOf(marker)) : found(current));
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

    /** The bytes of {@code leaseMillis} in ASCII, remembered for the next call with the same TTL. */
    private byte[] leaseTtlArg(long leaseMillis) {
        LeaseTtlArg last = lastLeaseTtl;
        if (last.millis() == leaseMillis) {
            return last.ascii();
        }
        byte[] ascii = LettuceScripts.ascii(leaseMillis);
        lastLeaseTtl = new LeaseTtlArg(leaseMillis, ascii);
        return ascii;
    }

    /**
     * A new lease marker, the prefix then its token: 128 bits from {@link ThreadLocalRandom},
     * written as a UUID. Tokens need to be unique, not secret (a token only tells this lease from a later one on the same key),
     * and {@code UUID.randomUUID()} would read {@code SecureRandom}, which may block on an event
     * loop thread; {@code ThreadLocalRandom} never blocks.
     *
     * <p>The token is written straight into the marker's array, in a UUID's text form
     * ({@code 8-4-4-4-12} lowercase hex): the same bytes as {@code marker(new UUID(msb, lsb).toString())},
     * without the UUID and its strings; {@link #tokenOf} reads it back when the lease is won.
     */
    static byte[] newMarker() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return marker(random.nextLong(), random.nextLong());
    }

    /** {@link #marker(String)} of {@code new UUID(msb, lsb).toString()}. */
    static byte[] marker(long msb, long lsb) {
        int p = LEASE_PREFIX.length;
        byte[] marker = new byte[p + 36];
        System.arraycopy(LEASE_PREFIX, 0, marker, 0, p);
        hex(marker, p, msb >>> 32, 8);
        marker[p + 8] = '-';
        hex(marker, p + 9, msb >>> 16, 4);
        marker[p + 13] = '-';
        hex(marker, p + 14, msb, 4);
        marker[p + 18] = '-';
        hex(marker, p + 19, lsb >>> 48, 4);
        marker[p + 23] = '-';
        hex(marker, p + 24, lsb, 12);
        return marker;
    }

    /** Writes the low {@code digits} hex digits of {@code value} at {@code at}, lowercase. */
    private static void hex(byte[] out, int at, long value, int digits) {
        for (int i = digits - 1; i >= 0; i--) {
            out[at + i] = (byte) Character.forDigit((int) (value & 0xF), 16);
            value >>>= 4;
        }
    }

    /** The token of a marker made here: the text after {@link #LEASE_PREFIX}. */
    static String tokenOf(byte[] marker) {
        return new String(marker, LEASE_PREFIX.length, marker.length - LEASE_PREFIX.length, StandardCharsets.US_ASCII);
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
