package dev.cacheaside.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.CacheAsideOptions;
import dev.cacheaside.testing.InMemoryCacheStore;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Which calls an open breaker refuses, and the name each call's time is recorded under. */
class GuardedStoreTest {

    static final byte[] VALUE = {1, 2, 3};
    static final Duration TTL = Duration.ofMinutes(1);

    final InMemoryCacheStore raw = new InMemoryCacheStore();
    final Counters counters = new Counters();
    final GuardedStore store = new GuardedStore(raw, CacheAsideOptions.defaults(), counters);

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
}
