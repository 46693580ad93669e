package dev.cacheaside.testing;

import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.CompareAndSetStore;
import dev.cacheaside.spi.TaggedStore;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Mono;

/**
 * A {@link CacheStore} for tests: a map with TTLs on a clock the test moves, counters of every
 * call, and failures switched on by the test. Thread safe.
 */
public final class InMemoryCacheStore implements TaggedStore, CompareAndSetStore {

    private static final class Entry {
        final byte[] value;
        final String leaseToken;
        final long expiresAtMillis;
        final Duration ttl;

        Entry(byte[] value, String leaseToken, long expiresAtMillis, Duration ttl) {
            this.value = value;
            this.leaseToken = leaseToken;
            this.expiresAtMillis = expiresAtMillis;
            this.ttl = ttl;
        }
    }

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong nowMillis = new AtomicLong(1_000_000);
    private final boolean realTime;

    /** A store on a clock that only the test moves ({@link #advance}). */
    public InMemoryCacheStore() {
        this(false);
    }

    private InMemoryCacheStore(boolean realTime) {
        this.realTime = realTime;
    }

    /** A store whose TTLs run on the real clock, like a server's. */
    public static InMemoryCacheStore realTime() {
        return new InMemoryCacheStore(true);
    }
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicReference<RuntimeException> readFailure = new AtomicReference<>();
    private final AtomicReference<RuntimeException> writeFailure = new AtomicReference<>();
    /** Calls of get and getOrLease. */
    public final AtomicInteger reads = new AtomicInteger();
    /** Calls of set and fill. */
    public final AtomicInteger writes = new AtomicInteger();
    /** Calls of delete. */
    public final AtomicInteger deletes = new AtomicInteger();

    private long now() {
        return realTime ? System.currentTimeMillis() + nowMillis.get() : nowMillis.get();
    }

    /** Moves this store's clock forward. */
    public void advance(Duration duration) {
        nowMillis.addAndGet(duration.toMillis());
    }

    /** Makes every read fail with {@code failure} (null to stop). */
    public void failReads(RuntimeException failure) {
        readFailure.set(failure);
    }

    /** Makes every write fail with {@code failure} (null to stop). */
    public void failWrites(RuntimeException failure) {
        writeFailure.set(failure);
    }

    /** Puts raw bytes under a key, as another writer (or corruption) would. */
    public void put(String key, byte[] value, Duration ttl) {
        entries.put(key, new Entry(value, null, now() + ttl.toMillis(), ttl));
    }

    /** The live value under {@code key}, or null. */
    public byte[] peek(String key) {
        Entry e = live(key);
        return e == null ? null : e.value;
    }

    /** The TTL the live value under {@code key} was written with, or null. */
    public Duration ttlOf(String key) {
        Entry e = live(key);
        return e == null || e.value == null ? null : e.ttl;
    }

    /** How many live values the store holds. */
    public long size() {
        return entries.keySet().stream().filter(k -> peek(k) != null).count();
    }

    private Entry live(String key) {
        Entry e = entries.get(key);
        if (e != null && e.expiresAtMillis <= now()) {
            entries.remove(key, e);
            return null;
        }
        return e;
    }

    private <T> Mono<T> guard(AtomicReference<RuntimeException> failure) {
        if (closed.get()) {
            return Mono.error(new IllegalStateException("store is closed"));
        }
        RuntimeException f = failure == null ? null : failure.get();
        return f == null ? null : Mono.error(f);
    }

    @Override
    public Mono<byte[]> get(String key) {
        return Mono.defer(() -> {
            reads.incrementAndGet();
            Mono<byte[]> failed = guard(readFailure);
            if (failed != null) {
                return failed;
            }
            Entry e = live(key);
            return e == null || e.value == null ? Mono.empty() : Mono.just(e.value);
        });
    }

    @Override
    public Mono<Void> set(String key, byte[] value, Duration ttl) {
        return Mono.defer(() -> {
            writes.incrementAndGet();
            Mono<Void> failed = guard(writeFailure);
            if (failed != null) {
                return failed;
            }
            entries.put(key, new Entry(value, null, now() + ttl.toMillis(), ttl));
            return Mono.empty();
        });
    }

    @Override
    public Mono<Boolean> delete(String key) {
        return Mono.defer(() -> {
            deletes.incrementAndGet();
            Mono<Boolean> failed = guard(writeFailure);
            if (failed != null) {
                return failed;
            }
            Entry e = live(key);
            entries.remove(key);
            return Mono.just(e != null && e.value != null);
        });
    }

    @Override
    public Mono<CacheLookup> getOrLease(String key, Duration leaseTtl) {
        return Mono.defer(() -> {
            reads.incrementAndGet();
            Mono<CacheLookup> failed = guard(readFailure);
            if (failed != null) {
                return failed;
            }
            AtomicReference<CacheLookup> result = new AtomicReference<>();
            entries.compute(key, (k, e) -> {
                if (e != null && e.expiresAtMillis > now()) {
                    result.set(e.value != null ? CacheLookup.hit(e.value) : CacheLookup.leaseHeld());
                    return e;
                }
                String token = UUID.randomUUID().toString();
                result.set(CacheLookup.leaseWon(token));
                return new Entry(null, token, now() + leaseTtl.toMillis(), leaseTtl);
            });
            return Mono.just(result.get());
        });
    }

    @Override
    public Mono<Boolean> fill(String key, String leaseToken, byte[] value, Duration ttl) {
        return Mono.defer(() -> {
            writes.incrementAndGet();
            Mono<Boolean> failed = guard(writeFailure);
            if (failed != null) {
                return failed;
            }
            AtomicBoolean stored = new AtomicBoolean();
            entries.computeIfPresent(key, (k, e) -> {
                if (e.value == null && leaseToken.equals(e.leaseToken) && e.expiresAtMillis > now()) {
                    stored.set(true);
                    return new Entry(value, null, now() + ttl.toMillis(), ttl);
                }
                return e;
            });
            return Mono.just(stored.get());
        });
    }

    @Override
    public Mono<Boolean> replace(String key, byte[] expected, byte[] value, Duration ttl) {
        return Mono.defer(() -> {
            writes.incrementAndGet();
            Mono<Boolean> failed = guard(writeFailure);
            if (failed != null) {
                return failed;
            }
            AtomicBoolean stored = new AtomicBoolean();
            entries.computeIfPresent(key, (k, e) -> {
                if (e.value != null && java.util.Arrays.equals(e.value, expected) && e.expiresAtMillis > now()) {
                    stored.set(true);
                    return new Entry(value, null, now() + ttl.toMillis(), ttl);
                }
                return e;
            });
            return Mono.just(stored.get());
        });
    }

    private final Map<String, java.util.Set<String>> tags = new ConcurrentHashMap<>();
    /** Calls of tag. */
    public final AtomicInteger tagCalls = new AtomicInteger();

    @Override
    public Mono<Void> tag(java.util.Collection<String> tagNames, String key, Duration ttl) {
        return Mono.defer(() -> {
            tagCalls.incrementAndGet();
            Mono<Void> failed = guard(writeFailure);
            if (failed != null) {
                return failed;
            }
            for (String tag : tagNames) {
                tags.computeIfAbsent(tag, t -> ConcurrentHashMap.newKeySet()).add(key);
            }
            return Mono.empty();
        });
    }

    @Override
    public Mono<Long> invalidateTag(String tag) {
        return Mono.defer(() -> {
            deletes.incrementAndGet();
            Mono<Long> failed = guard(writeFailure);
            if (failed != null) {
                return failed;
            }
            java.util.Set<String> members = tags.getOrDefault(tag, java.util.Set.of());
            long removed = 0;
            for (String key : java.util.List.copyOf(members)) {
                // unregister first: a key tagged again meanwhile stays registered for the next call
                members.remove(key);
                Entry e = live(key);
                entries.remove(key);
                if (e != null && e.value != null) {
                    removed++;
                }
            }
            return Mono.just(removed);
        });
    }

    /** The keys registered under {@code tag}. */
    public java.util.Set<String> tagged(String tag) {
        return java.util.Set.copyOf(tags.getOrDefault(tag, java.util.Set.of()));
    }

    /** The store's clock, epoch milliseconds; engines under test should read the same clock. */
    public long nowMillis() {
        return now();
    }

    @Override
    public Mono<Void> closeAsync() {
        return Mono.fromRunnable(() -> closed.set(true));
    }

    /** Whether {@link #closeAsync()} ran. */
    public boolean isClosed() {
        return closed.get();
    }
}
