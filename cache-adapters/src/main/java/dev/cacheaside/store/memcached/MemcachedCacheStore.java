package dev.cacheaside.store.memcached;

import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CacheStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A {@link CacheStore} on one or more memcached servers (1.6 or later), speaking memcached's meta
 * text protocol through a non-blocking client on Vert.x's {@code NetClient}.
 *
 * <h2>Servers</h2>
 * Keys are spread over the servers by consistent hashing (ketama: 160 points per server from
 * MD5), so adding or removing a server moves only about its share of the keys. There is one
 * connection per server; requests are pipelined on it. Each operation has its own timeout
 * ({@link MemcachedStoreOptions#timeout()}); a server that goes away makes its operations fail at
 * once (a {@link java.net.ConnectException}) until a reconnection, attempted with a bounded
 * exponential backoff, succeeds. The other servers are not affected and keys are not moved to
 * them (a down server's keys are misses, which the engine loads from the database).
 *
 * <h2>Expiration and size</h2>
 * TTLs are sent in whole seconds, rounded up (a sub-second TTL lasts one second); a TTL over
 * 30 days is sent as an absolute Unix time, as memcached requires. A value larger than
 * {@link MemcachedStoreOptions#maxValueSize()}, or one the server refuses as too large, is not
 * cached: {@link #set}, {@link #fill} and {@link #replace} complete without error (the latter two
 * with {@code false}) and a warning names the key and the size (never the value). A value over
 * the client limit is never sent, so what the key holds stays; when the server itself refuses one
 * (its {@code -I} item size limit is below {@code maxValueSize}), memcached removes whatever the
 * key held (a value or a lease placeholder), so the next read is a miss, never a stale hit.
 *
 * <h2>Leases</h2>
 * Leases are memcached's own: {@link #getOrLease} is {@code mg <key> v c f N<leaseTtl>}, which on
 * a miss creates an empty placeholder and gives exactly one caller the win flag {@code W} with
 * the placeholder's CAS as the token; callers that see {@code Z} are told the lease is held.
 * {@link #fill} is {@code ms} with {@code C<token>}, which the server refuses once the placeholder
 * was deleted, expired or replaced. Values are written with client flags 1, so {@link #get}
 * never returns a placeholder.
 *
 * <h2>Replace</h2>
 * {@link #replace} is a compare and set on memcached's CAS: {@code mg <key> v c f} reads the
 * value with its CAS; only a real value (client flags 1, no {@code W}/{@code Z}: never a lease
 * placeholder) whose bytes equal the expected ones, compared here, is followed by
 * {@code ms <key> <size> C<cas> T<ttl> F1}. The server stores it only while the item still has
 * that CAS; any write in between (a delete, a set, a fill, another replace, even of the same
 * bytes) changes or removes the item and the server answers {@code EX} or {@code NF}, which is
 * {@code false}. Among concurrent replaces from one expected value, exactly one succeeds.
 *
 * <h2>Tags</h2>
 * Memcached has no sets, so a tag is an item holding the list of its keys, separated by spaces.
 * {@link #tag} appends {@code "<key> "} with {@code ms <tag> <size> MA} (append mode, which keeps
 * the item's TTL), pipelined with {@code mg <tag> s t} on the same connection, so the miss path
 * pays one round trip per tag (all tags in parallel). When there is no item yet it is created
 * with {@code ms ... ME} (add; a lost race is retried as an append). When the item has less than
 * the wanted TTL left, it is rewritten with its own bytes under its CAS ({@code mg v c t}, then
 * {@code ms C<cas> T<2 x ttl>}), so a tag's TTL only ever grows and a concurrent change makes the
 * rewrite retry instead of shortening anything. A key tagged again (each miss of it) appears
 * again in the list.
 *
 * <p>{@link #invalidateTag} reads the list with its CAS ({@code mg <tag> v c t}), deletes every
 * listed key (values and lease placeholders, on whichever server each lives), then removes from
 * the list exactly what it read, with a CAS write that starts the list with a new generation
 * marker (a token beginning with byte {@code 0x01}, never part of a key). On a CAS mismatch it
 * reads again: if the generation is unchanged, only appends happened, and it drops the prefix it
 * read and keeps the rest; if another invalidation has written meanwhile, that one already
 * removed what was read here, and this one leaves the list alone. Keys appended while it runs
 * therefore stay registered for the next invalidation; none is lost.
 *
 * <p><b>Compaction.</b> A key re-tagged on each miss, and keys whose entries lapsed, would grow the
 * list without end on a table that is read much and written seldom. So when an append leaves
 * the list larger than a threshold (64 KiB, then twice the size of the last compacted list), this
 * client compacts it in the background: it reads the list, asks each listed key's server whether
 * the key still holds anything ({@code mg <key>}: a value or a lease), and writes back, under the
 * CAS and with a new generation marker, one occurrence of each key that does, followed by
 * whatever was appended since it read. Dropping a key that holds nothing is safe: its lease is
 * gone, so a fill it protected can no longer land, and a new lease for the key appends a new
 * occurrence. An invalidation that read before the compaction sees another generation and
 * leaves the list alone (its keys are deleted already). A list found full is compacted before
 * the append is retried.
 *
 * <p><b>Limit.</b> The list is one item, so it can hold about {@code itemSize / (keyLength + 1)}
 * live registrations (about 14,700 keys of the default {@code query:<sha256>} form under
 * memcached's default 1 MB item size): the distinct keys of a table that hold a value or a lease
 * at once, between two invalidations of the table. When an append would go over the server's
 * item size limit even after a compaction, memcached refuses it and {@link #tag} fails with
 * {@link IllegalStateException}; the engine then returns that query's result uncached (correct,
 * never stale) until the table is invalidated, entries lapse, or the tag lapses. Like any item,
 * a tag can also be evicted when memcached runs out of memory, which forgets its registrations:
 * give memcached room for the working set.
 *
 * <h2>Threads</h2>
 * Thread safe. Every method is lazy (nothing is sent before subscription) and never blocks;
 * results are delivered on a Vert.x event-loop thread, where subscribers must not block.
 * Invalid keys (empty, over 250 bytes, spaces or control characters) are signalled as an
 * {@link IllegalArgumentException}. After {@link #closeAsync()} every operation signals an
 * {@link IllegalStateException}.
 */
public final class MemcachedCacheStore implements CacheStore {

    private static final Logger LOG = LoggerFactory.getLogger(MemcachedCacheStore.class);

    /** What {@link #replace}'s read yields when the key holds no value equal to the expected one. */
    private static final Long NO_MATCH = -1L;

    private final MemcachedStoreOptions options;
    private final Vertx vertx;
    private final boolean ownVertx;
    private final NetClient client;
    private final List<ServerConnection> connections;
    private final KetamaRing<ServerConnection> ring;
    private final AtomicLong opaques = new AtomicLong();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final Mono<Void> closeMono;

    private MemcachedCacheStore(MemcachedStoreOptions options) {
        this.options = options;
        this.ownVertx = options.vertx() == null;
        this.vertx = ownVertx
                ? Vertx.vertx(new VertxOptions().setEventLoopPoolSize(
                        Math.max(1, Math.min(options.servers().size(), Runtime.getRuntime().availableProcessors()))))
                : options.vertx();
        this.client = vertx.createNetClient(new NetClientOptions()
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()))
                .setTcpNoDelay(true)
                .setTcpKeepAlive(true));
        List<ServerConnection> list = new ArrayList<>();
        for (String server : options.servers()) {
            int colon = server.lastIndexOf(':');
            list.add(new ServerConnection(server.substring(0, colon), Integer.parseInt(server.substring(colon + 1)),
                    vertx, client, options));
        }
        this.connections = List.copyOf(list);
        this.ring = new KetamaRing<>(connections, options.servers(), options.pointsPerServer());
        this.closeMono = Mono.defer(this::doClose).cache();
    }

    /**
     * A store on the servers of {@code options}. Connections are opened by the first operation
     * on each server; when {@code options} carries no Vert.x instance, one is created here (with
     * its event-loop threads) and closed by {@link #closeAsync()}.
     */
    public static MemcachedCacheStore create(MemcachedStoreOptions options) {
        return new MemcachedCacheStore(Objects.requireNonNull(options, "options"));
    }

    /** The options this store was created with. */
    public MemcachedStoreOptions options() {
        return options;
    }

    @Override
    public Mono<byte[]> get(String key) {
        return call(key, op -> MetaCommands.get(key, op), response -> {
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

    @Override
    public Mono<Void> set(String key, byte[] value, Duration ttl) {
        Objects.requireNonNull(value, "value");
        return Mono.defer(() -> {
            long exptime = Expirations.of(ttl, options.clock());
            if (value.length > options.maxValueSize()) {
                warnTooLarge(key, value.length, "the limit of " + options.maxValueSize() + " bytes");
                return checked(key).then();
            }
            return call(key, op -> MetaCommands.set(key, value, exptime, op), response -> {
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

    @Override
    public Mono<Boolean> delete(String key) {
        // mg tells a value from a lease placeholder (a lease is not a value: false); md, pipelined
        // right behind it on the same connection, removes either
        return Mono.defer(() -> {
            if (closing.get()) {
                return closedError();
            }
            return Mono.zip(
                    call(key, op -> MetaCommands.get(key, op), response -> {
                        if (response.status() == Response.Status.MISS) {
                            return Boolean.FALSE;
                        }
                        if (response.status() == Response.Status.VALUE) {
                            return isValue(response);
                        }
                        throw unexpected("mg", key, response);
                    }),
                    call(key, op -> MetaCommands.delete(key, op), response -> {
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
     * {@inheritDoc} {@code mg <key> v c f t N<leaseTtl>}; see the class description. Two things
     * that would block the key for good are removed (only while their CAS is unchanged) and
     * reported as a held lease, so the next read wins one: an item that is neither a value of
     * this store nor a lease (another client's junk), and a lease placeholder without expiry
     * ({@code t-1}, as {@code mg <key> T0} leaves it) or expiring later than {@code leaseTtl}.
     */
    @Override
    public Mono<CacheLookup> getOrLease(String key, Duration leaseTtl) {
        return Mono.defer(() -> {
            long exptime = Expirations.of(leaseTtl, options.clock());
            long leaseSeconds = leaseTtl.getSeconds() + (leaseTtl.getNano() > 0 ? 1 : 0);
            return call(key, op -> MetaCommands.getOrLease(key, exptime, op), response -> {
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

    @Override
    public Mono<Boolean> fill(String key, String leaseToken, byte[] value, Duration ttl) {
        Objects.requireNonNull(leaseToken, "leaseToken");
        Objects.requireNonNull(value, "value");
        return Mono.defer(() -> {
            long exptime = Expirations.of(ttl, options.clock());
            long cas = parseToken(leaseToken);
            if (cas < 0) {
                // not a token this store handed out: no lease can match it
                return checked(key).thenReturn(Boolean.FALSE);
            }
            if (value.length > options.maxValueSize()) {
                warnTooLarge(key, value.length, "the limit of " + options.maxValueSize() + " bytes");
                return releaseLease(key, cas).thenReturn(Boolean.FALSE);
            }
            return call(key, op -> MetaCommands.setIfCas(key, cas, value, exptime, op), response -> {
                switch (response.status()) {
                    case HEADER:
                        return Boolean.TRUE;
                    case EXISTS:
                    case NOT_FOUND:
                    case NOT_STORED:
                        return Boolean.FALSE;
                    default:
                        if (tooLarge(response)) {
                            warnTooLarge(key, value.length, "the server's item size limit");
                            return null;
                        }
                        throw unexpected("ms C", key, response);
                }
            }).switchIfEmpty(Mono.defer(() -> releaseLease(key, cas).thenReturn(Boolean.FALSE)));
        });
    }

    @Override
    public Mono<Boolean> replace(String key, byte[] expected, byte[] value, Duration ttl) {
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(value, "value");
        return Mono.defer(() -> {
            long exptime = Expirations.of(ttl, options.clock());
            if (value.length > options.maxValueSize()) {
                warnTooLarge(key, value.length, "the limit of " + options.maxValueSize() + " bytes");
                return checked(key).thenReturn(Boolean.FALSE);
            }
            return call(key, op -> MetaCommands.getWithCas(key, op), response -> {
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
                    : call(key, op -> MetaCommands.setIfCas(key, cas, value, exptime, op), response -> {
                        switch (response.status()) {
                            case HEADER:
                                return Boolean.TRUE;
                            case EXISTS:
                            case NOT_FOUND:
                            case NOT_STORED:
                                return Boolean.FALSE;
                            default:
                                if (tooLarge(response)) {
                                    warnTooLarge(key, value.length, "the server's item size limit");
                                    return Boolean.FALSE;
                                }
                                throw unexpected("ms C", key, response);
                        }
                    }));
        });
    }

    /** Tags are lists kept in memcached items: see the class description. */
    /** {@inheritDoc} Every request fails by itself after the per-operation timeout ({@link MemcachedStoreOptions#timeout()}). */
    @Override
    public Duration operationTimeout() {
        return options.timeout();
    }

    @Override
    public boolean supportsTags() {
        return true;
    }

    /**
     * Appends {@code key} to the list of each tag (in parallel) and keeps each tag at least
     * {@code ttl}; see the class description.
     *
     * @return completes once every registration is in place; errors with
     *     {@link IllegalStateException} when a tag's list is at the server's item size limit
     */
    @Override
    public Mono<Void> tag(Collection<String> tags, String key, Duration ttl) {
        Objects.requireNonNull(tags, "tags");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(ttl, "ttl");
        List<String> names = List.copyOf(tags);
        return Mono.defer(() -> {
            String invalid = MetaCommands.invalidKey(key);
            if (invalid != null) {
                return Mono.error(new IllegalArgumentException(invalid));
            }
            long wantSeconds = ttl.getSeconds() + (ttl.getNano() > 0 ? 1 : 0);
            if (wantSeconds <= 0) {
                return Mono.error(new IllegalArgumentException("ttl must be positive, was " + ttl));
            }
            byte[] entry = (key + " ").getBytes(StandardCharsets.US_ASCII);
            return Flux.fromIterable(names).flatMap(tag -> tagOne(tag, entry, ttl, wantSeconds, 1)).then();
        });
    }

    /**
     * Removes every key listed under {@code tag}, then exactly those from the list; see the class
     * description.
     *
     * @return how many of the listed keys held a value (not a lease) that was removed
     */
    @Override
    public Mono<Long> invalidateTag(String tag) {
        Objects.requireNonNull(tag, "tag");
        return readList(tag).flatMap(list -> {
            if (list == TagList.MISSING) {
                return Mono.just(0L);
            }
            ParsedList read = ParsedList.of(list.bytes);
            if (read.keys.isEmpty()) {
                return Mono.just(0L);
            }
            return Flux.fromIterable(new LinkedHashSet<>(read.keys))
                    .flatMap(this::delete, 64)
                    .filter(Boolean::booleanValue)
                    .count()
                    .flatMap(removed -> unregister(tag, read, list, 1).thenReturn(removed));
        });
    }

    @Override
    public Mono<Void> closeAsync() {
        return closeMono;
    }

    @Override
    public String toString() {
        return "MemcachedCacheStore" + options.servers();
    }

    // ------------------------------------------------------------------------------------------

    /** How often a tag operation retries after losing a race on the tag's item. */
    private static final int TAG_ATTEMPTS = 32;

    /** The list size at which a tag is first compacted. */
    static final long MIN_COMPACTION_BYTES = 64 * 1024;

    /** The list size at which a tag is first compacted; smaller in tests, to compact often. */
    private volatile long minCompactionBytes = MIN_COMPACTION_BYTES;

    /** Per tag, the list size at which this client compacts it next. */
    private final ConcurrentHashMap<String, Long> compactAt = new ConcurrentHashMap<>();

    /** The tags this client is compacting now (one compaction per tag at a time). */
    private final Set<String> compacting = ConcurrentHashMap.newKeySet();

    /** Appends the registration, creating the item or extending its TTL when needed. */
    private Mono<Void> tagOne(String tag, byte[] entry, Duration ttl, long wantSeconds, int attempt) {
        Mono<Response.Status> append = call(tag, op -> MetaCommands.append(tag, entry, op), response -> {
            if (response.status() == Response.Status.HEADER || response.status() == Response.Status.NOT_STORED) {
                return response.status();
            }
            throw unexpected("ms MA", tag, response);
        });
        // pipelined right behind the append on the same connection: what the item is after it
        Mono<long[]> after = call(tag, op -> MetaCommands.sizeAndTtl(tag, op), response -> {
            switch (response.status()) {
                case MISS:
                    return new long[] {Long.MIN_VALUE, 0};
                case HEADER:
                    return new long[] {parseSigned(tag, response, 't'), parseSigned(tag, response, 's')};
                default:
                    throw unexpected("mg s t", tag, response);
            }
        });
        return Mono.zip(append, after).flatMap(result -> {
            long remaining = result.getT2()[0];
            if (result.getT1() == Response.Status.HEADER) {
                compactLater(tag, result.getT2()[1]);
                if (remaining == -1 || remaining >= wantSeconds) {
                    return Mono.<Void>empty();
                }
                return extendTag(tag, entry, ttl, wantSeconds, attempt);
            }
            if (remaining == Long.MIN_VALUE) {
                // no item: create it with this registration; another caller may win that race
                long exptime = Expirations.of(ttl.multipliedBy(2), options.clock());
                return call(tag, op -> MetaCommands.add(tag, entry, exptime, op), response -> {
                    switch (response.status()) {
                        case HEADER:
                            return Boolean.TRUE;
                        case NOT_STORED:
                            return Boolean.FALSE;
                        default:
                            throw unexpected("ms ME", tag, response);
                    }
                }).flatMap(added -> added ? Mono.<Void>empty() : retryTag(tag, entry, ttl, wantSeconds, attempt));
            }
            // the item is there yet refused the append: its list is at the item size limit;
            // compact it once, then try again
            if (attempt == 1) {
                return compact(tag).then(tagOne(tag, entry, ttl, wantSeconds, attempt + 1));
            }
            if (attempt < 3) {
                return tagOne(tag, entry, ttl, wantSeconds, attempt + 1);
            }
            return Mono.error(new IllegalStateException("memcached: the key list of tag " + tag + " is full ("
                    + result.getT2()[1] + " bytes, the server's item size limit, after compaction); the key is not registered"));
        });
    }

    /** Sets the list size at which tags are first compacted; for tests. */
    void minCompactionBytes(long bytes) {
        this.minCompactionBytes = bytes;
        compactAt.clear();
    }

    /** Starts a background compaction of {@code tag} when its list reached this client's threshold. */
    private void compactLater(String tag, long size) {
        if (size < compactAt.getOrDefault(tag, minCompactionBytes) || closing.get() || !compacting.add(tag)) {
            return;
        }
        compactNow(tag).subscribe(null, e -> LOG.debug("memcached: compaction of tag {} failed: {}", tag, e.toString()));
    }

    /** Compacts {@code tag} unless this client is already doing so; completes when done (or skipped). */
    private Mono<Void> compact(String tag) {
        return Mono.defer(() -> compacting.add(tag) ? compactNow(tag) : Mono.<Void>empty())
                .onErrorResume(e -> {
                    LOG.debug("memcached: compaction of tag {} failed: {}", tag, e.toString());
                    return Mono.empty();
                });
    }

    /** Reads the list, keeps one occurrence of each key that still holds anything, writes back under CAS. */
    private Mono<Void> compactNow(String tag) {
        return readList(tag).flatMap(list -> {
            if (list == TagList.MISSING) {
                return Mono.<Void>empty();
            }
            ParsedList read = ParsedList.of(list.bytes);
            return Flux.fromIterable(new LinkedHashSet<>(read.keys))
                    .flatMapSequential(key -> call(key, op -> MetaCommands.exists(key, op), response -> {
                        switch (response.status()) {
                            case HEADER:
                            case VALUE:
                                return key;
                            case MISS:
                                return "";
                            default:
                                throw unexpected("mg", key, response);
                        }
                    }), 64)
                    .filter(key -> !key.isEmpty())
                    .collectList()
                    .flatMap(live -> writeCompacted(tag, read, live, list, 1));
        }).doFinally(signal -> compacting.remove(tag));
    }

    private Mono<Void> writeCompacted(String tag, ParsedList read, List<String> live, TagList current, int attempt) {
        ParsedList now = ParsedList.of(current.bytes);
        if (!Objects.equals(now.generation, read.generation) || now.keys.size() < read.keys.size()
                || !now.keys.subList(0, read.keys.size()).equals(read.keys)) {
            return Mono.empty(); // an invalidation or another compaction rewrote the list meanwhile
        }
        List<String> keys = new ArrayList<>(live);
        keys.addAll(now.keys.subList(read.keys.size(), now.keys.size()));
        byte[] compacted = ParsedList.render(keys);
        long exptime = current.ttl < 0 ? 0 : Expirations.of(Duration.ofSeconds(Math.max(1, current.ttl)), options.clock());
        return call(tag, op -> MetaCommands.setListIfCas(tag, current.cas, compacted, exptime, op), Response::status)
                .flatMap(status -> {
                    switch (status) {
                        case HEADER:
                            if (compactAt.size() > 10_000) {
                                compactAt.clear();
                            }
                            compactAt.put(tag, Math.max(minCompactionBytes, 2L * compacted.length));
                            return Mono.<Void>empty();
                        case EXISTS:
                            if (attempt >= TAG_ATTEMPTS) {
                                return Mono.<Void>empty();
                            }
                            return readList(tag).flatMap(next -> next == TagList.MISSING ? Mono.<Void>empty()
                                    : writeCompacted(tag, read, live, next, attempt + 1));
                        default:
                            return Mono.<Void>empty();
                    }
                });
    }

    private Mono<Void> retryTag(String tag, byte[] entry, Duration ttl, long wantSeconds, int attempt) {
        if (attempt >= TAG_ATTEMPTS) {
            return Mono.error(new IllegalStateException("memcached: gave up registering under tag " + tag
                    + " after " + attempt + " attempts lost to concurrent changes"));
        }
        return tagOne(tag, entry, ttl, wantSeconds, attempt + 1);
    }

    /** Rewrites the tag with its own bytes and twice {@code ttl}, only over what was read (CAS). */
    private Mono<Void> extendTag(String tag, byte[] entry, Duration ttl, long wantSeconds, int attempt) {
        return readList(tag).flatMap(list -> {
            if (list == TagList.MISSING) {
                // lapsed since the append, taking the registration with it: register again
                return retryTag(tag, entry, ttl, wantSeconds, attempt);
            }
            if (list.ttl == -1 || list.ttl >= wantSeconds) {
                return Mono.<Void>empty();
            }
            long exptime = Expirations.of(ttl.multipliedBy(2), options.clock());
            return call(tag, op -> MetaCommands.setListIfCas(tag, list.cas, list.bytes, exptime, op),
                    Response::status).flatMap(status -> {
                        switch (status) {
                            case HEADER:
                                return Mono.<Void>empty();
                            case NOT_FOUND:
                            case NOT_STORED:
                                return retryTag(tag, entry, ttl, wantSeconds, attempt);
                            case EXISTS:
                                if (attempt >= TAG_ATTEMPTS) {
                                    return Mono.<Void>error(new IllegalStateException("memcached: gave up extending tag "
                                            + tag + " after " + attempt + " attempts lost to concurrent changes"));
                                }
                                return extendTag(tag, entry, ttl, wantSeconds, attempt + 1);
                            default:
                                return Mono.<Void>error(new UncheckedIOException(new IOException(
                                        "memcached answered ms C for tag " + tag + " with " + status)));
                        }
                    });
        });
    }

    /**
     * Removes from the tag's list what {@code read} held, keeping what was appended since; gives
     * up (leaving the list as it is, which only over-registers) once another invalidation wrote.
     */
    private Mono<Void> unregister(String tag, ParsedList read, TagList current, int attempt) {
        ParsedList now = ParsedList.of(current.bytes);
        if (!Objects.equals(now.generation, read.generation) || now.keys.size() < read.keys.size()
                || !now.keys.subList(0, read.keys.size()).equals(read.keys)) {
            return Mono.empty();
        }
        byte[] rest = ParsedList.render(now.keys.subList(read.keys.size(), now.keys.size()));
        long exptime = current.ttl < 0 ? 0 : Expirations.of(Duration.ofSeconds(Math.max(1, current.ttl)), options.clock());
        return call(tag, op -> MetaCommands.setListIfCas(tag, current.cas, rest, exptime, op), Response::status)
                .flatMap(status -> {
                    switch (status) {
                        case HEADER:
                        case NOT_FOUND:
                        case NOT_STORED:
                            return Mono.<Void>empty();
                        case EXISTS:
                            if (attempt >= TAG_ATTEMPTS) {
                                return Mono.<Void>error(new IllegalStateException("memcached: gave up unregistering the keys of tag "
                                        + tag + " after " + attempt + " attempts lost to concurrent changes"));
                            }
                            return readList(tag).flatMap(next -> next == TagList.MISSING ? Mono.<Void>empty()
                                    : unregister(tag, read, next, attempt + 1));
                        default:
                            return Mono.<Void>error(new UncheckedIOException(new IOException(
                                    "memcached answered ms C for tag " + tag + " with " + status)));
                    }
                });
    }

    private Mono<TagList> readList(String tag) {
        return call(tag, op -> MetaCommands.getList(tag, op), response -> {
            switch (response.status()) {
                case MISS:
                    return TagList.MISSING;
                case VALUE:
                    long cas = parseToken(response.token('c') == null ? "" : response.token('c'));
                    if (cas < 0) {
                        throw unexpected("mg v c t", tag, response);
                    }
                    return new TagList(response.value(), cas, parseSigned(tag, response, 't'));
                default:
                    throw unexpected("mg v c t", tag, response);
            }
        });
    }

    private static long parseSigned(String key, Response response, char flag) {
        String token = response.token(flag);
        try {
            return Long.parseLong(token);
        } catch (NumberFormatException | NullPointerException e) {
            throw unexpected("mg " + flag, key, response);
        }
    }

    /** A tag's item as read: its bytes, CAS and remaining TTL in seconds ({@code -1}: none). */
    private static final class TagList {
        static final TagList MISSING = new TagList(new byte[0], -1, -1);
        final byte[] bytes;
        final long cas;
        final long ttl;

        TagList(byte[] bytes, long cas, long ttl) {
            this.bytes = bytes;
            this.cas = cas;
            this.ttl = ttl;
        }
    }

    /** A tag's list: the generation marker written by the last invalidation (or null), then the keys in order. */
    static final class ParsedList {
        /** First character of a generation marker: a control character, never part of a key. */
        static final char GENERATION = '\u0001';
        final String generation;
        final List<String> keys;

        private ParsedList(String generation, List<String> keys) {
            this.generation = generation;
            this.keys = keys;
        }

        static ParsedList of(byte[] bytes) {
            String generation = null;
            List<String> keys = new ArrayList<>();
            for (String token : new String(bytes, StandardCharsets.US_ASCII).split(" ")) {
                if (token.isEmpty()) {
                    continue;
                }
                if (token.charAt(0) == GENERATION) {
                    if (generation == null && keys.isEmpty()) {
                        generation = token;
                    }
                    continue;
                }
                keys.add(token);
            }
            return new ParsedList(generation, keys);
        }

        /** A new generation marker followed by {@code keys}. */
        static byte[] render(List<String> keys) {
            StringBuilder b = new StringBuilder();
            b.append(GENERATION).append(Long.toHexString(ThreadLocalRandom.current().nextLong())).append(' ');
            for (String key : keys) {
                b.append(key).append(' ');
            }
            return b.toString().getBytes(StandardCharsets.US_ASCII);
        }
    }

    /**
     * Gives up a lease whose value cannot be cached, so that other callers do not wait for it:
     * deletes the placeholder only while it still has the lease's CAS.
     */
    private Mono<Boolean> releaseLease(String key, long cas) {
        return call(key, op -> MetaCommands.deleteIfCas(key, cas, op),
                response -> response.status() == Response.Status.HEADER);
    }

    /** Sends one command to the key's server and maps its answer; {@code null} from the mapper is empty. */
    private <T> Mono<T> call(String key, LongFunction<Buffer> command, Function<Response, T> mapper) {
        return call(key, command, mapper, null);
    }

    private <T> Mono<T> call(String key, LongFunction<Buffer> command, Function<Response, T> mapper,
                             java.util.function.Consumer<Response> lateResponse) {
        return Mono.defer(() -> {
            if (closing.get()) {
                return closedError();
            }
            String invalid = MetaCommands.invalidKey(key);
            if (invalid != null) {
                return Mono.error(new IllegalArgumentException(invalid));
            }
            ServerConnection connection = ring.nodeFor(key);
            long opaque = opaques.incrementAndGet() & 0x7FFF_FFFFL;
            Buffer bytes = command.apply(opaque);
            return Mono.<T>create(sink -> {
                Request request = new Request(bytes, opaque, new Request.Callback() {
                    @Override
                    public void onResponse(Response response) {
                        T result;
                        try {
                            result = mapper.apply(response);
                        } catch (RuntimeException e) {
                            sink.error(e);
                            return;
                        }
                        if (result == null) {
                            sink.success();
                        } else {
                            sink.success(result);
                        }
                    }

                    @Override
                    public void onError(Throwable error) {
                        sink.error(error);
                    }
                });
                if (lateResponse != null) {
                    request.onLateResponse(lateResponse);
                }
                sink.onCancel(request::cancel);
                connection.submit(request);
                if (closing.get()) {
                    // closed meanwhile: the connection may never run the request (its event loop
                    // may be gone), so fail it here; a request completes at most once
                    request.fail(new IllegalStateException("the memcached store is closed"));
                }
            });
        });
    }

    /** Empty after the closed and key checks, for operations that need not reach the server. */
    private Mono<Void> checked(String key) {
        return Mono.defer(() -> {
            if (closing.get()) {
                return closedError();
            }
            String invalid = MetaCommands.invalidKey(key);
            return invalid == null ? Mono.<Void>empty() : Mono.<Void>error(new IllegalArgumentException(invalid));
        });
    }

    private static <T> Mono<T> closedError() {
        return Mono.error(new IllegalStateException("the memcached store is closed"));
    }

    private Mono<Void> doClose() {
        closing.set(true);
        List<Future<Void>> closes = new ArrayList<>();
        for (ServerConnection c : connections) {
            closes.add(c.close());
        }
        Future<Void> all = Future.join(closes).transform(ar -> client.close());
        if (ownVertx) {
            all = all.transform(ar -> vertx.close());
        }
        return Mono.fromCompletionStage(all.toCompletionStage());
    }

    private static boolean isValue(Response response) {
        return !response.has('W') && !response.has('Z') && MetaCommands.VALUE_FLAGS.equals(response.token('f'))
                && response.value() != null;
    }

    private static boolean tooLarge(Response response) {
        return response.status() == Response.Status.SERVER_ERROR && response.message() != null
                && response.message().contains("too large");
    }

    private static void warnTooLarge(String key, int size, String limit) {
        LOG.warn("memcached: the value for key {} is {} bytes, over {}; it is not cached", key, size, limit);
    }

    private static long parseToken(String token) {
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

    private static UncheckedIOException unexpected(String command, String key, Response response) {
        return new UncheckedIOException(new IOException(
                "memcached answered " + command + " for key " + key + " with " + response));
    }
}
