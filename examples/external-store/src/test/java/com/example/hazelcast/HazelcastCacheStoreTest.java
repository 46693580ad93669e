package com.example.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.HazelcastInstance;
import dev.cacheaside.spi.CacheLookup;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** What {@link HazelcastCacheStore} promises beyond the kit's contract: where it signals, and late leases. */
class HazelcastCacheStoreTest {

    private static HazelcastInstance member;

    @BeforeAll
    static void startMember() {
        member = EmbeddedMember.start();
    }

    @AfterAll
    static void stopMember() {
        member.shutdown();
    }

    @Test
    void everySignalArrivesOnTheCallbackScheduler() {
        Scheduler callbacks = Schedulers.newSingle("store-callbacks");
        try {
            HazelcastCacheStore store = HazelcastCacheStore.create(member, "signals", callbacks, 1024);
            AtomicReference<String> setThread = new AtomicReference<>();
            AtomicReference<String> getThread = new AtomicReference<>();
            store.set("k", new byte[] {1}, Duration.ofMinutes(1))
                    .doOnSuccess(v -> setThread.set(Thread.currentThread().getName()))
                    .then(store.get("k").doOnNext(v -> getThread.set(Thread.currentThread().getName())))
                    .block(Duration.ofSeconds(10));
            assertThat(List.of(setThread.get(), getThread.get())).as("threads of the set's and the get's signals")
                    .allSatisfy(name -> assertThat(name).startsWith("store-callbacks"));
        } finally {
            callbacks.dispose();
        }
    }

    @Test
    void aLeaseWonAfterItsCallerCancelledIsReleased() {
        // callbacks wait in a queue until the test runs them, so the cancel comes before the reply
        ConcurrentLinkedQueue<Runnable> pending = new ConcurrentLinkedQueue<>();
        HazelcastCacheStore store = HazelcastCacheStore.create(member, "late", Schedulers.fromExecutor(pending::add), 1024);
        HazelcastCacheStore other = HazelcastCacheStore.create(member, "late", Schedulers.parallel(), 1024);
        Disposable abandoned = store.getOrLease("k", Duration.ofHours(1)).subscribe();
        abandoned.dispose();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (pending.isEmpty() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(pending).as("the reply of the abandoned lookup").hasSize(1);
        assertThat(other.getOrLease("k", Duration.ofSeconds(30)).block(Duration.ofSeconds(10)).kind())
                .as("lookup while the abandoned lease is held").isEqualTo(CacheLookup.Kind.LEASE_HELD);
        pending.poll().run();
        CacheLookup next = Mono.defer(() -> other.getOrLease("k", Duration.ofSeconds(30)))
                .repeat().filter(l -> l.kind() != CacheLookup.Kind.LEASE_HELD)
                .next().block(Duration.ofSeconds(10));
        assertThat(next.kind()).as("lookup after the late reply released the lease").isEqualTo(CacheLookup.Kind.LEASE_WON);
    }
}
