package dev.cacheaside.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.CacheAsideOptions;
import dev.cacheaside.TestSettings;
import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.SelfBoundedStore;
import dev.cacheaside.testing.InMemoryCacheStore;
import dev.cacheaside.testing.PlainCacheStore;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/** Which calls an open breaker refuses, and the name each call's time is recorded under. */
class GuardedStoreTest {

    static final byte[] VALUE = {1, 2, 3};
    static final Duration TTL = Duration.ofMinutes(1);

    final InMemoryCacheStore raw = new InMemoryCacheStore();
    final Counters counters = new Counters();
    final GuardedStore store = new GuardedStore(raw, TestSettings.of(CacheAsideOptions.defaults()), counters);

    private void openTheBreaker() {
        raw.failReads(new IllegalStateException("Connection refused"));
        for (int i = 0; i < 10; i++) {
            assertThatThrownBy(() -> store.get("k").block()).isInstanceOf(IllegalStateException.class);
        }
        raw.failReads(null);
        assertThat(store.circuitState()).as("after 10 failed reads").isEqualTo("OPEN");
    }

    @Test
    void anOpenBreakerRefusesReadsWritesTagsAndDeletes() {
        openTheBreaker();
        int reads = raw.reads.get();
        int writes = raw.writes.get();
        int deletes = raw.deletes.get();
        int tags = raw.tagCalls.get();

        assertThatThrownBy(() -> store.get("k").block()).as("get").isInstanceOf(CallNotPermittedException.class);
        assertThatThrownBy(() -> store.getOrLease("k", TTL).block()).as("getOrLease")
                .isInstanceOf(CallNotPermittedException.class);
        assertThatThrownBy(() -> store.set("k", VALUE, TTL).block()).as("set").isInstanceOf(CallNotPermittedException.class);
        assertThatThrownBy(() -> store.replace("k", VALUE, VALUE, TTL).block()).as("replace")
                .isInstanceOf(CallNotPermittedException.class);
        assertThatThrownBy(() -> store.tag(List.of("t"), "k", TTL).block()).as("tag")
                .isInstanceOf(CallNotPermittedException.class);
        assertThatThrownBy(() -> store.delete("k").block()).as("delete").isInstanceOf(CallNotPermittedException.class);

        assertThat(raw.reads.get()).as("reads reaching the store").isEqualTo(reads);
        assertThat(raw.writes.get()).as("writes reaching the store").isEqualTo(writes);
        assertThat(raw.deletes.get()).as("deletes reaching the store").isEqualTo(deletes);
        assertThat(raw.tagCalls.get()).as("tags reaching the store").isEqualTo(tags);
        assertThat(counters.breakerRejections.sum()).as("rejections counted").isEqualTo(6);
    }

    @Test
    void anOpenBreakerLetsFillsReleasesAndInvalidationsThrough() {
        openTheBreaker();
        int writes = raw.writes.get();
        int deletes = raw.deletes.get();

        assertThat(store.fill("k", "token", VALUE, TTL).block()).as("fill of a lease that is not there").isFalse();
        assertThat(raw.writes.get()).as("the fill reached the store").isEqualTo(writes + 1);
        assertThat(store.release("k").block()).as("release").isFalse();
        assertThat(store.invalidation(s -> s.delete("k"), Duration.ofSeconds(1)).block()).as("invalidation").isFalse();
        assertThat(store.invalidateTag("t").block()).as("tag invalidation").isZero();
        assertThat(raw.deletes.get()).as("the release and the invalidations reached the store").isEqualTo(deletes + 3);
        assertThat(counters.breakerRejections.sum()).as("nothing refused").isZero();
    }

    @Test
    void eachCallIsTimedUnderItsOperationsName() {
        List<String> timed = new CopyOnWriteArrayList<>();
        store.recorder(new Recorder() {
            @Override
            public void database(long nanos, boolean success) {
            }

            @Override
            public void cache(String operation, long nanos, boolean success) {
                timed.add(operation + (success ? "" : " failed"));
            }
        });
        store.get("k").block();
        String token = store.getOrLease("k", TTL).block().token();
        store.fill("k", token, VALUE, TTL).block();
        store.set("k", VALUE, TTL).block();
        store.replace("k", VALUE, VALUE, TTL).block();
        store.tag(List.of("t"), "k", TTL).block();
        store.delete("k").block();
        store.release("k").block();
        store.invalidation(s -> s.delete("k"), Duration.ofSeconds(1)).block();
        store.invalidateTag("t").block();

        assertThat(timed).containsExactly("read", "read", "write", "write", "write", "tag", "delete", "delete",
                "invalidate", "invalidate");
    }

    @Test
    void callsNeedingACapabilityTheStoreLacksFailWithoutReachingIt() {
        assertThat(store.hasTags()).as("tags of an InMemoryCacheStore").isTrue();
        assertThat(store.hasCompareAndSet()).as("compare-and-set of an InMemoryCacheStore").isTrue();
        PlainCacheStore plain = new PlainCacheStore();
        GuardedStore guarded = new GuardedStore(plain, TestSettings.of(CacheAsideOptions.defaults()), counters);
        assertThat(guarded.hasTags()).as("tags of a plain store").isFalse();
        assertThat(guarded.hasCompareAndSet()).as("compare-and-set of a plain store").isFalse();

        assertThatThrownBy(() -> guarded.tag(List.of("t"), "k", TTL).block()).as("tag")
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessage(PlainCacheStore.class.getName() + " has no tags, so queries cannot be invalidated by table");
        assertThatThrownBy(() -> guarded.invalidateTag("t").block()).as("invalidateTag")
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("has no tags");
        assertThatThrownBy(() -> guarded.replace("k", VALUE, VALUE, TTL).block()).as("replace")
                .isInstanceOf(IllegalStateException.class)
                .hasMessage(PlainCacheStore.class.getName()
                        + " has no atomic replace, so entries are not refreshed in the background");
        assertThat(plain.memory.writes).as("writes reaching the store").hasValue(0);
        assertThat(plain.memory.deletes).as("invalidations reaching the store").hasValue(0);
        assertThat(plain.memory.tagCalls).as("tags reaching the store").hasValue(0);
    }

    /** A store whose every call hangs. */
    static class HungStore implements CacheStore {
        @Override
        public Mono<byte[]> get(String key) {
            return Mono.never();
        }

        @Override
        public Mono<Void> set(String key, byte[] value, Duration ttl) {
            return Mono.never();
        }

        @Override
        public Mono<Boolean> delete(String key) {
            return Mono.never();
        }

        @Override
        public Mono<CacheLookup> getOrLease(String key, Duration leaseTtl) {
            return Mono.never();
        }

        @Override
        public Mono<Boolean> fill(String key, String leaseToken, byte[] value, Duration ttl) {
            return Mono.never();
        }

        @Override
        public Mono<Void> closeAsync() {
            return Mono.empty();
        }
    }

    /** A hung store that says it bounds its commands by {@code bound} (and here never does). */
    static final class SelfBoundedHungStore extends HungStore implements SelfBoundedStore {
        final Duration bound;

        SelfBoundedHungStore(Duration bound) {
            this.bound = bound;
        }

        @Override
        public Duration operationTimeout() {
            return bound;
        }
    }

    @Test
    void readsGetTheEnginesTimerUnlessTheStoreBoundsThemWithinTheCacheTimeout() {
        Duration cacheTimeout = Duration.ofMillis(100);
        assertThat(timedOut(new HungStore(), cacheTimeout, true)).as("read on a store without a bound").isTrue();
        assertThat(timedOut(new SelfBoundedHungStore(cacheTimeout), cacheTimeout, true))
                .as("read on a store bounding it within the cache timeout").isFalse();
        assertThat(timedOut(new SelfBoundedHungStore(Duration.ZERO), cacheTimeout, true))
                .as("read on an in-process store").isFalse();
        assertThat(timedOut(new SelfBoundedHungStore(cacheTimeout.plusMillis(1)), cacheTimeout, true))
                .as("read on a store bounding it beyond the cache timeout").isTrue();
        assertThat(timedOut(new SelfBoundedHungStore(cacheTimeout), cacheTimeout, false))
                .as("write on a store bounding it within the cache timeout").isTrue();
    }

    /** Whether a read (or a write) on {@code raw} failed with the engine's timeout once the cache timeout passed. */
    private static boolean timedOut(CacheStore raw, Duration cacheTimeout, boolean read) {
        VirtualTimeScheduler time = VirtualTimeScheduler.create();
        CacheAsideOptions options = CacheAsideOptions.builder().cacheTimeout(cacheTimeout).scheduler(time).build();
        GuardedStore guarded = new GuardedStore(raw, TestSettings.of(options), new Counters());
        AtomicReference<Throwable> error = new AtomicReference<>();
        Mono<?> call = read ? guarded.getOrLease("k", TTL) : guarded.set("k", VALUE, TTL);
        call.subscribe(v -> { }, error::set);
        time.advanceTimeBy(cacheTimeout.multipliedBy(10));
        return error.get() instanceof TimeoutException;
    }
}
