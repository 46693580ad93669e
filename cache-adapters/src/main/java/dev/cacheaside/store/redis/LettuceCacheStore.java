package dev.cacheaside.store.redis;

import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CacheStore;
import io.lettuce.core.ExpireArgs;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A {@link CacheStore} on Redis or Valkey through Lettuce: one server, Sentinel or Redis
 * Cluster ({@code CACHE_ENGINE=redis} or {@code valkey}). Requires Redis 7.0 or later, or any
 * Valkey.
 *
 * <h2>Commands</h2>
 * Values are stored as plain strings with a millisecond TTL ({@code SET key value PX ttl}), so
 * {@code redis-cli GET <key>} shows them. A read is one Lua script ({@link #GET_SCRIPT}, by SHA
 * like the others) that checks the value's length first ({@code STRLEN}): a value longer than
 * {@link LettuceStoreOptions#maxValueBytes()}, or a key of another type, cannot be an entry, so
 * the script deletes it and reports the key absent; it is never sent over the network. Writes of
 * longer values are refused. {@link #delete} is one {@code GETDEL} (removing value and lease
 * together).
 *
 * <h2>Leases</h2>
 * A lease lives in the key itself, so it works in a cluster (one key, one slot): a marker value
 * made of the bytes {@code 0x00 'L' 'E' 'A' 'S' 'E'} and the caller's random token, taken by
 * {@link #getOrLease}'s script ({@link #GET_OR_LEASE_SCRIPT}: read, and when nothing is there
 * {@code SET key marker PX leaseTtl}, atomically). The same script heals markers that would block
 * a key for good: one without expiry ({@code PERSIST}ed; {@code PTTL} -1) is taken over, one
 * expiring later than the caller's lease TTL is cut to it.
 * {@link #get} and {@link #getOrLease} treat a marker as no value. {@link #fill} runs a Lua
 * script (by SHA with {@code EVALSHA}, sent in full with {@code EVAL} when the server answers
 * {@code NOSCRIPT}) that stores the value only if the key still holds this caller's marker,
 * atomically on the server. A lease read whose caller gives up before the script's reply is
 * handed over (it cancels, the command times out, the connection fails) releases the lease the
 * server may have granted: a script deletes the key only while it holds this caller's marker.
 * {@link #get} and {@link #getOrLease} send one script each and end within the command timeout, a
 * wait for the connection included. A value that itself starts with the marker prefix cannot be stored:
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
 * before its {@code SREM}, every key stays registered and a retry finds them. The tag key is one
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
public final class LettuceCacheStore implements CacheStore {

    /** The bytes every lease marker starts with; the token follows them. */
    static final byte[] LEASE_PREFIX = {0x00, 'L', 'E', 'A', 'S', 'E'};

    /** KEYS[1] the key; ARGV[1] the caller's marker, ARGV[2] the value, ARGV[3] the TTL in ms. */
    static final String FILL_SCRIPT =
            "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
            + "  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])\n"
            + "  return 1\n"
            + "end\n"
            + "return 0\n";
    static final String FILL_SHA = sha1(FILL_SCRIPT);

    /** KEYS[1] the key; ARGV[1] the expected value, ARGV[2] the new value, ARGV[3] the TTL in ms. */
    static final String REPLACE_SCRIPT =
            "local current = redis.call('GET', KEYS[1])\n"
            + "if current and current == ARGV[1] then\n"
            + "  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])\n"
            + "  return 1\n"
            + "end\n"
            + "return 0\n";
    static final String REPLACE_SHA = sha1(REPLACE_SCRIPT);

    /**
     * KEYS[1] the key; ARGV[1] the largest value to return. A longer value, or a key of another
     * type, is junk no writer of this store made: it is deleted on the server and reported absent,
     * so it is never sent (a 100 MB value would time out every read of its key, forever).
     */
    static final String GET_SCRIPT =
            "local n = redis.pcall('STRLEN', KEYS[1])\n"
            + "if type(n) ~= 'number' or n > tonumber(ARGV[1]) then\n"
            + "  redis.call('DEL', KEYS[1])\n"
            + "  return false\n"
            + "end\n"
            + "return redis.call('GET', KEYS[1])\n";
    static final String GET_SHA = sha1(GET_SCRIPT);

    /**
     * KEYS[1] the key; ARGV[1] the largest value to return, ARGV[2] the caller's new marker,
     * ARGV[3] the lease TTL in ms, ARGV[4] the marker prefix. Junk is removed as in
     * {@link #GET_SCRIPT}. A value is returned; a lease marker is returned after its expiry is
     * checked: one without expiry (PTTL -1, which no caller of this store sets) is taken over,
     * one that lasts longer than the lease TTL is cut to it, so no marker blocks a key for
     * longer than the lease TTL. Nothing there: the caller's marker is set with the lease TTL and
     * nil is returned (the lease is won).
     */
    static final String GET_OR_LEASE_SCRIPT =
            "local n = redis.pcall('STRLEN', KEYS[1])\n"
            + "if type(n) ~= 'number' or n > tonumber(ARGV[1]) then\n"
            + "  redis.call('DEL', KEYS[1])\n"
            + "end\n"
            + "local v = redis.call('GET', KEYS[1])\n"
            + "if v then\n"
            + "  if string.sub(v, 1, string.len(ARGV[4])) ~= ARGV[4] then\n"
            + "    return v\n"
            + "  end\n"
            + "  local ttl = redis.call('PTTL', KEYS[1])\n"
            + "  if ttl >= 0 then\n"
            + "    if ttl > tonumber(ARGV[3]) then\n"
            + "      redis.call('PEXPIRE', KEYS[1], ARGV[3])\n"
            + "    end\n"
            + "    return v\n"
            + "  end\n"
            + "end\n"
            + "redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])\n"
            + "return false\n";
    static final String GET_OR_LEASE_SHA = sha1(GET_OR_LEASE_SCRIPT);

    /** KEYS[1] the key; ARGV[1] the caller's marker. Deletes the key only while it holds that marker. */
    static final String RELEASE_SCRIPT =
            "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
            + "  return redis.call('DEL', KEYS[1])\n"
            + "end\n"
            + "return 0\n";

    private static final Logger LOG = LoggerFactory.getLogger(LettuceCacheStore.class);

    private final LettuceStoreOptions options;
    private final LettuceClients clients;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicReference<Attempt> attempt = new AtomicReference<>();
    private final Mono<Void> shutdown;

    private LettuceCacheStore(LettuceStoreOptions options) {
        this.options = options;
        this.clients = new LettuceClients(options);
        this.shutdown = Mono.defer(() -> Mono.fromFuture(clients.shutdown())).cache();
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
     * {@inheritDoc} One script on the server ({@link #GET_SCRIPT}): a value longer than
     * {@link LettuceStoreOptions#maxValueBytes()}, or a key of another type, is deleted there
     * and read as absent.
     */
    @Override
    public Mono<byte[]> get(String key) {
        Objects.requireNonNull(key, "key");
        byte[][] args = {ascii(options.maxValueBytes())};
        return Mono.defer(() -> {
            long start = System.nanoTime();
            return readCommands(start).flatMap(c -> withinRead(start, key,
                    Mono.fromCompletionStage(() -> evalValue(c, GET_SHA, GET_SCRIPT, key, args))));
        })
                .filter(value -> !isMarker(value));
    }

    @Override
    public Mono<Void> set(String key, byte[] value, Duration ttl) {
        Objects.requireNonNull(key, "key");
        checkValue(value);
        long ttlMillis = positiveMillis(ttl, "ttl");
        return commands().flatMap(c -> Mono.fromCompletionStage(c.set(key, value, SetArgs.Builder.px(ttlMillis))))
                .then();
    }

    @Override
    public Mono<Boolean> delete(String key) {
        Objects.requireNonNull(key, "key");
        return commands().flatMap(c -> Mono.fromCompletionStage(c.getdel(key)))
                .map(old -> !isMarker(old))
                .defaultIfEmpty(false);
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

    /**
     * {@inheritDoc} One script on the server ({@link #GET_OR_LEASE_SCRIPT}): junk over
     * {@link LettuceStoreOptions#maxValueBytes()} is deleted and the lease taken; a lease marker
     * without expiry is taken over, one expiring later than {@code leaseTtl} is cut to it.
     */
    @Override
    public Mono<CacheLookup> getOrLease(String key, Duration leaseTtl) {
        Objects.requireNonNull(key, "key");
        long leaseMillis = positiveMillis(leaseTtl, "leaseTtl");
        return Mono.defer(() -> {
            long start = System.nanoTime();
            return readCommands(start).flatMap(c -> withinRead(start, key, takeLease(c, key, leaseMillis)));
        });
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

    /**
     * Runs {@link #GET_OR_LEASE_SCRIPT}. When the caller gives up before the reply has been handed
     * to it (it cancels, the command times out, the connection fails), the server may still have
     * taken the lease for it, and nobody would fill it: the store then releases it at once with a
     * compare-and-delete on this caller's marker ({@link #RELEASE_SCRIPT}), sent on the same
     * connection after the script, so the server runs it afterwards and never removes another
     * caller's lease or a value.
     */
    private Mono<CacheLookup> takeLease(RedisClusterAsyncCommands<String, byte[]> c, String key, long leaseMillis) {
        String token = newLeaseToken();
        byte[] marker = marker(token);
        byte[][] args = {ascii(options.maxValueBytes()), marker, ascii(leaseMillis), LEASE_PREFIX};
        return Mono.create(sink -> {
            // 0: waiting for the reply, 1: the reply was handed over, 2: the caller gave up
            AtomicInteger state = new AtomicInteger();
            sink.onCancel(() -> {
                if (state.compareAndSet(0, 2)) {
                    releaseLateLease(c, key, marker);
                }
            });
            evalValue(c, GET_OR_LEASE_SHA, GET_OR_LEASE_SCRIPT, key, args).whenComplete((current, error) -> {
                if (error != null) {
                    if (state.compareAndSet(0, 2)) {
                        // a timeout or a lost connection: the script may have run on the server all the same
                        releaseLateLease(c, key, marker);
                        sink.error(error instanceof CompletionException && error.getCause() != null ? error.getCause() : error);
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
        if (closed.get()) {
            return;
        }
        String[] keys = {key};
        byte[][] args = {marker};
        try {
            // EVAL, not EVALSHA: a NOSCRIPT round trip could queue the release behind the late reply
            Mono.<Long>fromCompletionStage(c.eval(RELEASE_SCRIPT, ScriptOutputType.INTEGER, keys, args))
                    .subscribe(released -> LOG.debug("lease of {} taken after its caller gave up: {}", key,
                                    released == 1L ? "released" : "not taken"),
                            e -> LOG.debug("releasing the late lease of {} failed; it expires by itself: {}", key, e.toString()));
        } catch (RuntimeException e) {
            LOG.debug("releasing the late lease of {} failed; it expires by itself: {}", key, e.toString());
        }
    }

    @Override
    public Mono<Boolean> fill(String key, String leaseToken, byte[] value, Duration ttl) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(leaseToken, "leaseToken");
        checkValue(value);
        long ttlMillis = positiveMillis(ttl, "ttl");
        byte[][] args = {marker(leaseToken), value, Long.toString(ttlMillis).getBytes(StandardCharsets.US_ASCII)};
        return script(FILL_SHA, FILL_SCRIPT, key, args);
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
        if (isMarker(expected)) {
            // no value starts with the marker, so only a lease could match: refuse without a round trip
            return commands().thenReturn(Boolean.FALSE);
        }
        byte[][] args = {expected, value, Long.toString(ttlMillis).getBytes(StandardCharsets.US_ASCII)};
        return script(REPLACE_SHA, REPLACE_SCRIPT, key, args);
    }

    /** Tags are Redis sets: see the class description. */
    /** {@inheritDoc} Lettuce fails every command by itself after the command timeout ({@link LettuceStoreOptions#commandTimeout()}). */
    @Override
    public Duration operationTimeout() {
        return options.commandTimeout();
    }

    @Override
    public boolean supportsTags() {
        return true;
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
        List<String> names = List.copyOf(tags);
        byte[][] member = {key.getBytes(StandardCharsets.UTF_8)};
        return commands().flatMap(c -> {
            List<CompletableFuture<?>> sent = new ArrayList<>(names.size() * 3);
            for (String tag : names) {
                sent.add(c.sadd(tag, member).toCompletableFuture());
                sent.add(c.pexpire(tag, ttlMillis, ExpireArgs.Builder.nx()).toCompletableFuture());
                sent.add(c.pexpire(tag, ttlMillis, ExpireArgs.Builder.gt()).toCompletableFuture());
            }
            return Mono.fromFuture(CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)));
        });
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
        return commands().flatMap(c -> Mono.fromCompletionStage(c.smembers(tag)).flatMap(found -> {
            if (found.isEmpty()) {
                return Mono.just(0L);
            }
            Set<String> keys = new LinkedHashSet<>();
            for (byte[] member : found) {
                keys.add(new String(member, StandardCharsets.UTF_8));
            }
            List<byte[]> members = new ArrayList<>(found);
            Mono<Long> unregister = Flux.fromIterable(chunks(members, 512))
                    .flatMap(chunk -> Mono.fromCompletionStage(c.srem(tag, chunk.toArray(byte[][]::new))))
                    .then(Mono.just(0L));
            return Flux.fromIterable(keys).flatMap(this::delete, 256)
                    .filter(Boolean::booleanValue).count()
                    .flatMap(removed -> unregister
                            .thenMany(Flux.fromIterable(keys).flatMap(this::delete, 256))
                            .then(Mono.just(removed)));
        }));
    }

    private static <T> List<List<T>> chunks(List<T> all, int size) {
        List<List<T>> chunks = new ArrayList<>();
        for (int i = 0; i < all.size(); i += size) {
            chunks.add(all.subList(i, Math.min(all.size(), i + size)));
        }
        return chunks;
    }

    /** Runs a script on one key that answers a value or nil, by SHA as {@link #script} does. */
    /** Runs a script on one key by its SHA, sending it in full when the server does not know it. */
    private static CompletionStage<byte[]> evalValue(RedisClusterAsyncCommands<String, byte[]> c, String sha,
            String script, String key, byte[][] args) {
        String[] keys = {key};
        return c.<byte[]>evalsha(sha, ScriptOutputType.VALUE, keys, args).exceptionallyCompose(e -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            return cause instanceof RedisNoScriptException
                    ? c.<byte[]>eval(script, ScriptOutputType.VALUE, keys, args)
                    : CompletableFuture.failedFuture(cause);
        });
    }

    private static byte[] ascii(long number) {
        return Long.toString(number).getBytes(StandardCharsets.US_ASCII);
    }

    /** Runs a script on one key by its SHA, sending it in full when the server does not know it; true on 1. */
    private Mono<Boolean> script(String sha, String script, String key, byte[][] args) {
        String[] keys = {key};
        return commands().flatMap(c -> Mono.<Long>fromCompletionStage(c.evalsha(sha, ScriptOutputType.INTEGER, keys, args))
                .onErrorResume(RedisNoScriptException.class,
                        e -> Mono.fromCompletionStage(c.eval(script, ScriptOutputType.INTEGER, keys, args))))
                .map(result -> result == 1L);
    }

    /**
     * Closes the connection, then shuts the client and its threads down. Idempotent: every call
     * completes when that shutdown has. Afterwards every operation signals
     * {@link IllegalStateException}.
     */
    @Override
    public Mono<Void> closeAsync() {
        return Mono.defer(() -> {
            closed.set(true);
            return shutdown;
        });
    }

    @Override
    public String toString() {
        return "LettuceCacheStore[" + options + (closed.get() ? ", closed" : "") + "]";
    }

    // ---------------------------------------------------------------- connection

    /** The commands of the connection, waiting for a connection attempt under way (bounded by its connect timeout). */
    private Mono<io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands<String, byte[]>> commands() {
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
                next.future.complete(connected);
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

    // ---------------------------------------------------------------- values and markers

    private static CacheLookup found(byte[] value) {
        return isMarker(value) ? CacheLookup.leaseHeld() : CacheLookup.hit(value);
    }

    static byte[] marker(String token) {
        byte[] tokenBytes = token.getBytes(StandardCharsets.UTF_8);
        byte[] marker = new byte[LEASE_PREFIX.length + tokenBytes.length];
        System.arraycopy(LEASE_PREFIX, 0, marker, 0, LEASE_PREFIX.length);
        System.arraycopy(tokenBytes, 0, marker, LEASE_PREFIX.length, tokenBytes.length);
        return marker;
    }

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

    private void checkValue(byte[] value) {
        Objects.requireNonNull(value, "value");
        if (isMarker(value)) {
            throw new IllegalArgumentException("a value must not start with the lease marker bytes 0x00 'LEASE'");
        }
        if (value.length > options.maxValueBytes()) {
            // a read would delete it as junk: refuse it here, where the writer hears why
            throw new IllegalArgumentException("a value of " + value.length + " bytes is over maxValueBytes "
                    + options.maxValueBytes() + " (CACHE_MAX_ENTRY_BYTES)");
        }
    }

    /** The longest TTL sent to the server (100 years); longer ones are cut to it. */
    static final Duration MAX_TTL = Duration.ofDays(36_500);

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

    private static String sha1(String script) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is not available", e);
        }
    }
}
