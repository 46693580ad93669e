package dev.cacheaside.testkit;

import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.CompareAndSetStore;
import dev.cacheaside.spi.SelfBoundedStore;
import dev.cacheaside.spi.TaggedStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import reactor.core.publisher.Mono;

/**
 * A {@link CacheStore} in a map, with every capability ({@link TaggedStore},
 * {@link CompareAndSetStore}, {@link SelfBoundedStore}), that passes {@link CacheStoreContract}:
 * a stand-in for a cache server in tests of code built on the library, and a reference for the
 * behaviour a store of your own must have.
 *
 * <p>Each entry is a value or a lease and lapses after its own TTL, measured by a nanosecond
 * ticker: {@link System#nanoTime()} by default ({@link #create()}), or one the test moves
 * ({@link #create(LongSupplier)}), so that expiry is tested without waiting. Nothing is ever
 * evicted before its TTL, and nothing bounds the size: the store is for tests, not production.
 *
 * <p>{@link #newClient()} gives another store over the same entries, leases and tags, as a second
 * connection to one server would; closing one of them leaves the others open. After
 * {@link #closeAsync()} every operation of that client signals {@link IllegalStateException}.
 *
 * <p>Every operation is lazy (nothing happens until subscription), atomic per key, thread safe,
 * and runs on the subscribing thread without blocking it beyond a short per-key lock. Values are
 * copied in and out. {@code null} arguments throw {@link NullPointerException} and a TTL that is
 * not positive {@link IllegalArgumentException}, at the call.
 */
public final class InMemoryCacheStore implements TaggedStore, CompareAndSetStore, SelfBoundedStore {

    /** The state every client of one store shares. */
    private static final class Memory {
        final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
        final ConcurrentHashMap<String, Tag> tags = new ConcurrentHashMap<>();
        final AtomicLong registrations = new AtomicLong();
        final LongSupplier ticker;

        Memory(LongSupplier ticker) {
            this.ticker = ticker;
        }
    }

    /** A value (token null) or a lease (value null), live until the ticker reaches {@code expiresAt}. */
    private record Entry(byte[] value, String token, long expiresAt) {
        boolean isLive(long now) {
            return expiresAt - now > 0;
        }

        boolean isValue() {
            return value != null;
        }
    }

    /**
     * The keys under one tag, each with the registration that put it there (a new number every
     * time it is tagged); the deadline only moves later, under the tag map's compute.
     */
    private static final class Tag {
        final ConcurrentHashMap<String, Long> members = new ConcurrentHashMap<>();
        volatile long expiresAt;
    }

    private final Memory memory;
    private final AtomicBoolean closed = new AtomicBoolean();

    private InMemoryCacheStore(Memory memory) {
        this.memory = memory;
    }

    /** A store whose TTLs run on {@link System#nanoTime()}, as a server's do. */
    public static InMemoryCacheStore create() {
        return create(System::nanoTime);
    }

    /**
     * A store whose TTLs run on {@code nanoTicker} (nanoseconds, any origin), for example an
     * {@code AtomicLong} the test moves forward.
     */
    public static InMemoryCacheStore create(LongSupplier nanoTicker) {
        return new InMemoryCacheStore(new Memory(Objects.requireNonNull(nanoTicker, "nanoTicker")));
    }

    /**
     * Another client of this store: it sees the same entries, leases and tags, and has its own
     * open or closed state.
     */
    public InMemoryCacheStore newClient() {
        return new InMemoryCacheStore(memory);
    }

    @Override
    public Mono<byte[]> get(String key) {
        Objects.requireNonNull(key, "key");
        return Mono.fromCallable(() -> {
            Entry entry = live(key);
            return entry != null && entry.isValue() ? entry.value().clone() : null;
        });
    }

    @Override
    public Mono<Void> set(String key, byte[] value, Duration ttl) {
        Objects.requireNonNull(key, "key");
        byte[] copy = Objects.requireNonNull(value, "value").clone();
        long ttlNanos = positiveNanos(ttl, "ttl");
        return Mono.fromRunnable(() -> {
            ensureOpen();
            memory.entries.put(key, new Entry(copy, null, now() + ttlNanos));
        });
    }

    @Override
    public Mono<Boolean> delete(String key) {
        Objects.requireNonNull(key, "key");
        return Mono.fromCallable(() -> {
            ensureOpen();
            Entry removed = memory.entries.remove(key);
            return removed != null && removed.isValue() && removed.isLive(now());
        });
    }

    /**
     * {@inheritDoc} A lease held with a deadline later than {@code leaseTtl} from now is cut to
     * it, so a lease taken with a longer TTL blocks the key no longer than this caller's.
     */
    @Override
    public Mono<CacheLookup> getOrLease(String key, Duration leaseTtl) {
        Objects.requireNonNull(key, "key");
        long leaseNanos = positiveNanos(leaseTtl, "leaseTtl");
        return Mono.fromCallable(() -> {
            ensureOpen();
            CacheLookup[] outcome = new CacheLookup[1];
            memory.entries.compute(key, (k, current) -> {
                long now = now();
                if (current != null && current.isLive(now)) {
                    if (current.isValue()) {
                        outcome[0] = CacheLookup.hit(current.value().clone());
                        return current;
                    }
                    outcome[0] = CacheLookup.leaseHeld();
                    long cut = now + leaseNanos;
                    return current.expiresAt() - cut > 0 ? new Entry(null, current.token(), cut) : current;
                }
                String token = newToken();
                outcome[0] = CacheLookup.leaseWon(token);
                return new Entry(null, token, now + leaseNanos);
            });
            return outcome[0];
        });
    }

    @Override
    public Mono<Boolean> fill(String key, String leaseToken, byte[] value, Duration ttl) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(leaseToken, "leaseToken");
        byte[] copy = Objects.requireNonNull(value, "value").clone();
        long ttlNanos = positiveNanos(ttl, "ttl");
        return Mono.fromCallable(() -> {
            ensureOpen();
            boolean[] filled = new boolean[1];
            memory.entries.computeIfPresent(key, (k, current) -> {
                long now = now();
                if (!current.isValue() && leaseToken.equals(current.token()) && current.isLive(now)) {
                    filled[0] = true;
                    return new Entry(copy, null, now + ttlNanos);
                }
                return current;
            });
            return filled[0];
        });
    }

    @Override
    public Mono<Boolean> replace(String key, byte[] expected, byte[] value, Duration ttl) {
        Objects.requireNonNull(key, "key");
        byte[] match = Objects.requireNonNull(expected, "expected").clone();
        byte[] copy = Objects.requireNonNull(value, "value").clone();
        long ttlNanos = positiveNanos(ttl, "ttl");
        return Mono.fromCallable(() -> {
            ensureOpen();
            boolean[] replaced = new boolean[1];
            memory.entries.computeIfPresent(key, (k, current) -> {
                long now = now();
                if (current.isValue() && current.isLive(now) && Arrays.equals(current.value(), match)) {
                    replaced[0] = true;
                    return new Entry(copy, null, now + ttlNanos);
                }
                return current;
            });
            return replaced[0];
        });
    }

    /**
     * {@inheritDoc} Registers the key in each tag's set and keeps each tag at least {@code ttl}
     * from now (a later deadline stays). A tag whose deadline passed starts again empty.
     */
    @Override
    public Mono<Void> tag(Collection<String> tags, String key, Duration ttl) {
        List<String> names = List.copyOf(Objects.requireNonNull(tags, "tags"));
        Objects.requireNonNull(key, "key");
        long ttlNanos = positiveNanos(ttl, "ttl");
        return Mono.fromRunnable(() -> {
            ensureOpen();
            for (String name : names) {
                memory.tags.compute(name, (n, current) -> {
                    long deadline = now() + ttlNanos;
                    Tag tag = current == null || current.expiresAt - now() <= 0 ? new Tag() : current;
                    if (tag != current || deadline - tag.expiresAt > 0) {
                        tag.expiresAt = deadline;
                    }
                    tag.members.put(key, memory.registrations.incrementAndGet());
                    return tag;
                });
            }
        });
    }

    /**
     * {@inheritDoc} Removes each member's entry first and only then takes the member out of the
     * tag's set, and only if it was not tagged again meanwhile: so every key tagged before this
     * call either loses its entry here or is still registered for the next invalidation, even
     * while another invalidation of the same tag is half-way through it; a key tagged again
     * after its entry went here stays registered.
     */
    @Override
    public Mono<Long> invalidateTag(String tag) {
        Objects.requireNonNull(tag, "tag");
        return Mono.fromCallable(() -> {
            ensureOpen();
            Tag set = memory.tags.get(tag);
            if (set == null) {
                return 0L;
            }
            long removed = 0;
            for (Map.Entry<String, Long> member : new ArrayList<>(set.members.entrySet())) {
                Entry entry = memory.entries.remove(member.getKey());
                if (entry != null && entry.isValue() && entry.isLive(now())) {
                    removed++;
                }
                set.members.remove(member.getKey(), member.getValue());
            }
            return removed;
        });
    }

    /** {@inheritDoc} In memory: nothing ever waits, so {@link Duration#ZERO}. */
    @Override
    public Duration operationTimeout() {
        return Duration.ZERO;
    }

    /**
     * The time the live value under {@code key} has left on the ticker, or {@code null} when
     * there is none (nothing, only a lease, or lapsed).
     */
    public Duration ttlOf(String key) {
        Entry entry = memory.entries.get(Objects.requireNonNull(key, "key"));
        if (entry == null || !entry.isValue()) {
            return null;
        }
        long left = entry.expiresAt() - now();
        return left > 0 ? Duration.ofNanos(left) : null;
    }

    /** The time {@code tag} has left on the ticker, or {@code null} when no such tag is live. */
    public Duration tagTtlOf(String tag) {
        Tag set = memory.tags.get(Objects.requireNonNull(tag, "tag"));
        if (set == null) {
            return null;
        }
        long left = set.expiresAt - now();
        return left > 0 ? Duration.ofNanos(left) : null;
    }

    /** Closes this client; the other clients of the store stay open. Idempotent. */
    @Override
    public Mono<Void> closeAsync() {
        return Mono.fromRunnable(() -> closed.set(true));
    }

    @Override
    public String toString() {
        return "InMemoryCacheStore[" + (closed.get() ? "closed" : "open") + "]";
    }

    /** The entry under {@code key} while it is live; a lapsed one is removed. */
    private Entry live(String key) {
        ensureOpen();
        Entry entry = memory.entries.get(key);
        if (entry != null && !entry.isLive(now())) {
            memory.entries.remove(key, entry);
            return null;
        }
        return entry;
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("this InMemoryCacheStore client is closed");
        }
    }

    private long now() {
        return memory.ticker.getAsLong();
    }

    /** Unique, not secret; {@code ThreadLocalRandom} never blocks, unlike {@code SecureRandom}. */
    private static String newToken() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return new UUID(random.nextLong(), random.nextLong()).toString();
    }

    /** At most about 146 years, so that adding it to a ticker reading never overflows. */
    private static long positiveNanos(Duration ttl, String name) {
        Objects.requireNonNull(ttl, name);
        if (ttl.isZero() || ttl.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive, was " + ttl);
        }
        long cap = Long.MAX_VALUE / 2;
        return ttl.compareTo(Duration.ofNanos(cap)) > 0 ? cap : ttl.toNanos();
    }
}
