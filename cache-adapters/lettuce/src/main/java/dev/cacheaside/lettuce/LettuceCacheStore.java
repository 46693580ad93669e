package dev.cacheaside.lettuce;

import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.CompareAndSetStore;
import dev.cacheaside.spi.InvalidatingStore;
import dev.cacheaside.spi.SelfBoundedStore;
import dev.cacheaside.spi.TaggedStore;
import io.lettuce.core.SetArgs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import reactor.core.publisher.Mono;

/**
 * A {@link CacheStore} on Redis or Valkey through Lettuce: one server, Sentinel or Redis
 * Cluster ({@code CACHE_ENGINE=redis} or {@code valkey}). Requires Redis 7.0 or later, or any
 * Valkey.
 *
 * <h2>Commands</h2>
 * Values are stored as plain strings with a millisecond TTL ({@code SET key value PX ttl}), so
 * {@code redis-cli GET <key>} shows them. A read is first a plain {@code GETRANGE key 0 max}
 * ({@code max} is {@link LettuceStoreOptions#maxValueBytes()}), so at most {@code max + 1} bytes of
 * any value are ever sent; a value that fits is answered from it alone. A value longer than the
 * limit, or a key of another type, cannot be an entry: a Lua script ({@link LettuceScripts#GET_SCRIPT},
 * by SHA like the others) deletes it and the key reads as absent. Writes of longer values are
 * refused. {@link #delete} is one {@code GETDEL} (removing value and lease
 * together).
 *
 * <h2>Leases</h2>
 * A lease lives in the key itself, so it works in a cluster (one key, one slot): a marker value
 * made of the bytes {@code 0x00 'L' 'E' 'A' 'S' 'E'} and the caller's random token, taken by
 * {@link #getOrLease}'s script ({@link LettuceScripts#GET_OR_LEASE_SCRIPT}: read, and when nothing is there
 * {@code SET key marker PX leaseTtl}, atomically). The same script heals markers that would block
 * a key for good: one without expiry ({@code PERSIST}ed; {@code PTTL} -1) is taken over, one
 * expiring later than the caller's lease TTL is cut to it.
 * {@link #get} and {@link #getOrLease} treat a marker as no value. {@link #fill} runs a Lua
 * script (by SHA with {@code EVALSHA}, sent in full with {@code EVAL} when the server answers
 * {@code NOSCRIPT}) that stores the value only if the key still holds this caller's marker,
 * atomically on the server. A lease read whose caller gives up before the script's reply is
 * handed over (it cancels, the command times out, the connection fails) releases the lease the
 * server may have granted: a script deletes the key only while it holds this caller's marker.
 * A lease read whose plain read finds a value is a hit without a script; otherwise (nothing, a
 * marker, junk) the script decides. {@link #get} and {@link #getOrLease} end within the command
 * timeout as a whole, the plain read, the script and a wait for the connection included. A value that itself starts with the marker prefix cannot be stored:
 * {@link #set}, {@link #fill} and {@link #replace} reject it with {@link IllegalArgumentException}.
 *
 * <h2>Replace</h2>
 * {@link #replace} runs another Lua script the same way (by SHA, {@code EVAL} on
 * {@code NOSCRIPT}): it reads the key and, only when the value is byte for byte the expected
 * one, sets the new value with its {@code PX} TTL. Redis runs a script without interleaving any
 * other command, so a delete, set, fill or replace can come before or after it, never between
 * its read and its write; it touches one key, so it runs unchanged on a cluster. A lease marker
 * never matches: an expected value starting with the marker prefix is refused at once.
 *
 * <h2>Tags</h2>
 * A tag is a Redis set of keys. {@link #tag} sends, for every tag of the key and pipelined in one
 * round trip, {@code SADD tag key}, {@code PEXPIRE tag ttl NX} (a new set gets the TTL) and
 * {@code PEXPIRE tag ttl GT} (an existing one only ever gets longer). {@link #invalidateTag}
 * reads the members ({@code SMEMBERS}), removes each member's value or lease ({@code GETDEL},
 * per key, so in a cluster each goes to its own slot), takes exactly those members out of the
 * set ({@code SREM}, never {@code DEL}: a member added meanwhile stays), and deletes those keys
 * once more. The second pass closes a race: a key re-tagged between the first deletes and the
 * {@code SREM} is already a member, so its {@code SADD} changes nothing and the {@code SREM}
 * unregisters it; the second pass removes the lease it took, so its load cannot fill. A key
 * tagged after the {@code SREM} stays registered for the next invalidation. If a call fails
 * before its {@code SREM}, every key stays registered and a retry finds them. Before the
 * {@code SREM} the members are also added to the tag's pending set ({@code <tag>:pending}, as
 * long-lived as the tag), each with a token of the call, and the call takes out only its own
 * entries after its second pass; every invalidation reads both sets, so a call that ends between
 * the two passes (its process killed, a timeout) leaves the re-tagged key registered there for
 * every later one, even when another invalidation of the tag completes meanwhile. The tag key is one
 * key of its own slot; the members live anywhere in the cluster. Requires {@code PEXPIRE}'s
 * {@code NX}/{@code GT} options (Redis 7.0+, any Valkey). Like any key, a tag can be evicted
 * under a {@code maxmemory} policy other than {@code noeviction} or {@code volatile-*}, which
 * forgets its registrations.
 *
 * <h2>Connection and failures</h2>
 * The connection is opened lazily by the first operation, without blocking; concurrent first
 * operations share one attempt. A read ({@link #get}, {@link #getOrLease}) waits for an attempt
 * under way only within the command timeout and then fails with
 * {@code io.lettuce.core.RedisConnectionException} without sending anything; other operations
 * wait for the attempt (bounded by the connect timeout). When the attempt fails, operations in the next
 * {@link LettuceStoreOptions#reconnectDelayMin()} fail with the same error and the one after
 * starts a new attempt. Once connected, Lettuce reconnects in the background; meanwhile every
 * command is rejected at once (never queued), and every command that gets no answer fails after
 * {@link LettuceStoreOptions#commandTimeout()}. Errors are signalled as they come from Lettuce
 * ({@code io.lettuce.core.RedisException} and subclasses); messages never contain the password.
 *
 * <p>Every method is lazy (nothing is sent until subscription), never blocks the subscribing
 * thread, and is thread safe; results are signalled on a Lettuce I/O thread, so heavy work
 * downstream belongs on another scheduler. Arguments are checked when the method is called
 * ({@link NullPointerException}, {@link IllegalArgumentException}). After {@link #closeAsync()}
 * every operation signals {@link IllegalStateException}.
 */
public final class LettuceCacheStore implements TaggedStore, CompareAndSetStore, SelfBoundedStore, InvalidatingStore {

    /** The longest TTL sent to the server (100 years); longer ones are cut to it. */
    static final Duration MAX_TTL = Duration.ofDays(36_500);

    private final LettuceStoreOptions options;
    private final LettuceConnection connection;
    private final LettuceLeases leases;
    private final LettuceReads reads;
    private final LettuceTags tags;
    /** Closes the invalidation channels of a near tier, once {@link #listen} started them. */
    private volatile java.util.function.Supplier<java.util.concurrent.CompletableFuture<Void>> stopTracking;
    /** The invalidation channels themselves, for {@link #trackingState()}. */
    private volatile Object tracking;

    private LettuceCacheStore(LettuceStoreOptions options) {
        this.options = options;
        this.connection = new LettuceConnection(options);
        this.leases = new LettuceLeases(options, connection::isClosed);
        this.reads = new LettuceReads(options, leases);
        this.tags = new LettuceTags(connection, this::delete);
    }

    /**
     * A store for {@code options}. Creates the client and its threads but opens no connection:
     * the first operation does, so this never blocks and never fails for an unreachable server.
     */
    public static LettuceCacheStore create(LettuceStoreOptions options) {
        return new LettuceCacheStore(Objects.requireNonNull(options, "options"));
    }

    /** The options this store was made with. */
    public LettuceStoreOptions options() {
        return options;
    }

    /**
     * {@inheritDoc} A plain {@code GETRANGE} of at most {@link LettuceStoreOptions#maxValueBytes()}
     * + 1 bytes; a longer value, or a key of another type, is then deleted by a script
     * ({@link LettuceScripts#GET_SCRIPT}) and read as absent.
     */
    @Override
    public Mono<byte[]> get(String key) {
        Objects.requireNonNull(key, "key");
        return connection.read(key, c -> reads.get(c, key));
    }

    @Override
    public Mono<Void> set(String key, byte[] value, Duration ttl) {
        Objects.requireNonNull(key, "key");
        checkValue(value);
        long ttlMillis = positiveMillis(ttl, "ttl");
        return connection.commands()
                .flatMap(c -> Mono.fromCompletionStage(c.set(key, value, SetArgs.Builder.px(ttlMillis))))
                .then();
    }

    @Override
    public Mono<Boolean> delete(String key) {
        Objects.requireNonNull(key, "key");
        return connection.commands().flatMap(c -> Mono.fromCompletionStage(c.getdel(key)))
                .map(old -> !LettuceLeases.isMarker(old))
                .defaultIfEmpty(false);
    }

    /**
     * {@inheritDoc} A hit is a plain {@code GETRANGE} of at most
     * {@link LettuceStoreOptions#maxValueBytes()} + 1 bytes. Anything else goes on to one script
     * ({@link LettuceScripts#GET_OR_LEASE_SCRIPT}): junk over the limit is deleted and the lease
     * taken; a lease marker without expiry is taken over, one expiring later than
     * {@code leaseTtl} is cut to it.
     */
    @Override
    public Mono<CacheLookup> getOrLease(String key, Duration leaseTtl) {
        Objects.requireNonNull(key, "key");
        long leaseMillis = positiveMillis(leaseTtl, "leaseTtl");
        return connection.read(key, c -> reads.lookup(c, key, leaseMillis));
    }

    @Override
    public Mono<Boolean> fill(String key, String leaseToken, byte[] value, Duration ttl) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(leaseToken, "leaseToken");
        checkValue(value);
        long ttlMillis = positiveMillis(ttl, "ttl");
        byte[][] args = {LettuceLeases.marker(leaseToken), value,
                Long.toString(ttlMillis).getBytes(StandardCharsets.US_ASCII)};
        return script(LettuceScripts.FILL_SHA, LettuceScripts.FILL_SCRIPT, key, args);
    }

    /**
     * Replaces the value under {@code key} only if it is exactly {@code expected}, atomically on
     * the server (one Lua script; see the class description). A lease never matches.
     *
     * @throws IllegalArgumentException at the call when {@code value} starts with the lease
     *     marker prefix, or the TTL is not positive
     */
    @Override
    public Mono<Boolean> replace(String key, byte[] expected, byte[] value, Duration ttl) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(expected, "expected");
        checkValue(value);
        long ttlMillis = positiveMillis(ttl, "ttl");
        if (LettuceLeases.isMarker(expected)) {
            // no value starts with the marker, so only a lease could match: refuse without a round trip
            return connection.commands().thenReturn(Boolean.FALSE);
        }
        byte[][] args = {expected, value, Long.toString(ttlMillis).getBytes(StandardCharsets.US_ASCII)};
        return script(LettuceScripts.REPLACE_SHA, LettuceScripts.REPLACE_SCRIPT, key, args);
    }

    /** Runs a script on one key by its SHA, sending it in full when the server does not know it; true on 1. */
    private Mono<Boolean> script(String sha, String script, String key, byte[][] args) {
        return connection.commands().flatMap(c -> LettuceScripts.evalInteger(c, sha, script, key, args))
                .map(result -> result == 1L);
    }

    /** {@inheritDoc} Lettuce fails every command by itself after the command timeout ({@link LettuceStoreOptions#commandTimeout()}). */
    @Override
    public Duration operationTimeout() {
        return options.commandTimeout();
    }

    /**
     * Adds {@code key} to each tag's set and keeps each set at least {@code ttl}, every command
     * pipelined; see the class description. Completes once the server has answered them all.
     */
    @Override
    public Mono<Void> tag(Collection<String> tags, String key, Duration ttl) {
        Objects.requireNonNull(tags, "tags");
        Objects.requireNonNull(key, "key");
        long ttlMillis = positiveMillis(ttl, "ttl");
        return this.tags.tag(List.copyOf(tags), key, ttlMillis);
    }

    /**
     * Removes every member's value or lease, unregisters exactly those members, and removes
     * them once more; see the class description.
     *
     * @return how many members held a value (not a lease) that the first pass removed
     */
    @Override
    public Mono<Long> invalidateTag(String tag) {
        Objects.requireNonNull(tag, "tag");
        return tags.invalidate(tag);
    }

    /**
     * Closes the connection, then shuts the client and its threads down. Idempotent: every call
     * completes when that shutdown has. Afterwards every operation signals
     * {@link IllegalStateException}.
     */
    @Override
    public Mono<Void> closeAsync() {
        return Mono.defer(() -> {
            java.util.function.Supplier<java.util.concurrent.CompletableFuture<Void>> stop = stopTracking;
            return stop == null ? connection.close() : Mono.when(connection.close(), Mono.fromFuture(stop));
        });
    }

    /**
     * {@inheritDoc} A dedicated RESP3 connection with {@code CLIENT TRACKING ON BCAST PREFIX
     * keyPrefix} ({@link LettuceTracking}): to the server (standalone), to the primary the
     * Sentinels name, or on Redis Cluster one to each master, aggregated so that the near tier
     * serves only while every master of the current topology confirms tracking
     * ({@link LettuceClusterTracking}). Starts connecting at once, without blocking.
     *
     * @throws IllegalStateException when called twice
     */
    @Override
    public synchronized void listen(String keyPrefix, Listener listener) {
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        Objects.requireNonNull(listener, "listener");
        if (stopTracking != null) {
            throw new IllegalStateException("listen was already called on " + this);
        }
        if (options.topology() == LettuceStoreOptions.Topology.CLUSTER) {
            LettuceClusterTracking t = new LettuceClusterTracking(options, keyPrefix, listener);
            tracking = t;
            stopTracking = t::close;
        } else {
            LettuceTracking t = LettuceTracking.standaloneOrSentinel(options, keyPrefix, listener);
            tracking = t;
            stopTracking = t::close;
        }
    }

    /** What the invalidation channels are doing, for diagnostics (tests' failure messages). */
    String trackingState() {
        return String.valueOf(tracking);
    }

    @Override
    public String toString() {
        return "LettuceCacheStore[" + options + (connection.isClosed() ? ", closed" : "") + "]";
    }

    private void checkValue(byte[] value) {
        Objects.requireNonNull(value, "value");
        if (LettuceLeases.isMarker(value)) {
            throw new IllegalArgumentException("a value must not start with the lease marker bytes 0x00 'LEASE'");
        }
        if (value.length > options.maxValueBytes()) {
            // a read would delete it as junk: refuse it here, where the writer hears why
            throw new IllegalArgumentException("a value of " + value.length + " bytes is over maxValueBytes "
                    + options.maxValueBytes() + " (CACHE_MAX_ENTRY_BYTES)");
        }
    }

    /** Whole milliseconds, rounded up so that a sub-millisecond TTL still lasts one. */
    private static long positiveMillis(Duration ttl, String name) {
        Objects.requireNonNull(ttl, name);
        if (ttl.isZero() || ttl.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive, was " + ttl);
        }
        if (ttl.compareTo(MAX_TTL) > 0) {
            return MAX_TTL.toMillis();
        }
        long millis = ttl.toMillis();
        return ttl.minusMillis(millis).isZero() ? millis : millis + 1;
    }
}
