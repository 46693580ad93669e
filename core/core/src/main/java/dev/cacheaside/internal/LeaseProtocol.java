package dev.cacheaside.internal;

import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CacheStore;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import reactor.core.publisher.Mono;

/**
 * The cache side of a lookup: reads a key and, with {@linkplain EngineSettings#leases()
 * leases}, takes its lease when it is missing; releases leases; and remembers what failed reads
 * imply. A read that timed out may have taken a lease whose reply nobody saw: this instance then
 * does not wait for that key's lease until the lease TTL has passed ({@link #possiblyOurOrphan}).
 * A key whose reads time out {@value #TIMEOUTS_BEFORE_DELETE} times in a row is deleted in the
 * background, so a value too large to read heals. Thread safe.
 */
public final class LeaseProtocol {

    /** Logs under the facade's name, which applications configure. */
    private static final Logger log = EngineLog.logger();

    /** How many reads of one key in a row may time out before the key is deleted. */
    public static final int TIMEOUTS_BEFORE_DELETE = 3;

    private final GuardedStore store;
    private final EngineSettings options;
    private final Counters counters;
    private final CacheFailureLog failures;
    private final TableInvalidator invalidator;
    private final BackgroundTasks background;
    /** Keys whose lease read timed out here, until when: their lease may be ours, orphaned. */
    private final ConcurrentHashMap<String, Long> orphanLeases = new ConcurrentHashMap<>();
    /** Reads of a key that timed out in a row, by key; see {@link #readFailed}. */
    private final ConcurrentHashMap<String, Integer> readTimeouts = new ConcurrentHashMap<>();

    public LeaseProtocol(GuardedStore store, EngineSettings options, Counters counters, CacheFailureLog failures,
                         TableInvalidator invalidator, BackgroundTasks background) {
        this.store = store;
        this.options = options;
        this.counters = counters;
        this.failures = failures;
        this.invalidator = invalidator;
        this.background = background;
    }

    /**
     * Reads {@code key}, taking its lease when it has no value and leases are on. Never errors: a
     * failed read is {@link Found#UNREACHABLE} (counted and logged).
     */
    Mono<Found> lookup(String key) {
        Mono<CacheLookup> call = options.leases()
                ? store.getOrLease(key, options.leaseTtl())
                : store.get(key).map(CacheLookup::hit);
        return call
                .map(lookup -> answered(key, lookup))
                .switchIfEmpty(Mono.fromSupplier(() -> answered(key, null)))
                .onErrorResume(e -> Mono.just(unreachable(key, e)));
    }

    /**
     * The unguarded read behind {@link #lookup}, for a caller that guards it inline
     * ({@link HitPath}): the wrapped store's {@code getOrLease} (a {@link CacheLookup}) with leases
     * on, its {@code get} (the bytes) without. The store is called now.
     */
    Mono<?> read(String key) {
        CacheStore raw = store.delegate();
        return options.leases() ? raw.getOrLease(key, options.leaseTtl()) : raw.get(key);
    }

    /**
     * What a read of {@code key} that answered found: {@code value} is a {@link CacheLookup}, the
     * bytes of a {@code get}, or null when the read completed empty.
     */
    Found answered(String key, Object value) {
        Found found;
        if (value == null) {
            found = Found.ABSENT;
        } else if (value instanceof byte[] bytes) {
            found = Found.hit(bytes);
        } else {
            CacheLookup lookup = (CacheLookup) value;
            if (lookup.kind() != CacheLookup.Kind.LEASE_HELD && !orphanLeases.isEmpty()) {
                // a value or a lease of ours: whatever we may have orphaned is gone
                orphanLeases.remove(key);
            }
            found = Found.of(lookup);
        }
        readAnswered(key);
        return found;
    }

    /** What a read of {@code key} that failed with {@code e} found: {@link Found#UNREACHABLE}, counted and logged. */
    Found unreachable(String key, Throwable e) {
        counters.cacheReadErrors.increment();
        failures.failed("cache read of " + key + " failed, the database answers", e);
        readFailed(key, e);
        if (options.leases() && timedOut(e)) {
            // the store may have taken the lease for us with a reply that came too late
            rememberOrphan(key);
        }
        return Found.UNREACHABLE;
    }

    /**
     * Whether {@code e} says that a cache call did not complete in time (see {@link CacheStore}):
     * it, or an exception in its cause chain, is a {@link TimeoutException} (the engine's own
     * timer, Reactor's {@code timeout}) or of a class whose name, or whose superclass's name, ends
     * with {@code TimeoutException} (Lettuce's {@code RedisCommandTimeoutException}, a store's
     * own). Such a call may have reached the server and taken a lease whose reply nobody saw.
     */
    public static boolean timedOut(Throwable e) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
            if (t instanceof TimeoutException) {
                return true;
            }
            for (Class<?> c = t.getClass(); c != null && c != Throwable.class; c = c.getSuperclass()) {
                if (c.getSimpleName().endsWith("TimeoutException")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A read of {@code key} answered: it is not one that keeps timing out. */
    private void readAnswered(String key) {
        if (!readTimeouts.isEmpty()) {
            readTimeouts.remove(key);
        }
    }

    /**
     * A read of {@code key} failed. After {@value #TIMEOUTS_BEFORE_DELETE} timeouts in a row the
     * key is deleted in the background: a value too large to read within the cache timeout would
     * otherwise make every query of the key wait the timeout and never be replaced (its lease
     * keeps the miss from writing), on stores that cannot refuse such values themselves.
     */
    private void readFailed(String key, Throwable e) {
        if (!timedOut(e)) {
            return;
        }
        if (readTimeouts.size() >= 10_000) {
            readTimeouts.clear();
        }
        int inARow = readTimeouts.merge(key, 1, Integer::sum);
        if (inARow >= TIMEOUTS_BEFORE_DELETE && readTimeouts.remove(key, inARow)) {
            log.warn("cache read of {} timed out {} times in a row; deleting the key so that it heals", key, inARow);
            releaseInBackground(key);
        }
    }

    /** Remembers, for the lease TTL, that the lease on {@code key} may be one this instance orphaned. */
    private void rememberOrphan(String key) {
        long now = options.nanoTime().getAsLong();
        if (orphanLeases.size() >= 10_000) {
            orphanLeases.values().removeIf(until -> now - until >= 0);
        }
        orphanLeases.put(key, now + options.leaseTtl().toNanos());
    }

    /**
     * Whether the lease on {@code key} may be one this instance took with a read whose reply came
     * after its timeout: nobody will fill it, so waiting for it would only cost the lease wait.
     */
    boolean possiblyOurOrphan(String key) {
        Long until = orphanLeases.get(key);
        if (until == null) {
            return false;
        }
        if (options.nanoTime().getAsLong() - until < 0) {
            return true;
        }
        orphanLeases.remove(key, until);
        return false;
    }

    /**
     * Releases a lease this caller holds (bypassing the breaker); when that fails, the release is
     * tried again in the background ({@link #releaseInBackground}), so the caller never waits for
     * the retry. Never errors.
     */
    Mono<Boolean> release(String key) {
        return store.release(key)
                .onErrorResume(e -> {
                    releaseInBackground(key);
                    return Mono.just(false);
                });
    }

    /**
     * Releases a lease in the background like an invalidation: bypassing the breaker, tried twice
     * within {@link EngineSettings#invalidationTimeout()}. When both fail the lease expires
     * after its TTL (logged at DEBUG). Nothing happens once the engine is closed.
     */
    void releaseInBackground(String key) {
        if (background.isClosed()) {
            return;
        }
        Mono<Boolean> release = invalidator.retried(limit -> store.invalidation(raw -> raw.delete(key), limit),
                (attempts, e) -> new InvalidationFailure("the lease on " + key + " could not be released ("
                        + attempts + " attempts within " + options.invalidationTimeout() + "); it expires after its TTL",
                        Set.of(), e))
                .onErrorResume(e -> {
                    log.debug("{}", e.getMessage());
                    return Mono.just(false);
                });
        background.run(release);
    }
}
