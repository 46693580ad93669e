package dev.cacheaside.store.redis;

import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CacheStore;
import io.lettuce.core.ExpireArgs;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
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
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A {@link CacheStore} on Redis or Valkey through Lettuce: one server, Sentinel or Redis
 * Cluster ({@code CACHE_ENGINE=redis} or {@code valkey}). Requires Redis 7.0 or later, or any
 * Valkey.
 *
 * <h2>Commands</h2>
 * Values are stored as plain strings with a millisecond TTL ({@code SET key value PX ttl}), so
 * {@code redis-cli GET <key>} shows them. A hit is one {@code GET}; {@link #delete} is one
 * {@code GETDEL} (removing value and lease together).
 *
 * <h2>Leases</h2>
 * A lease lives in the key itself, so it works in a cluster (one key, one slot): a marker value
 * made of the bytes {@code 0x00 'L' 'E' 'A' 'S' 'E'} and the caller's random token, taken with
 * {@code SET key marker NX GET PX leaseTtl} (which also returns a value written in between).
 * {@link #get} and {@link #getOrLease} treat a marker as no value. {@link #fill} runs a Lua
 * script (by SHA with {@code EVALSHA}, sent in full with {@code EVAL} when the server answers
 * {@code NOSCRIPT}) that stores the value only if the key still holds this caller's marker,
 * atomically on the server. A value that itself starts with the marker prefix cannot be stored:
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
 * operations share one attempt. When the attempt fails, operations in the next
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

    @Override
    public Mono<byte[]> get(String key) {
        Objects.requireNonNull(key, "key");
        return commands().flatMap(c -> Mono.fromCompletionStage(c.get(key)))
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

    @Override
    public Mono<CacheLookup> getOrLease(String key, Duration leaseTtl) {
        Objects.requireNonNull(key, "key");
        long leaseMillis = positiveMillis(leaseTtl, "leaseTtl");
        return commands().flatMap(c -> Mono.fromCompletionStage(c.get(key))
                .map(LettuceCacheStore::found)
                .switchIfEmpty(Mono.defer(() -> {
                    String token = newLeaseToken();
                    return Mono.fromCompletionStage(c.setGet(key, marker(token), SetArgs.Builder.nx().px(leaseMillis)))
                            .map(LettuceCacheStore::found)
                            .defaultIfEmpty(CacheLookup.leaseWon(token));
                })));
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

    private Mono<io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands<String, byte[]>> commands() {
        return Mono.defer(() -> {
            if (closed.get()) {
                return Mono.error(new IllegalStateException("LettuceCacheStore is closed"));
            }
            CompletableFuture<LettuceClients.Connected> future = currentAttempt().future;
            if (future.isDone() && !future.isCompletedExceptionally()) {
                return Mono.just(future.join().commands);
            }
            return Mono.fromFuture(future, true).map(connected -> connected.commands);
        });
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

    private static void checkValue(byte[] value) {
        Objects.requireNonNull(value, "value");
        if (isMarker(value)) {
            throw new IllegalArgumentException("a value must not start with the lease marker bytes 0x00 'LEASE'");
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
