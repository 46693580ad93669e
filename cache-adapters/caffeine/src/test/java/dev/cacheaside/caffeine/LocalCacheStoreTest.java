package dev.cacheaside.caffeine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.config.ConfigurationException;
import dev.cacheaside.env.CacheStoreProvider;
import dev.cacheaside.env.Settings;
import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CacheStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** What the local store adds to the contract: the byte bound, copies, options and the provider. */
class LocalCacheStoreTest {

    private final AtomicLong nanos = new AtomicLong();

    @Test
    void staysWithinItsByteBound() {
        long max = 256 * 1024;
        LocalCacheStore store = LocalCacheStore.create(LocalStoreOptions.builder().maximumBytes(max).ticker(nanos::get).build());
        for (int i = 0; i < 100; i++) {
            store.set("k" + i, new byte[10 * 1024], Duration.ofHours(1)).block();
        }
        store.cleanUp();
        assertThat(store.weightedSize()).as("bytes held after writing about 1 MiB into 256 KiB").isLessThanOrEqualTo(max);
        long kept = 0;
        for (int i = 0; i < 100; i++) {
            if (store.get("k" + i).blockOptional().isPresent()) {
                kept++;
            }
        }
        assertThat(kept).as("values kept").isBetween(1L, max / (10 * 1024));
        store.close();
    }

    @Test
    void aValueHeavierThanTheBoundIsNotKept() {
        LocalCacheStore store = LocalCacheStore.create(LocalStoreOptions.builder().maximumBytes(1024).ticker(nanos::get).build());
        store.set("big", new byte[4096], Duration.ofHours(1)).block();
        store.cleanUp();
        assertThat(store.get("big").blockOptional()).as("value of 4 KiB in a 1 KiB store").isEmpty();
        store.close();
    }

    @Test
    void valuesAreCopiedInAndOut() {
        LocalCacheStore store = LocalCacheStore.create(LocalStoreOptions.builder().ticker(nanos::get).build());
        byte[] value = {1, 2, 3};
        store.set("k", value, Duration.ofHours(1)).block();
        value[0] = 9;
        byte[] read = store.get("k").block();
        assertThat(read).as("stored value after the caller changed its array").containsExactly(1, 2, 3);
        read[1] = 9;
        assertThat(store.get("k").block()).as("stored value after the reader changed its copy").containsExactly(1, 2, 3);
        CacheLookup hit = store.getOrLease("k", Duration.ofSeconds(5)).block();
        hit.value()[2] = 9;
        assertThat(store.get("k").block()).as("stored value after changing a hit's array").containsExactly(1, 2, 3);
        store.close();
    }

    @Test
    void argumentsAreCheckedWhenCalled() {
        LocalCacheStore store = LocalCacheStore.create();
        assertThatThrownBy(() -> store.set("k", new byte[1], Duration.ZERO)).as("zero ttl")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ttl");
        assertThatThrownBy(() -> store.getOrLease("k", Duration.ofSeconds(-1))).as("negative lease ttl")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("leaseTtl");
        assertThatThrownBy(() -> store.get(null)).as("null key").isInstanceOf(NullPointerException.class);
        store.close();
    }

    @Test
    void optionsValidateAndDefault() {
        assertThat(LocalStoreOptions.create().maximumBytes()).as("default bound").isEqualTo(LocalStoreOptions.DEFAULT_MAXIMUM_BYTES);
        assertThatThrownBy(() -> LocalStoreOptions.builder().maximumBytes(0).build()).as("zero bound")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maximumBytes").hasMessageContaining("0");
        LocalStoreOptions options = LocalStoreOptions.builder().maximumBytes(1234).build();
        assertThat(options.mutate().build().maximumBytes()).as("mutate keeps the bound").isEqualTo(1234);
    }

    @Test
    void providerIsFoundByEngineNameAndReadsTheBound() {
        CacheStoreProvider provider = ServiceLoader.load(CacheStoreProvider.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p.engines().contains("local"))
                .findFirst().orElseThrow(() -> new AssertionError("no provider for engine 'local'"));
        CacheStore store = provider.create("local", Settings.of(java.util.Map.of("CACHE_LOCAL_MAX_BYTES", "2m")));
        assertThat(store).isInstanceOf(LocalCacheStore.class);
        assertThat(((LocalCacheStore) store).options().maximumBytes()).as("CACHE_LOCAL_MAX_BYTES=2m").isEqualTo(2L << 20);
        store.close();
        CacheStore defaults = provider.create("local", Settings.empty());
        assertThat(((LocalCacheStore) defaults).options().maximumBytes()).as("bound when unset")
                .isEqualTo(LocalStoreOptions.DEFAULT_MAXIMUM_BYTES);
        defaults.close();
    }

    @Test
    void sizesParseWithUnits() {
        assertThat(LocalCacheStoreProvider.parseBytes("1048576")).isEqualTo(1048576);
        assertThat(LocalCacheStoreProvider.parseBytes("512k")).isEqualTo(512 * 1024);
        assertThat(LocalCacheStoreProvider.parseBytes("64MB")).isEqualTo(64L << 20);
        assertThat(LocalCacheStoreProvider.parseBytes("1GiB")).isEqualTo(1L << 30);
        assertThatThrownBy(() -> LocalCacheStoreProvider.parseBytes("lots")).as("not a size")
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CACHE_LOCAL_MAX_BYTES").hasMessageContaining("'lots'");
        assertThatThrownBy(() -> LocalCacheStoreProvider.parseBytes("0")).as("zero")
                .isInstanceOf(ConfigurationException.class);
    }

    /**
     * Invalidations of one tag running beside each other, on their own threads, while writers
     * lease, tag and fill a few keys over and over: when an invalidation completes, no key holds
     * a value whose tag call completed before that invalidation started, even when another
     * invalidation is part-way through removing the same key. Ends after 20,000 invalidations,
     * or at its 30 s deadline on a host too loaded to get there (then after at least 2,000).
     */
    @Test
    void anInvalidationBesideAnotherRemovesEveryKeyTaggedBeforeIt() throws InterruptedException {
        LocalCacheStore store = LocalCacheStore.create();
        String tag = "table:race";
        int keys = 4;
        int target = 20_000;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        AtomicLong sequence = new AtomicLong();
        Map<String, Long> taggedAt = new ConcurrentHashMap<>();
        AtomicInteger invalidations = new AtomicInteger();
        AtomicInteger fills = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        List<String> violations = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            int writer = w;
            threads.add(new Thread(() -> {
                int round = 0;
                while (!stop.get()) {
                    String k = "race" + (round++ % keys);
                    CacheLookup lookup = store.getOrLease(k, Duration.ofSeconds(30)).block();
                    if (lookup.kind() != CacheLookup.Kind.LEASE_WON) {
                        continue;
                    }
                    String version = k + "@" + writer + "." + round;
                    store.tag(List.of(tag), k, Duration.ofMinutes(5)).block();
                    taggedAt.put(version, sequence.incrementAndGet());
                    if (store.fill(k, lookup.token(), version.getBytes(StandardCharsets.UTF_8), Duration.ofMinutes(5)).block()) {
                        fills.incrementAndGet();
                    }
                }
            }));
        }
        for (int v = 0; v < 3; v++) {
            threads.add(new Thread(() -> {
                while (!stop.get()) {
                    long start = sequence.get();
                    store.invalidateTag(tag).block();
                    for (int i = 0; i < keys; i++) {
                        byte[] value = store.get("race" + i).block();
                        if (value != null) {
                            String version = new String(value, StandardCharsets.UTF_8);
                            Long at = taggedAt.get(version);
                            if (at == null || at <= start) {
                                violations.add(version + " (tagged at " + at + ") survived an invalidation started at " + start);
                            }
                        }
                    }
                    if (invalidations.incrementAndGet() >= target || System.nanoTime() >= deadline) {
                        stop.set(true);
                    }
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(60));
            assertThat(t.isAlive()).as("a race thread still running 60 s after the race's 30 s deadline").isFalse();
        }
        assertThat(violations).as("values that an invalidation started after their tag left behind").isEmpty();
        assertThat(invalidations.get()).as("invalidations raced").isGreaterThanOrEqualTo(
                System.nanoTime() >= deadline ? target / 10 : target);
        assertThat(fills.get()).as("fills that landed").isPositive();
        store.close();
    }
}
