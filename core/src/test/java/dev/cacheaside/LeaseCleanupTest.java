package dev.cacheaside;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.testing.CountingQueryExecutor;
import dev.cacheaside.testing.InMemoryCacheStore;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/** Leases that a caller took but could not fill never block their key. */
class LeaseCleanupTest {

    static final String SQL = "SELECT * FROM booking WHERE booking_id = 9";
    static final Rows BOOKING = Rows.of(List.of("booking_id"), List.<Object[]>of(new Object[] {9}));

    /** Delegates to an in-memory store; fills can be made to fail, lease reads to answer late. */
    static final class FaultyStore implements CacheStore {
        final InMemoryCacheStore inner = new InMemoryCacheStore();
        final AtomicBoolean failFills = new AtomicBoolean();
        final AtomicBoolean lateLeaseReplies = new AtomicBoolean();

        @Override
        public Mono<byte[]> get(String key) {
            return inner.get(key);
        }

        @Override
        public Mono<Void> set(String key, byte[] value, Duration ttl) {
            return inner.set(key, value, ttl);
        }

        @Override
        public Mono<Boolean> delete(String key) {
            return inner.delete(key);
        }

        @Override
        public Mono<CacheLookup> getOrLease(String key, Duration leaseTtl) {
            Mono<CacheLookup> lookup = inner.getOrLease(key, leaseTtl);
            // the server takes the lease at once; its reply arrives after the caller gave up
            return lateLeaseReplies.get() ? lookup.flatMap(l -> Mono.<CacheLookup>never()) : lookup;
        }

        @Override
        public Mono<Boolean> fill(String key, String token, byte[] value, Duration ttl) {
            return failFills.get() ? Mono.error(new IllegalStateException("fill refused")) : inner.fill(key, token, value, ttl);
        }

        @Override
        public Mono<Boolean> replace(String key, byte[] expected, byte[] value, Duration ttl) {
            return inner.replace(key, expected, value, ttl);
        }

        @Override
        public boolean supportsTags() {
            return true;
        }

        @Override
        public Mono<Void> tag(Collection<String> tags, String key, Duration ttl) {
            return inner.tag(tags, key, ttl);
        }

        @Override
        public Mono<Long> invalidateTag(String tag) {
            return inner.invalidateTag(tag);
        }

        @Override
        public Mono<Void> closeAsync() {
            return inner.closeAsync();
        }
    }

    final FaultyStore store = new FaultyStore();
    final CountingQueryExecutor database = CountingQueryExecutor.answering(BOOKING);
    /** The cache timeout runs on virtual time: a busy machine cannot make a call time out. */
    final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    final CacheAside cache = CacheAside.builder().database(database).cache(store)
            .options(CacheAsideOptions.builder().cacheTimeout(Duration.ofMillis(50)).scheduler(time).build()).build();

    @Test
    void aFillThatFailsReleasesItsLease() {
        store.failFills.set(true);
        assertThat(cache.query(SQL).block().rows()).isEqualTo(BOOKING);
        long deadline = System.nanoTime() + 5_000_000_000L;
        CacheLookup after;
        do {
            after = store.inner.getOrLease(cache.keyFor(SQL), Duration.ofSeconds(1)).block();
        } while (after.kind() == CacheLookup.Kind.LEASE_HELD && System.nanoTime() < deadline);
        assertThat(after.kind()).as("the lease was released, so the next caller may load").isEqualTo(CacheLookup.Kind.LEASE_WON);
    }

    @Test
    void aLeaseTakenByATimedOutReadIsNotWaitedFor() {
        store.lateLeaseReplies.set(true);
        CompletableFuture<QueryResult> first = cache.query(SQL).toFuture();
        assertThat(first).as("answered before the cache timeout passed").isNotDone();
        time.advanceTimeBy(Duration.ofMillis(50));
        assertThat(first.join().source()).isEqualTo(Source.CACHE_MISS);
        store.lateLeaseReplies.set(false);
        // the store holds a lease nobody will fill; this instance knows it may be its own (a
        // lease wait would poll on the virtual scheduler and never end: the bound turns it into
        // a failure)
        QueryResult second = cache.query(SQL).block(Duration.ofSeconds(10));
        assertThat(second.rows()).isEqualTo(BOOKING);
        assertThat(cache.stats().leaseWaits()).as("no wait for an orphaned lease").isZero();
        assertThat(database.executions).hasValue(2);
    }
}
