package dev.cacheaside.caffeine;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
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
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.core.publisher.Mono;

/**
 * A {@link CacheStore} inside this JVM, on a Caffeine cache bounded by bytes: the embedded
 * default ({@code CACHE_ENGINE=local}), for one process or for tests.
 *
 * <p>Each entry is a value or a lease and lapses after its own TTL, measured by the
 * {@linkplain LocalStoreOptions#ticker() ticker}. When the entries weigh more than
 * {@link LocalStoreOptions#maximumBytes()} (key, value and a fixed overhead per entry),
 * Caffeine evicts the least valuable ones; a single value heavier than the bound is evicted
 * straight away. Leases are atomic per key ({@code asMap().compute}): among concurrent
 * {@link #getOrLease} calls on a missing key exactly one wins. {@link #fill} and
 * {@link #replace} check and write in the same per-key compute, so among concurrent replaces
 * from one expected value exactly one succeeds, and a lease never matches an expected value.
 * Leases and values are not shared with other instances or processes.
 *
 * <p><b>Tags.</b> Each tag is a concurrent set of keys with its own deadline, kept beside the
 * Caffeine cache (not counted in its weight: about 100 bytes per registration).
 * {@link #tag} adds the key to each tag's set and moves the tag's deadline later, never earlier.
 * {@link #invalidateTag} removes each member's entry (value or lease) under the key's lock and
 * only then unregisters the member, and only if it was not tagged again meanwhile: a member
 * stays in the set until its entry is gone, so an invalidation that runs beside another one
 * still finds (and removes) every key tagged before it started, and a key tagged again after
 * its entry went stays registered for the next invalidation, so no registration is lost. A tag whose
 * deadline passed is dropped by the next {@link #tag} or {@link #invalidateTag} of it; by then
 * every entry registered under it has lapsed too (the engine tags for at least the entry's TTL).
 *
 * <p>Values are copied in and out: changing an array after {@link #set} or after reading it
 * never changes what is stored. Every method is lazy (nothing happens until subscription), runs
 * on the subscribing thread without blocking it beyond a short per-key lock, and is thread safe.
 * Arguments are checked when the method is called: {@code null} arguments throw
 * {@link NullPointerException}, a TTL that is not positive {@link IllegalArgumentException}.
 * After {@link #closeAsync()} every operation signals {@link IllegalStateException}.
 */
public final class LocalCacheStore implements TaggedStore, CompareAndSetStore, SelfBoundedStore {

    private final Cache<String, Entry> cache;
    private final Ticker ticker;
    private final LocalStoreOptions options;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ConcurrentHashMap<String, TagSet> tags = new ConcurrentHashMap<>();

    private LocalCacheStore(LocalStoreOptions options) {
        this.options = options;
        this.ticker = options.ticker();
        this.cache = Caffeine.newBuilder()
                .maximumWeight(options.maximumBytes())
                .weigher((String key, Entry entry) -> entry.weight(key))
                .expireAfter(new DeadlineExpiry())
                .ticker(ticker)
                .build();
    }

    /** A store with the default options ({@link LocalStoreOptions#create()}). */
    public static LocalCacheStore create() {
        return create(LocalStoreOptions.create());
    }

    /** A store with {@code options}; it holds no threads of its own. */
    public static LocalCacheStore create(LocalStoreOptions options) {
        return new LocalCacheStore(Objects.requireNonNull(options, "options"));
    }

    /** The options this store was made with. */
    public LocalStoreOptions options() {
        return options;
    }

    @Override
    public Mono<byte[]> get(String key) {
        Objects.requireNonNull(key, "key");
        return Mono.fromCallable(() -> {
            ensureOpen();
            Entry entry = cache.getIfPresent(key);
            return entry != null && entry.isValue() ? entry.value().clone() : null;
        });
    }

    @Override
    public Mono<Void> set(String key, byte[] value, Duration ttl) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        long ttlNanos = positiveNanos(ttl, "ttl");
        return Mono.fromRunnable(() -> {
            ensureOpen();
            cache.put(key, Entry.value(value.clone(), deadline(ttlNanos)));
        });
    }

    @Override
    public Mono<Boolean> delete(String key) {
        Objects.requireNonNull(key, "key");
        return Mono.fromCallable(() -> {
            ensureOpen();
            Entry removed = cache.asMap().remove(key);
            return removed != null && removed.isValue() && removed.isLive(ticker.read());
        });
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
        long leaseNanos = positiveNanos(leaseTtl, "leaseTtl");
        return Mono.fromCallable(() -> {
            ensureOpen();
            Entry present = cache.getIfPresent(key);
            if (present != null && present.isValue()) {
                return CacheLookup.hit(present.value().clone());
            }
            CacheLookup[] outcome = new CacheLookup[1];
            cache.asMap().compute(key, (k, current) -> {
                if (current != null && current.isLive(ticker.read())) {
                    if (current.isValue()) {
                        outcome[0] = CacheLookup.hit(current.value().clone());
                        return current;
                    }
                    outcome[0] = CacheLookup.leaseHeld();
                    long cut = deadline(leaseNanos);
                    // a lease taken with a longer TTL blocks the key no longer than this caller's
                    return current.expiresAt() - cut > 0 ? current.withExpiry(cut) : current;
                }
                String token = newLeaseToken();
                outcome[0] = CacheLookup.leaseWon(token);
                return Entry.lease(token, deadline(leaseNanos));
            });
            return outcome[0];
        });
    }

    @Override
    public Mono<Boolean> fill(String key, String leaseToken, byte[] value, Duration ttl) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(leaseToken, "leaseToken");
        Objects.requireNonNull(value, "value");
        long ttlNanos = positiveNanos(ttl, "ttl");
        return Mono.fromCallable(() -> {
            ensureOpen();
            boolean[] filled = new boolean[1];
            cache.asMap().computeIfPresent(key, (k, current) -> {
                if (current.isLeaseWith(leaseToken) && current.isLive(ticker.read())) {
                    filled[0] = true;
                    return Entry.value(value.clone(), deadline(ttlNanos));
                }
                return current;
            });
            return filled[0];
        });
    }

    /**
     * Replaces the value under {@code key} with {@code value} only if it is live and holds exactly
     * the bytes {@code expected}; compared and written inside one atomic per-key compute, so no
     * other operation on the key comes in between. A lease never matches.
     */
    @Override
    public Mono<Boolean> replace(String key, byte[] expected, byte[] value, Duration ttl) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(value, "value");
        long ttlNanos = positiveNanos(ttl, "ttl");
        return Mono.fromCallable(() -> {
            ensureOpen();
            boolean[] replaced = new boolean[1];
            cache.asMap().computeIfPresent(key, (k, current) -> {
                if (current.isValue() && current.isLive(ticker.read()) && Arrays.equals(current.value(), expected)) {
                    replaced[0] = true;
                    return Entry.value(value.clone(), deadline(ttlNanos));
                }
                return current;
            });
            return replaced[0];
        });
    }

    /** {@inheritDoc} In-process: nothing ever waits. */
    @Override
    public Duration operationTimeout() {
        return Duration.ZERO;
    }

    /**
     * Adds {@code key} to each tag's set and keeps each tag at least {@code ttl} from now (a
     * later deadline already set stays). Completes once every registration is in place.
     */
    @Override
    public Mono<Void> tag(Collection<String> tagNames, String key, Duration ttl) {
        Objects.requireNonNull(tagNames, "tags");
        Objects.requireNonNull(key, "key");
        long ttlNanos = positiveNanos(ttl, "ttl");
        List<String> names = List.copyOf(tagNames);
        return Mono.fromRunnable(() -> {
            ensureOpen();
            for (String name : names) {
                long deadline = deadline(ttlNanos);
                TagSet set = tags.compute(name, (n, current) -> {
                    TagSet live = current == null || !current.isLive(ticker.read()) ? new TagSet() : current;
                    if (live != current || deadline - live.expiresAt > 0) {
                        live.expiresAt = deadline;
                    }
                    return live;
                });
                // registered under the key's own lock, so that a prune cannot interleave
                cache.asMap().compute(key, (k, entry) -> {
                    set.members.put(key, set.generations.incrementAndGet());
                    return entry;
                });
                if (set.members.size() >= set.pruneAt) {
                    prune(set);
                }
            }
        });
    }

    /**
     * Removes the entry (value or lease) of every key registered under {@code tag}. Each entry
     * goes under its key's lock, and its key leaves the set only afterwards and only if it was
     * not tagged again meanwhile. When this completes, no key tagged before it started holds an
     * entry from before that tag call, even while other invalidations of the same tag run.
     *
     * @return how many live values were removed
     */
    @Override
    public Mono<Long> invalidateTag(String tag) {
        Objects.requireNonNull(tag, "tag");
        return Mono.fromCallable(() -> {
            ensureOpen();
            TagSet set = tags.get(tag);
            if (set == null) {
                return 0L;
            }
            long removed = 0;
            long now = ticker.read();
            Long[] seen = new Long[1];
            boolean[] value = new boolean[1];
            for (String key : new ArrayList<>(set.members.keySet())) {
                seen[0] = null;
                value[0] = false;
                cache.asMap().compute(key, (k, entry) -> {
                    seen[0] = set.members.get(key);
                    if (seen[0] == null) {
                        return entry;  // another invalidation removed it and unregistered the key
                    }
                    value[0] = entry != null && entry.isValue() && entry.isLive(now);
                    return null;
                });
                if (seen[0] != null) {
                    // unregister only the registration whose entry just went: a key tagged
                    // again since then keeps its newer registration
                    set.members.remove(key, seen[0]);
                    if (value[0]) {
                        removed++;
                    }
                }
            }
            // drop the set once it lapsed and emptied, unless a tag call revived it meanwhile
            tags.computeIfPresent(tag, (n, current) ->
                    current.members.isEmpty() && !current.isLive(ticker.read()) ? null : current);
            return removed;
        });
    }

    /**
     * Unregisters the members whose entry is gone (lapsed, evicted or deleted), each checked
     * and removed under its key's lock, so a key being tagged at that moment stays registered.
     * Run when a set reaches twice its size after the previous prune (at least
     * {@link TagSet#MIN_PRUNE}), so it costs O(1) per {@link #tag} amortized and a set holds
     * about twice the keys that still have an entry.
     */
    private void prune(TagSet set) {
        if (!set.pruning.compareAndSet(false, true)) {
            return;
        }
        try {
            long now = ticker.read();
            for (String key : new ArrayList<>(set.members.keySet())) {
                cache.asMap().compute(key, (k, entry) -> {
                    if (entry == null || !entry.isLive(now)) {
                        set.members.remove(key);
                    }
                    return entry;
                });
            }
            set.pruneAt = Math.max(TagSet.MIN_PRUNE, 2 * set.members.size());
        } finally {
            set.pruning.set(false);
        }
    }

    /** The keys registered under {@code tag} while it is live; for tests. */
    Set<String> tagged(String tag) {
        TagSet set = tags.get(tag);
        return set == null || !set.isLive(ticker.read()) ? Set.of() : Set.copyOf(set.members.keySet());
    }

    /** The time {@code tag} has left, or {@code null} when there is no live tag; for tests. */
    Duration tagTtlOf(String tag) {
        TagSet set = tags.get(tag);
        if (set == null) {
            return null;
        }
        long left = set.expiresAt - ticker.read();
        return left > 0 ? Duration.ofNanos(left) : null;
    }

    /** Drops every entry; afterwards every operation signals {@link IllegalStateException}. */
    @Override
    public Mono<Void> closeAsync() {
        return Mono.fromRunnable(() -> {
            if (closed.compareAndSet(false, true)) {
                cache.invalidateAll();
                tags.clear();
            }
        });
    }

    /** Runs Caffeine's pending maintenance (eviction) now; for tests. */
    void cleanUp() {
        cache.cleanUp();
    }

    /**
     * The time the live value under {@code key} has left on the ticker, or {@code null} when
     * there is none (nothing, a lease, or lapsed); for tests.
     */
    Duration ttlOf(String key) {
        Entry entry = cache.getIfPresent(key);
        if (entry == null || !entry.isValue()) {
            return null;
        }
        long left = entry.expiresAt() - ticker.read();
        return left > 0 ? Duration.ofNanos(left) : null;
    }

    /** The weight of the entries held, in bytes as counted by the weigher; for tests. */
    long weightedSize() {
        return cache.policy().eviction().orElseThrow().weightedSize().orElseThrow();
    }

    @Override
    public String toString() {
        return "LocalCacheStore[maximumBytes=" + options.maximumBytes() + (closed.get() ? ", closed" : "") + "]";
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("LocalCacheStore is closed");
        }
    }

    private long deadline(long ttlNanos) {
        return ticker.read() + ttlNanos;
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
