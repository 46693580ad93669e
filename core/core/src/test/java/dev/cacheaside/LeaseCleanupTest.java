package dev.cacheaside;

import dev.cacheaside.internal.LeaseProtocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CompareAndSetStore;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.spi.SelfBoundedStore;
import dev.cacheaside.spi.TaggedStore;
import dev.cacheaside.testing.CountingQueryExecutor;
import dev.cacheaside.testing.InMemoryCacheStore;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/** Leases that a caller took but could not fill never block their key. */
class LeaseCleanupTest {

    static final String SQL = "SELECT * FROM booking WHERE booking_id = 9";
    static final Rows BOOKING = Rows.of(List.of("booking_id"), List.<Object[]>of(new Object[] {9}));

    /** A store's own timeout, named like Lettuce's {@code RedisCommandTimeoutException}: not a java.util.concurrent one. */
    static final class CommandTimeoutException extends RuntimeException {
        CommandTimeoutException() {
            super("Command timed out");
        }
    }

    /** Passes every call to {@code inner}; tests override what they break. */
    static class Delegating implements TaggedStore, CompareAndSetStore {
        final InMemoryCacheStore inner;

        Delegating(InMemoryCacheStore inner) {
            this.inner = inner;
        }

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
            return inner.getOrLease(key, leaseTtl);
        }

        @Override
        public Mono<Boolean> fill(String key, String token, byte[] value, Duration ttl) {
            return inner.fill(key, token, value, ttl);
        }

        @Override
        public Mono<Boolean> replace(String key, byte[] expected, byte[] value, Duration ttl) {
            return inner.replace(key, expected, value, ttl);
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

    /**
     * An in-memory store whose fills can be made to fail and whose lease reads can answer late:
     * either never (the engine's timer gives up) or, when the store bounds its own commands
     * ({@link SelfBoundedFaultyStore}), with the store's own {@link CommandTimeoutException}.
     */
    static class FaultyStore extends Delegating {
        final InMemoryCacheStore memory;
        final AtomicBoolean failFills = new AtomicBoolean();
        final AtomicBoolean lateLeaseReplies = new AtomicBoolean();
        /** When set, lease reads answer this without reaching the store. */
        final AtomicReference<Mono<CacheLookup>> leaseReply = new AtomicReference<>();
        /** The store's own bound on its commands; {@code null} when the engine bounds them. */
        final Duration operationTimeout;

        FaultyStore() {
            this(null);
        }

        FaultyStore(Duration operationTimeout) {
            this(new InMemoryCacheStore(), operationTimeout);
        }

        private FaultyStore(InMemoryCacheStore memory, Duration operationTimeout) {
            super(memory);
            this.memory = memory;
            this.operationTimeout = operationTimeout;
        }

        @Override
        public Mono<CacheLookup> getOrLease(String key, Duration leaseTtl) {
            Mono<CacheLookup> canned = leaseReply.get();
            if (canned != null) {
                return canned;
            }
            Mono<CacheLookup> lookup = memory.getOrLease(key, leaseTtl);
            if (!lateLeaseReplies.get()) {
                return lookup;
            }
            // the server takes the lease at once; its reply arrives after the caller gave up
            return operationTimeout == null
                    ? lookup.flatMap(l -> Mono.<CacheLookup>never())
                    : lookup.flatMap(l -> Mono.<CacheLookup>error(new CommandTimeoutException()));
        }

        @Override
        public Mono<Boolean> fill(String key, String token, byte[] value, Duration ttl) {
            return failFills.get() ? Mono.error(new IllegalStateException("fill refused")) : memory.fill(key, token, value, ttl);
        }

    }

    /** A {@link FaultyStore} that bounds its commands itself, as Lettuce does. */
    static final class SelfBoundedFaultyStore extends FaultyStore implements SelfBoundedStore {

        SelfBoundedFaultyStore(Duration operationTimeout) {
            super(operationTimeout);
        }

        @Override
        public Duration operationTimeout() {
            return operationTimeout;
        }
    }

    static final Duration CACHE_TIMEOUT = Duration.ofMillis(50);

    final FaultyStore store = new FaultyStore();
    final CountingQueryExecutor database = CountingQueryExecutor.answering(BOOKING);
    final CacheAside cache = CacheAside.builder().database(database).cache(store)
            .options(CacheAsideOptions.builder().cacheTimeout(CACHE_TIMEOUT).build()).build();

    @Test
    void aFillThatFailsReleasesItsLease() {
        store.failFills.set(true);
        assertThat(cache.query(SQL).block().rows()).isEqualTo(BOOKING);
        long deadline = System.nanoTime() + 5_000_000_000L;
        CacheLookup after;
        do {
            after = store.memory.getOrLease(cache.keyFor(SQL), Duration.ofSeconds(1)).block();
        } while (after.kind() == CacheLookup.Kind.LEASE_HELD && System.nanoTime() < deadline);
        assertThat(after.kind()).as("the lease was released, so the next caller may load").isEqualTo(CacheLookup.Kind.LEASE_WON);
    }

    /** A fill that fails and a release that then fails once: the release is tried again, so the lease goes. */
    @Test
    void aReleaseThatFailsOnceIsRetried() {
        java.util.concurrent.atomic.AtomicInteger deletes = new java.util.concurrent.atomic.AtomicInteger();
        FaultyStore failsFirstDelete = new FaultyStore() {
            @Override
            public Mono<Boolean> delete(String key) {
                return deletes.incrementAndGet() == 1 ? Mono.error(new IllegalStateException("connection reset")) : super.delete(key);
            }
        };
        failsFirstDelete.failFills.set(true);
        CacheAside engine = CacheAside.builder().database(database).cache(failsFirstDelete)
                .options(CacheAsideOptions.builder().cacheTimeout(CACHE_TIMEOUT).build()).build();
        assertThat(engine.query(SQL).block(Duration.ofSeconds(10)).rows()).isEqualTo(BOOKING);
        long deadline = System.nanoTime() + engine.options().invalidationTimeout().toNanos();
        CacheLookup after;
        do {
            after = failsFirstDelete.memory.getOrLease(engine.keyFor(SQL), Duration.ofSeconds(1)).block();
        } while (after.kind() == CacheLookup.Kind.LEASE_HELD && System.nanoTime() < deadline);
        assertThat(deletes).as("the release failed once and was tried again").hasValue(2);
        assertThat(after.kind()).as("the lease was released within the invalidation timeout").isEqualTo(CacheLookup.Kind.LEASE_WON);
    }

    @Test
    void aLeaseTakenByATimedOutReadIsNotWaitedFor() {
        assertOrphanNotWaitedFor(cache, store);
    }

    /**
     * The same when the store bounds its commands itself (as Lettuce does with the default
     * CACHE_TIMEOUT): the engine adds no timer, and the error is the store's own timeout
     * exception, not a {@link java.util.concurrent.TimeoutException}.
     */
    @Test
    void aLeaseTakenByAReadThatTheStoreTimedOutItselfIsNotWaitedFor() {
        FaultyStore bounding = new SelfBoundedFaultyStore(CACHE_TIMEOUT);
        CacheAside engine = CacheAside.builder().database(database).cache(bounding)
                .options(CacheAsideOptions.builder().cacheTimeout(CACHE_TIMEOUT).build()).build();
        assertOrphanNotWaitedFor(engine, bounding);
    }

    private void assertOrphanNotWaitedFor(CacheAside engine, FaultyStore faulty) {
        faulty.lateLeaseReplies.set(true);
        assertThat(engine.query(SQL).block(Duration.ofSeconds(10)).source()).isEqualTo(Source.CACHE_MISS);
        faulty.lateLeaseReplies.set(false);
        assertThat(faulty.memory.getOrLease(engine.keyFor(SQL), Duration.ofSeconds(1)).block().kind())
                .as("the store holds a lease nobody will fill").isEqualTo(CacheLookup.Kind.LEASE_HELD);
        // the lease wait (2 s by default) would block the next query far beyond this bound
        QueryResult second = engine.query(SQL).block(engine.options().leaseWait().dividedBy(2));
        assertThat(second.rows()).isEqualTo(BOOKING);
        assertThat(engine.stats().leaseWaits()).as("no wait for an orphaned lease").isZero();
        assertThat(engine.stats().leaseWaitTimeouts()).isZero();
        assertThat(database.executions).as("each query asked the database once").hasValue(2);
    }

    @Test
    void timeoutsAreRecognisedWhateverTheirType() {
        assertThat(LeaseProtocol.timedOut(new java.util.concurrent.TimeoutException())).isTrue();
        assertThat(LeaseProtocol.timedOut(new CommandTimeoutException())).isTrue();
        assertThat(LeaseProtocol.timedOut(new IllegalStateException("wrapped", new CommandTimeoutException()))).isTrue();
        assertThat(LeaseProtocol.timedOut(new RuntimeException(new java.util.concurrent.TimeoutException()))).isTrue();
        assertThat(LeaseProtocol.timedOut(new IllegalStateException("Connection refused"))).isFalse();
    }

    /**
     * A caller waiting for another's lease stops waiting once a read of the same key here timed
     * out: the lease it sees may now be the one that read took, and nobody would fill it.
     */
    @Test
    void aLeaseWaitStopsWhenTheLeaseMayBeOneThisInstanceOrphaned() {
        VirtualTimeScheduler time = VirtualTimeScheduler.create();
        FaultyStore bounding = new SelfBoundedFaultyStore(CACHE_TIMEOUT);
        Duration leaseWait = Duration.ofSeconds(2);
        CacheAside engine = CacheAside.builder().database(database).cache(bounding)
                .options(CacheAsideOptions.builder().cacheTimeout(CACHE_TIMEOUT).leaseWait(leaseWait).scheduler(time)
                        .nanoTime(() -> time.now(TimeUnit.NANOSECONDS)).build()).build();
        bounding.leaseReply.set(Mono.just(CacheLookup.leaseHeld()));
        CompletableFuture<QueryResult> waiting = engine.query(SQL).toFuture();
        assertThat(engine.stats().leaseWaits()).as("another holds the lease: the first query waits").isEqualTo(1);
        // an invalidation ends the shared load here, so the next query reads the cache itself
        engine.invalidate(SQL).block(Duration.ofSeconds(10));
        bounding.leaseReply.set(Mono.error(new CommandTimeoutException()));
        assertThat(engine.query(SQL).block(Duration.ofSeconds(10)).source()).isEqualTo(Source.CACHE_MISS);
        bounding.leaseReply.set(Mono.just(CacheLookup.leaseHeld()));
        time.advanceTimeBy(Duration.ofMillis(100));
        assertThat(waiting).as("the wait ended at its next poll, " + leaseWait + " before its deadline").isDone();
        assertThat(waiting.join().rows()).isEqualTo(BOOKING);
        assertThat(engine.stats().leaseWaitTimeouts()).isZero();
        assertThat(database.executions).as("the timed-out query and the waiter asked the database").hasValue(2);
    }
}
