package dev.cacheaside.debezium;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.caffeine.LocalCacheStore;
import dev.cacheaside.spi.ChangeSink;
import dev.cacheaside.spi.ChangeSource;
import dev.cacheaside.spi.TableChanges;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** The election and the status, with a source that only counts its runs (no database). */
class ChangeStreamConsumerTest {

    static final Duration TTL = Duration.ofSeconds(3);
    /** A takeover after a release: one election period (TTL / 3) plus scheduling allowance. */
    static final Duration TAKEOVER = TTL.dividedBy(3).plus(Duration.ofSeconds(5));

    final LocalCacheStore store = LocalCacheStore.create();
    final AtomicInteger active = new AtomicInteger();
    final AtomicInteger maxActive = new AtomicInteger();
    final AtomicInteger runs = new AtomicInteger();
    final AtomicInteger failFirst = new AtomicInteger();

    final ChangeSource source = new ChangeSource() {
        @Override
        public Mono<Void> run(ChangeSink sink) {
            return Mono.defer(() -> {
                runs.incrementAndGet();
                maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
                Mono<Void> body = failFirst.getAndDecrement() > 0
                        ? Mono.error(new IllegalStateException("boom"))
                        : sink.accept(TableChanges.of(List.of("t"), "1")).then(Mono.never());
                return body.doFinally(s -> active.decrementAndGet());
            });
        }

        @Override
        public String description() {
            return "counting source";
        }
    };

    ChangeStreamConsumer consumer() {
        return ChangeStreamConsumer.builder().source(source).sink(c -> Mono.empty()).leaseStore(store)
                .leaseKey("it:leader").leaseTtl(TTL).retryBackoff(Duration.ofMillis(100)).build();
    }

    static void await(String what, Duration within, BooleanSupplier condition) throws InterruptedException {
        StreamProbe.await(what, within, condition);
    }

    @Test
    void oneSourceRunsAtATimeAndACleanCloseHandsOver() throws Exception {
        ChangeStreamConsumer a = consumer();
        ChangeStreamConsumer b = consumer();
        assertThat(a.status()).isEqualTo(ChangeStreamConsumer.Status.STOPPED);
        a.start();
        b.start();
        await("one leads", TAKEOVER, () -> a.leading() || b.leading());
        ChangeStreamConsumer leader = a.leading() ? a : b;
        ChangeStreamConsumer other = leader == a ? b : a;
        await("its source delivers", TAKEOVER, () -> leader.invalidations() == 1);
        Thread.sleep(TTL.toMillis());   // several renewals: the other must not take over meanwhile
        assertThat(other.status()).isEqualTo(ChangeStreamConsumer.Status.STANDBY);
        assertThat(leader.status()).isEqualTo(ChangeStreamConsumer.Status.RUNNING);
        assertThat(runs.get()).as("one source started").isEqualTo(1);

        leader.close();
        assertThat(leader.status()).isEqualTo(ChangeStreamConsumer.Status.STOPPED);
        await("the other takes over after the release", TAKEOVER, () -> other.status() == ChangeStreamConsumer.Status.RUNNING);
        await("and its source delivers", TAKEOVER, () -> other.invalidations() == 1);
        assertThat(maxActive.get()).as("never two sources at once").isEqualTo(1);
        other.close();
        await("the closed source stopped", TAKEOVER, () -> active.get() == 0);
    }

    @Test
    void aLapsedLeaseNobodyTookIsTakenAgainWithoutARestartAndOneAnotherTookStopsTheSource() throws Exception {
        ChangeStreamConsumer c = consumer().start();
        try {
            await("it leads and its source delivers", TAKEOVER, () -> c.invalidations() == 1);
            // as if its renewals had come too late: the lease expired and nobody took it
            assertThat(store.delete("it:leader").block()).isTrue();
            await("the lapse is noticed at the next renewal", TAKEOVER, () -> c.leaseLapses() == 1);
            assertThat(c.status()).as("it still leads").isEqualTo(ChangeStreamConsumer.Status.RUNNING);
            assertThat(c.leading()).isTrue();
            assertThat(store.get("it:leader").block()).as("the lease is its own again").isEqualTo(c.instanceId().getBytes(
                    java.nio.charset.StandardCharsets.UTF_8));
            assertThat(runs.get()).as("its source was not started again").isEqualTo(1);
            assertThat(active.get()).as("and still runs").isEqualTo(1);
            assertThat(c.leaderships()).isEqualTo(1);

            // another instance took the lease: this one must stop its source
            store.set("it:leader", "another".getBytes(java.nio.charset.StandardCharsets.UTF_8), Duration.ofMinutes(1)).block();
            await("it stands by", TAKEOVER, () -> c.status() == ChangeStreamConsumer.Status.STANDBY);
            await("its source stopped", TAKEOVER, () -> active.get() == 0);
            assertThat(c.leaseLapses()).isEqualTo(1);
            assertThat(runs.get()).isEqualTo(1);
        } finally {
            c.close();
        }
    }

    @Test
    void aFailedSourceSaysSoAndIsStartedAgain() throws Exception {
        failFirst.set(2);
        ChangeStreamConsumer c = consumer().start();
        try {
            await("started again after two failures", TAKEOVER, () -> c.invalidations() == 1);
            assertThat(c.sourceFailures()).isEqualTo(2);
            assertThat(c.lastError()).hasMessage("boom");
            assertThat(c.status()).isEqualTo(ChangeStreamConsumer.Status.RUNNING);
            assertThat(runs.get()).isEqualTo(3);
        } finally {
            c.close();
        }
    }
}
