package dev.cacheaside.r2dbc;

import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CacheStore;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.core.publisher.Mono;

/**
 * A tiny {@link CacheStore} for these tests: values and leases in a {@link ConcurrentHashMap},
 * TTLs on the real clock. Thread safe; each operation is atomic per key.
 */
final class MapCacheStore implements CacheStore {

    private static final class Entry {
        final byte[] value;
        final String lease;
        final long deadline;

        Entry(byte[] value, String lease, Duration ttl) {
            this.value = value;
            this.lease = lease;
            this.deadline = System.nanoTime() + ttl.toNanos();
        }

        boolean live() {
            return System.nanoTime() - deadline < 0;
        }
    }

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    /** How many live values (not leases) the store holds. */
    long size() {
        return entries.values().stream().filter(e -> e.live() && e.value != null).count();
    }

    private <T> Mono<T> op(java.util.function.Supplier<T> action) {
        return Mono.defer(() -> closed.get() ? Mono.error(new IllegalStateException("store is closed"))
                : Mono.justOrEmpty(action.get()));
    }

    @Override
    public Mono<byte[]> get(String key) {
        return op(() -> {
            Entry e = entries.get(key);
            return e != null && e.live() ? e.value : null;
        });
    }

    @Override
    public Mono<Void> set(String key, byte[] value, Duration ttl) {
        return op(() -> {
            entries.put(key, new Entry(value, null, ttl));
            return null;
        });
    }

    @Override
    public Mono<Boolean> delete(String key) {
        return op(() -> {
            Entry e = entries.remove(key);
            return e != null && e.live() && e.value != null;
        });
    }

    @Override
    public Mono<CacheLookup> getOrLease(String key, Duration leaseTtl) {
        return op(() -> {
            CacheLookup[] out = new CacheLookup[1];
            entries.compute(key, (k, e) -> {
                if (e != null && e.live()) {
                    out[0] = e.value != null ? CacheLookup.hit(e.value) : CacheLookup.leaseHeld();
                    return e;
                }
                String token = UUID.randomUUID().toString();
                out[0] = CacheLookup.leaseWon(token);
                return new Entry(null, token, leaseTtl);
            });
            return out[0];
        });
    }

    @Override
    public Mono<Boolean> fill(String key, String leaseToken, byte[] value, Duration ttl) {
        return op(() -> {
            boolean[] stored = new boolean[1];
            entries.computeIfPresent(key, (k, e) -> {
                if (e.live() && e.value == null && leaseToken.equals(e.lease)) {
                    stored[0] = true;
                    return new Entry(value, null, ttl);
                }
                return e;
            });
            return stored[0];
        });
    }

    @Override
    public Mono<Void> closeAsync() {
        return Mono.fromRunnable(() -> closed.set(true));
    }
}
