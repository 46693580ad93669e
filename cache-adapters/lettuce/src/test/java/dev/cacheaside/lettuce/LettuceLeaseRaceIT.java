package dev.cacheaside.lettuce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.testing.TestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/** 200 concurrent lookups of one cold key through 4 separate stores sharing Redis: one winner. */
class LettuceLeaseRaceIT {

    private final List<LettuceCacheStore> stores = new ArrayList<>();

    @AfterEach
    void close() {
        stores.forEach(LettuceCacheStore::close);
    }

    @Test
    void exactlyOneLeaseAcrossFourInstances() {
        String address = TestServers.require("REDIS", 6379);
        for (int i = 0; i < 4; i++) {
            stores.add(LettuceCacheStore.create(RedisTestSupport.standalone(address).build()));
        }
        for (LettuceCacheStore store : stores) {
            store.delete("race:warm-up").block(Duration.ofSeconds(10)); // connect all four first (a read would not wait)
        }
        String key = "race:" + UUID.randomUUID();
        int callers = 200;
        List<CacheLookup> lookups = Flux.range(0, callers)
                .flatMap(i -> stores.get(i % stores.size()).getOrLease(key, Duration.ofSeconds(30))
                        .subscribeOn(Schedulers.parallel()), callers)
                .collectList()
                .block(Duration.ofSeconds(30));
        assertThat(lookups).as("lookups completed").hasSize(callers);
        List<CacheLookup> won = lookups.stream().filter(l -> l.kind() == CacheLookup.Kind.LEASE_WON).toList();
        assertThat(won).as("lookups that won the lease, across 4 instances").hasSize(1);
        assertThat(lookups.stream().filter(l -> l.kind() == CacheLookup.Kind.LEASE_HELD).count())
                .as("lookups told the lease is held").isEqualTo(callers - 1);

        assertThat(stores.get(3).fill(key, won.get(0).token(), new byte[] {42}, Duration.ofMinutes(1)).block(Duration.ofSeconds(10)))
                .as("fill by the winner's token through another instance").isTrue();
        for (LettuceCacheStore store : stores) {
            CacheLookup after = store.getOrLease(key, Duration.ofSeconds(30)).block(Duration.ofSeconds(10));
            assertThat(after.kind()).as("lookup after the fill on every instance").isEqualTo(CacheLookup.Kind.HIT);
            assertThat(after.value()).containsExactly(42);
        }
        stores.get(0).delete(key).block(Duration.ofSeconds(10));
    }
}
