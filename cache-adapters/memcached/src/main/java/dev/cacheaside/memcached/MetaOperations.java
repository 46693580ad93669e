package dev.cacheaside.memcached;

import dev.cacheaside.spi.CacheLookup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * The key operations of {@link MemcachedCacheStore} as meta commands: read, lease, fill, set,
 * delete and replace, each sent to the key's server through a {@link ServerRouter}. The
 * protocols (which command, which flags, what each answer means) are drawn in
 * {@code docs/design.md}, section "Memcached store".
 *
 * <p>Values are written with client flags {@link MetaCommands#VALUE_FLAGS}, so a read tells a
 * value from a lease placeholder (or another client's item) and never returns either. Thread
 * safe; every operation is lazy and never blocks. Logs under the name of
 * {@link MemcachedCacheStore}, the class users configure logging for.
 */
final class MetaOperations {

    private static final Logger LOG = LoggerFactory.getLogger(MemcachedCacheStore.class);

    /** What {@link #replace}'s read yields when the key holds no value equal to the expected one. */
    private static final Long NO_MATCH = -1L;

    private final ServerRouter router;
    private final MemcachedStoreOptions options;

    MetaOperations(ServerRouter router, MemcachedStoreOptions options) {
        this.router = router;
        this.options = options;
    }

    /** {@code mg <key> v f}: the value, empty on a miss, a lease placeholder or another client's item. */
    Mono<byte[]> get(String key) {
        return router.call(key, op -> MetaCommands.get(key, op), response -> {
            switch (response.status()) {
                case MISS:
                    return null;
                case VALUE:
                    return isValue(response) ? response.value() : null;
                default:
                    throw unexpected("mg", key, response);
            }
        });
    }

    /**
     * {@code ms <key> <size> T<ttl> F1}. A value over {@link MemcachedStoreOptions#maxValueSize()}
     * is not sent, and one the server refuses as too large is not cached: both complete without
     * error, logged as a warning naming the key and the size.
     */
    Mono<Void> set(String key, byte[] value, Duration ttl) {
        Objects.requireNonNull(value, "value");
        return Mono.defer(() -> {
            long exptime = Expirations.of(ttl, options.clock());
            if (value.length > options.maxValueSize()) {
                warnTooLarge(key, value.length, "the limit of " + options.maxValueSize() + " bytes");
                return router.checked(key).then();
            }
            return router.call(key, op -> MetaCommands.set(key, value, exptime, op), response -> {
                if (response.status() == Response.Status.HEADER) {
                    return Boolean.TRUE;
                }
                if (tooLarge(response)) {
                    warnTooLarge(key, value.length, "the server's item size limit");
                    return Boolean.FALSE;
                }
                throw unexpected("ms", key, response);
            }).then();
        });
    }

    /** {@code mg} then {@code md}, pipelined: {@code true} only when a value (not a lease) was removed. */
    Mono<Boolean> delete(String key) {
        // mg tells a value from a lease placeholder (a lease is not a value: false); md, pipelined
        // right behind it on the same connection, removes either
        return Mono.defer(() -> {
            if (router.isClosed()) {
                return ServerRouter.closedError();
            }
            return Mono.zip(
                    router.call(key, op -> MetaCommands.get(key, op), response -> {
                        if (response.status() == Response.Status.MISS) {
                            return Boolean.FALSE;
                        }
                        if (response.status() == Response.Status.VALUE) {
                            return isValue(response);
                        }
                        throw unexpected("mg", key, response);
                    }),
                    router.call(key, op -> MetaCommands.delete(key, op), response -> {
                        switch (response.status()) {
                            case HEADER:
                                return Boolean.TRUE;
                            case NOT_FOUND:
                                return Boolean.FALSE;
                            default:
                                throw unexpected("md", key, response);
                        }
                    }),
                    (wasValue, removed) -> wasValue && removed);
        });
    }

    /**
     * {@code mg <key> v c f t N<leaseTtl>}: a hit, or on a miss a placeholder whose creator alone
     * sees {@code W} (lease won, the placeholder's CAS as token) while others see {@code Z}
     * (held). Two things that would block the key for good are removed (only while their CAS is
     * unchanged) and reported as a held lease, so the next read wins one: an item that is neither
     * a value of this store nor a lease (another client's junk), and a lease placeholder without
     * expiry ({@code t-1}, as {@code mg <key> T0} leaves it) or expiring later than
     * {@code leaseTtl}. A lease granted to a caller that already gave up is released.
     */
    Mono<CacheLookup> getOrLease(String key, Duration leaseTtl) {
        return Mono.defer(() -> {
            long exptime = Expirations.of(leaseTtl, options.clock());
            long leaseSeconds = leaseTtl.getSeconds() + (leaseTtl.getNano() > 0 ? 1 : 0);
            return router.call(key, op -> MetaCommands.getOrLease(key, exptime, op), response -> {
                if (response.status() != Response.Status.VALUE) {
                    // EN despite N: the server could not create the placeholder (out of memory)
                    throw unexpected("mg N", key, response);
                }
                if (response.has('W')) {
                    String cas = response.token('c');
                    if (cas == null || cas.isEmpty()) {
                        throw unexpected("mg N", key, response);
                    }
                    return CacheLookup.leaseWon(cas);
                }
                if (!response.has('Z') && isValue(response)) {
                    return CacheLookup.hit(response.value());
                }
                if (!response.has('Z') || outlasts(response.token('t'), leaseSeconds)) {
                    return blocking(response);
                }
                return CacheLookup.leaseHeld();
            }, late -> releaseLateLease(key, late)).flatMap(found -> {
                if (found instanceof Long) {
                    LOG.warn("{} held an item that would block it (junk, or a lease without expiry or longer than {});"
                            + " removing it", key, leaseTtl);
                    return releaseLease(key, (Long) found).thenReturn(CacheLookup.leaseHeld());
                }
                return Mono.just((CacheLookup) found);
            });
        });
    }

    /** Whether a lease with {@code ttl} seconds left ({@code -1}: never expires) outlasts {@code leaseSeconds}. */
    private static boolean outlasts(String ttl, long leaseSeconds) {
        if (ttl == null) {
            return false;
        }
        try {
            long left = Long.parseLong(ttl);
            return left < 0 || left > leaseSeconds;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** The CAS of an item to remove, as a Long (which the caller tells from a lookup); held when it has none. */
    private static Object blocking(Response response) {
        try {
            return Long.valueOf(response.token('c'));
        } catch (NumberFormatException e) {
            return CacheLookup.leaseHeld();
        }
    }

    /**
     * A lease read whose caller gave up (timeout, cancel) before the answer came: if the server
     * granted the lease, nobody will fill it, so it is released at once rather than blocking the
     * key's callers until it expires.
     */
    private void releaseLateLease(String key, Response late) {
        if (late.status() != Response.Status.VALUE || !late.has('W')) {
            return;
        }
        String cas = late.token('c');
        if (cas == null || cas.isEmpty()) {
            return;
        }
        try {
            releaseLease(key, Long.parseLong(cas)).subscribe(null,
                    e -> LOG.debug("releasing the late lease of {} failed: {}", key, e.toString()));
        } catch (NumberFormatException e) {
            LOG.debug("late lease of {} has no numeric CAS", key);
        }
    }

    /**
     * {@code ms <key> <size> C<token> T<ttl> F1}: stored only over the lease's placeholder. A token
     * this store never hands out is {@code false}; a value that cannot be cached (too large)
     * releases the lease and is {@code false}.
     */
    Mono<Boolean> fill(String key, String leaseToken, byte[] value, Duration ttl) {
        Objects.requireNonNull(leaseToken, "leaseToken");
        Objects.requireNonNull(value, "value");
        return Mono.defer(() -> {
            long exptime = Expirations.of(ttl, options.clock());
            long cas = parseToken(leaseToken);
            if (cas < 0) {
                // not a token this store handed out: no lease can match it
                return router.checked(key).thenReturn(Boolean.FALSE);
            }
            if (value.length > options.maxValueSize()) {
                warnTooLarge(key, value.length, "the limit of " + options.maxValueSize() + " bytes");
                return releaseLease(key, cas).thenReturn(Boolean.FALSE);
            }
            return router.call(key, op -> MetaCommands.setIfCas(key, cas, value, exptime, op),
                    response -> casWritten(key, value.length, response, null)).switchIfEmpty(Mono.defer(() -> releaseLease(key, cas).thenReturn(Boolean.FALSE)));
        });
    }

    /**
     * {@code mg <key> v c f}, then, only when it read a value of this store equal to
     * {@code expected}, {@code ms <key> <size> C<cas> T<ttl> F1}: any write in between makes the
     * server refuse it ({@code EX} or {@code NF}), which is {@code false}.
     */
    Mono<Boolean> replace(String key, byte[] expected, byte[] value, Duration ttl) {
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(value, "value");
        return Mono.defer(() -> {
            long exptime = Expirations.of(ttl, options.clock());
            if (value.length > options.maxValueSize()) {
                warnTooLarge(key, value.length, "the limit of " + options.maxValueSize() + " bytes");
                return router.checked(key).thenReturn(Boolean.FALSE);
            }
            return router.call(key, op -> MetaCommands.getWithCas(key, op), response -> {
                switch (response.status()) {
                    case MISS:
                        return NO_MATCH;
                    case VALUE:
                        if (!isValue(response) || !Arrays.equals(response.value(), expected)) {
                            return NO_MATCH;
                        }
                        long cas = parseToken(response.token('c') == null ? "" : response.token('c'));
                        if (cas < 0) {
                            throw unexpected("mg c", key, response);
                        }
                        return cas;
                    default:
                        throw unexpected("mg c", key, response);
                }
            }).flatMap(cas -> cas < 0 ? Mono.just(Boolean.FALSE)
                    : router.call(key, op -> MetaCommands.setIfCas(key, cas, value, exptime, op),
                            response -> casWritten(key, value.length, response, Boolean.FALSE)));
        });
    }

    /**
     * Gives up a lease whose value cannot be cached, so that other callers do not wait for it:
     * deletes the placeholder only while it still has the lease's CAS.
     */
    private Mono<Boolean> releaseLease(String key, long cas) {
        return router.call(key, op -> MetaCommands.deleteIfCas(key, cas, op),
                response -> response.status() == Response.Status.HEADER);
    }

    private static boolean isValue(Response response) {
        return !response.has('W') && !response.has('Z') && MetaCommands.VALUE_FLAGS.equals(response.token('f'))
                && response.value() != null;
    }

    /**
     * What the server answered to {@code ms <key> <size> C<cas>}: stored ({@code true}), or not
     * because the CAS no longer matched or the key is gone ({@code false}); a value over the
     * server's item size limit is logged and answers {@code whenTooLarge}.
     */
    private static Boolean casWritten(String key, int valueLength, Response response, Boolean whenTooLarge) {
        switch (response.status()) {
            case HEADER:
                return Boolean.TRUE;
            case EXISTS:
            case NOT_FOUND:
            case NOT_STORED:
                return Boolean.FALSE;
            default:
                if (tooLarge(response)) {
                    warnTooLarge(key, valueLength, "the server's item size limit");
                    return whenTooLarge;
                }
                throw unexpected("ms C", key, response);
        }
    }

    private static boolean tooLarge(Response response) {
        return response.status() == Response.Status.SERVER_ERROR && response.message() != null
                && response.message().contains("too large");
    }

    private static void warnTooLarge(String key, int size, String limit) {
        LOG.warn("memcached: the value for key {} is {} bytes, over {}; it is not cached", key, size, limit);
    }

    /** {@code token} as a non-negative number, or {@code -1} when it is not one. */
    static long parseToken(String token) {
        if (token.isEmpty() || token.length() > 19) {
            return -1;
        }
        for (int i = 0; i < token.length(); i++) {
            if (token.charAt(i) < '0' || token.charAt(i) > '9') {
                return -1;
            }
        }
        try {
            return Long.parseLong(token);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The error for an answer that {@code command} should never get. */
    static UncheckedIOException unexpected(String command, String key, Response response) {
        return new UncheckedIOException(new IOException(
                "memcached answered " + command + " for key " + key + " with " + response));
    }
}
