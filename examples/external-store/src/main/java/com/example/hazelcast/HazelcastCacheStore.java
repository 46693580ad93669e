package com.example.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.CompareAndSetStore;
import dev.cacheaside.spi.SelfBoundedStore;
import dev.cacheaside.spi.TaggedStore;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A cache-aside {@link CacheStore} on a Hazelcast {@link IMap}, with tags ({@link TaggedStore})
 * and compare-and-set ({@link CompareAndSetStore}).
 *
 * <p>Values and leases share one map ({@code <name>}); tags are entries of a second map
 * ({@code <name>-tags}), one per tag, holding the tag's keys. Every TTL is a per-entry TTL of
 * Hazelcast, which counts expiry in whole seconds: a value lapses up to a second before its TTL
 * (a lease does not: it carries its own deadline in milliseconds). What each operation sends:
 * <ul>
 *   <li>{@link #get}: {@code getAsync}; {@link #set}: {@code setAsync} with the TTL;
 *       {@link #delete}: {@code removeAsync}, reporting whether the removed entry was a value;
 *   <li>{@link #getOrLease}, {@link #fill}, {@link #replace}: an entry processor
 *       ({@code submitToKey}), which runs atomically on the member owning the key. Hazelcast's
 *       {@code putIfAbsent} and {@code replace(key, old, new)} would do the same but block the
 *       caller (they have no async form), and {@code replace} takes no TTL: a TTL set after it
 *       ({@code setTtl}) is a second operation that could land on a newer value. A processor also
 *       cuts a held lease to a later lookup's shorter lease TTL, which {@code putIfAbsent} cannot;
 *   <li>{@link #tag}: a processor per tag that registers the key with a new stamp and extends
 *       the tag's TTL (never shortens it); {@link #invalidateTag}: {@code getAsync} of the tag,
 *       {@code removeAsync} of each of its keys, then a processor that unregisters each key whose
 *       stamp is still the one read. A key tagged again meanwhile keeps its registration for the
 *       next invalidation, so none is lost. Each tag call rewrites the tag's whole entry: cheap
 *       for the tens to thousands of queries a table has.
 * </ul>
 *
 * <h2>Threads</h2>
 * Every operation is lazy and sends one asynchronous Hazelcast call when subscribed; the
 * subscribing thread never waits. Hazelcast completes the call on its own threads (the partition
 * thread of the member that owns the key, or a response thread for a remote member) and would run
 * plain callbacks on {@code ForkJoinPool.commonPool()}, or on a new thread per callback when that
 * pool has a single thread (a two-CPU machine). This store instead hands each result to its
 * callback {@link Scheduler} ({@link Schedulers#parallel()} by default): every signal of its
 * {@code Mono}s arrives there, so nothing downstream runs on a Hazelcast thread.
 *
 * <h2>What it does not do</h2>
 * It is not a {@link SelfBoundedStore}: Hazelcast times an invocation out only when the member
 * stops answering (its heartbeat-based call timeout), not when a command merely takes long, so it
 * cannot promise a bound per command; the engine keeps its own timer on every read. A command that
 * Hazelcast does time out fails with its {@code OperationTimeoutException}, whose name ends with
 * {@code TimeoutException} as {@link CacheStore} asks.
 *
 * <p>A value over {@code maxValueBytes} (1 MiB by default) or bytes that another client wrote
 * under a key are read as no value and removed (only if still the same bytes). A lease whose
 * caller gave up (cancelled, timed out) before the reply came is released, by its token.
 *
 * <p>The store does not own the {@link HazelcastInstance}: {@link #closeAsync()} only closes
 * this store (after it every operation signals {@link IllegalStateException}); the instance, and
 * other stores over it, stay open. With a client instance, this class must be on the members'
 * classpath too, since its entry processors run there. Thread safe; {@code null} arguments throw
 * {@link NullPointerException} and a TTL that is not positive {@link IllegalArgumentException},
 * at the call.
 */
public final class HazelcastCacheStore implements TaggedStore, CompareAndSetStore {

    /** The map of values and leases {@link #create(HazelcastInstance)} uses; tags are in {@code <name>-tags}. */
    public static final String DEFAULT_MAP_NAME = "cache-aside";

    /** The largest value read back, as {@link CacheStore} stores allow (1 MiB). */
    public static final int DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;

    private final IMap<String, byte[]> entries;
    private final IMap<String, String> tags;
    private final Scheduler callbacks;
    private final int maxValueBytes;
    private final AtomicBoolean closed = new AtomicBoolean();

    private HazelcastCacheStore(IMap<String, byte[]> entries, IMap<String, String> tags, Scheduler callbacks,
            int maxValueBytes) {
        this.entries = entries;
        this.tags = tags;
        this.callbacks = callbacks;
        this.maxValueBytes = maxValueBytes;
    }

    /** A store over the map {@value #DEFAULT_MAP_NAME} of {@code hazelcast}, signalling on {@link Schedulers#parallel()}. */
    public static HazelcastCacheStore create(HazelcastInstance hazelcast) {
        return create(hazelcast, DEFAULT_MAP_NAME, Schedulers.parallel(), DEFAULT_MAX_VALUE_BYTES);
    }

    /**
     * A store over the map {@code mapName} (and {@code mapName-tags}) of {@code hazelcast}, whose
     * {@code Mono}s signal on {@code callbacks}, reading values of at most {@code maxValueBytes}.
     */
    public static HazelcastCacheStore create(HazelcastInstance hazelcast, String mapName, Scheduler callbacks,
            int maxValueBytes) {
        Objects.requireNonNull(hazelcast, "hazelcast");
        Objects.requireNonNull(mapName, "mapName");
        if (maxValueBytes < 1) {
            throw new IllegalArgumentException("maxValueBytes must be positive, was " + maxValueBytes);
        }
        return new HazelcastCacheStore(hazelcast.getMap(mapName), hazelcast.getMap(mapName + "-tags"),
                Objects.requireNonNull(callbacks, "callbacks"), maxValueBytes);
    }

    @Override
    public Mono<byte[]> get(String key) {
        Objects.requireNonNull(key, "key");
        return call(() -> entries.getAsync(key)).flatMap(entry -> {
            if (Entries.isValue(entry, maxValueBytes)) {
                return Mono.just(Entries.valueOf(entry));
            }
            if (Entries.isForeign(entry, maxValueBytes)) {
                return call(() -> entries.submitToKey(key, new Entries.RemoveForeign(entry))).then(Mono.empty());
            }
            return Mono.empty();
        });
    }

    @Override
    public Mono<Void> set(String key, byte[] value, Duration ttl) {
        Objects.requireNonNull(key, "key");
        byte[] entry = Entries.value(Objects.requireNonNull(value, "value"));
        long ttlMillis = positiveMillis(ttl, "ttl");
        return call(() -> entries.setAsync(key, entry, ttlMillis, TimeUnit.MILLISECONDS));
    }

    @Override
    public Mono<Boolean> delete(String key) {
        Objects.requireNonNull(key, "key");
        return call(() -> entries.removeAsync(key))
                .map(removed -> Entries.isValue(removed, maxValueBytes))
                .defaultIfEmpty(false);
    }

    /**
     * {@inheritDoc} A lease held with a deadline later than {@code leaseTtl} from now is cut to
     * it, so a lease taken with a longer TTL blocks the key no longer than this caller's.
     */
    @Override
    public Mono<CacheLookup> getOrLease(String key, Duration leaseTtl) {
        Objects.requireNonNull(key, "key");
        long leaseMillis = positiveMillis(leaseTtl, "leaseTtl");
        return Mono.defer(() -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            String token = new UUID(random.nextLong(), random.nextLong()).toString();
            return call(() -> entries.submitToKey(key, new Entries.GetOrLease(token, leaseMillis, maxValueBytes)),
                    result -> {
                        if (result[0] == Entries.LEASE && result.length > Entries.HELD.length) {
                            // won after the caller gave up: nobody will fill it, so free the key
                            entries.submitToKey(key, new Entries.Release(token));
                        }
                    })
                    .map(result -> {
                        if (result[0] == Entries.VALUE) {
                            return CacheLookup.hit(Entries.valueOf(result));
                        }
                        return result.length == Entries.HELD.length ? CacheLookup.leaseHeld() : CacheLookup.leaseWon(token);
                    });
        });
    }

    @Override
    public Mono<Boolean> fill(String key, String leaseToken, byte[] value, Duration ttl) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(leaseToken, "leaseToken");
        Objects.requireNonNull(value, "value");
        long ttlMillis = positiveMillis(ttl, "ttl");
        return call(() -> entries.submitToKey(key, new Entries.Fill(leaseToken, value, ttlMillis)));
    }

    @Override
    public Mono<Boolean> replace(String key, byte[] expected, byte[] value, Duration ttl) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(value, "value");
        long ttlMillis = positiveMillis(ttl, "ttl");
        return call(() -> entries.submitToKey(key, new Entries.Replace(expected, value, ttlMillis, maxValueBytes)));
    }

    @Override
    public Mono<Void> tag(Collection<String> tagNames, String key, Duration ttl) {
        Objects.requireNonNull(key, "key");
        List<String> names = List.copyOf(tagNames);
        long ttlMillis = positiveMillis(ttl, "ttl");
        return Flux.fromIterable(names)
                .flatMap(tag -> call(() -> tags.submitToKey(tag, new Entries.AddToTag(key, ttlMillis))))
                .then();
    }

    /**
     * {@inheritDoc} Reads the tag's keys, removes each, then unregisters those not registered
     * again meanwhile; two invalidations of one tag at once each remove every key they read.
     */
    @Override
    public Mono<Long> invalidateTag(String tag) {
        Objects.requireNonNull(tag, "tag");
        return call(() -> tags.getAsync(tag)).flatMap(entry -> {
            Map<String, Long> members = Entries.Tag.parse(entry).members;
            return Flux.fromIterable(members.keySet())
                    .flatMap(this::delete, 64)
                    .filter(Boolean::booleanValue)
                    .count()
                    .flatMap(count -> call(() -> tags.submitToKey(tag, new Entries.Unregister(members))).thenReturn(count));
        }).defaultIfEmpty(0L);
    }

    @Override
    public Mono<Void> closeAsync() {
        return Mono.fromRunnable(() -> closed.set(true));
    }

    @Override
    public String toString() {
        return "HazelcastCacheStore[" + entries.getName() + "]";
    }

    /** One Hazelcast call, made on subscription, whose result is signalled on {@link #callbacks}. */
    private <T> Mono<T> call(Supplier<CompletionStage<T>> command) {
        return call(command, late -> { });
    }

    /**
     * Like {@link #call(Supplier)}; {@code late} gets a result that arrives after the subscriber
     * cancelled (which Hazelcast cannot stop once sent).
     */
    private <T> Mono<T> call(Supplier<CompletionStage<T>> command, Consumer<T> late) {
        return Mono.create(sink -> {
            if (closed.get()) {
                sink.error(new IllegalStateException(this + " is closed"));
                return;
            }
            AtomicBoolean cancelled = new AtomicBoolean();
            sink.onCancel(() -> cancelled.set(true));
            command.get().whenCompleteAsync((result, error) -> {
                if (error != null) {
                    sink.error(error instanceof CompletionException && error.getCause() != null ? error.getCause() : error);
                } else if (cancelled.get()) {
                    if (result != null) {
                        late.accept(result);
                    }
                } else if (result == null) {
                    sink.success();
                } else {
                    sink.success(result);
                }
            }, task -> callbacks.schedule(task));
        });
    }

    private static long positiveMillis(Duration ttl, String name) {
        Objects.requireNonNull(ttl, name);
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + ttl);
        }
        // Hazelcast counts TTLs in milliseconds: round up, so a TTL never gets shorter
        return Math.max(1, ttl.plusNanos(999_999).toMillis());
    }
}
