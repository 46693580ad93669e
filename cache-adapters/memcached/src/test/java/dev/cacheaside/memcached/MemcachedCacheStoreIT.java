package dev.cacheaside.memcached;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.testing.TestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** Memcached-specific behaviour against the real servers on 11211 and 11212. */
class MemcachedCacheStoreIT {

    private static final Duration STEP = Duration.ofSeconds(10);
    private static String first;
    private static String second;

    private final List<MemcachedCacheStore> stores = new ArrayList<>();
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private String prefix;

    @BeforeAll
    static void servers() {
        first = TestServers.require("MEMCACHED", 11211);
        second = TestServers.require("MEMCACHED2", 11212);
    }

    @BeforeEach
    void setUp() {
        prefix = "it:" + UUID.randomUUID().toString().substring(0, 8) + ":";
        log.start();
        ((Logger) LoggerFactory.getLogger(MemcachedCacheStore.class)).addAppender(log);
    }

    @AfterEach
    void tearDown() {
        ((Logger) LoggerFactory.getLogger(MemcachedCacheStore.class)).detachAppender(log);
        stores.forEach(s -> s.closeAsync().block(STEP));
    }

    private MemcachedCacheStore store(MemcachedStoreOptions.Builder builder) {
        MemcachedCacheStore store = MemcachedCacheStore.create(builder.build());
        stores.add(store);
        return store;
    }

    private MemcachedCacheStore store() {
        return store(MemcachedStoreOptions.builder().servers(first + "," + second).timeout(Duration.ofSeconds(2)));
    }

    @Test
    void exactlyOneOf200ConcurrentCallersAcrossFourInstancesWinsTheLease() {
        List<MemcachedCacheStore> four = List.of(store(), store(), store(), store());
        String key = prefix + "cold";
        List<CacheLookup> lookups = Flux.range(0, 200)
                .flatMap(i -> four.get(i % 4).getOrLease(key, Duration.ofSeconds(30)).subscribeOn(Schedulers.parallel()), 200)
                .collectList()
                .block(Duration.ofSeconds(30));
        assertThat(lookups).as("lookups completed").hasSize(200);
        assertThat(lookups.stream().filter(l -> l.kind() == CacheLookup.Kind.LEASE_WON).count())
                .as("callers that won the lease").isEqualTo(1);
        assertThat(lookups.stream().filter(l -> l.kind() == CacheLookup.Kind.LEASE_HELD).count())
                .as("callers told the lease is held").isEqualTo(199);
        CacheLookup won = lookups.stream().filter(l -> l.kind() == CacheLookup.Kind.LEASE_WON).findFirst().orElseThrow();
        assertThat(four.get(3).fill(key, won.token(), bytes("v"), Duration.ofMinutes(1)).block(STEP))
                .as("the winner's token fills from another instance").isTrue();
        assertThat(four.get(1).get(key).block(STEP)).as("value seen by a third instance").isEqualTo(bytes("v"));
    }

    @Test
    void deleteFromAnotherInstanceRefusesTheFill() {
        MemcachedCacheStore a = store();
        MemcachedCacheStore b = store();
        String key = prefix + "k";
        CacheLookup won = a.getOrLease(key, Duration.ofSeconds(30)).block(STEP);
        assertThat(won.kind()).as("first lookup").isEqualTo(CacheLookup.Kind.LEASE_WON);
        b.delete(key).block(STEP);
        assertThat(a.fill(key, won.token(), bytes("stale"), Duration.ofMinutes(1)).block(STEP))
                .as("fill after another instance deleted the key").isFalse();
        StepVerifier.create(b.get(key)).as("nothing stored").verifyComplete();
    }

    @Test
    void keysAreSpreadOverBothServersAndStoredOnExactlyOne() {
        MemcachedCacheStore store = store();
        int n = 200;
        for (int i = 0; i < n; i++) {
            store.set(prefix + i, bytes("v" + i), Duration.ofMinutes(1)).block(STEP);
        }
        int onFirst = 0;
        int onSecond = 0;
        try (RawMemcached a = new RawMemcached(first); RawMemcached b = new RawMemcached(second)) {
            for (int i = 0; i < n; i++) {
                boolean inA = a.command("mg " + prefix + i + " f").startsWith("HD");
                boolean inB = b.command("mg " + prefix + i + " f").startsWith("HD");
                assertThat(inA ^ inB).as("key %d is on exactly one server", i).isTrue();
                onFirst += inA ? 1 : 0;
                onSecond += inB ? 1 : 0;
            }
        }
        assertThat(onFirst).as("keys on %s", first).isBetween(40, 160);
        assertThat(onSecond).as("keys on %s", second).isBetween(40, 160);
    }

    @Test
    void ttlLongerThan30DaysIsSentAsAnAbsoluteTime() {
        MemcachedCacheStore store = store(MemcachedStoreOptions.builder().servers(first));
        String key = prefix + "long";
        Duration forty = Duration.ofDays(40);
        store.set(key, bytes("v"), forty).block(STEP);
        try (RawMemcached raw = new RawMemcached(first)) {
            String line = raw.command("mg " + key + " t");
            assertThat(line).as("mg t answer").startsWith("HD t");
            long remaining = Long.parseLong(line.substring(4).trim());
            // memcached's own clock ticks once a second and may lag the wall clock by a second;
            // sent as a relative 3,456,000 the server would read 1970 + 40 days and drop the item
            assertThat(remaining).as("remaining TTL of a 40-day value, in seconds")
                    .isBetween(forty.getSeconds() - 10, forty.getSeconds() + 2);
        }
        assertThat(store.get(key).block(STEP)).as("the value is readable (not already expired)").isEqualTo(bytes("v"));
    }

    @Test
    void subSecondTtlLastsOneSecond() {
        MemcachedCacheStore store = store(MemcachedStoreOptions.builder().servers(first));
        String key = prefix + "short";
        store.set(key, bytes("v"), Duration.ofMillis(10)).block(STEP);
        try (RawMemcached raw = new RawMemcached(first)) {
            String line = raw.command("mg " + key + " t");
            // TTL 1 s, not 0 (which would mean "never"); the item may already be gone
            assertThat(line).as("mg t answer for a 10 ms TTL").isIn("HD t1", "HD t0", "EN");
        }
    }

    @Test
    void valueOverTheConfiguredLimitIsNotCachedAndLogged() {
        MemcachedCacheStore store = store();
        String key = prefix + "big";
        byte[] big = filled(MemcachedStoreOptions.DEFAULT_MAX_VALUE_SIZE + 1, (byte) 'x');
        StepVerifier.create(store.set(key, big, Duration.ofMinutes(1))).as("set of a too-large value").verifyComplete();
        StepVerifier.create(store.get(key)).as("too-large value not cached").verifyComplete();
        assertWarned(key, big.length);
    }

    @Test
    void valueTheServerRefusesAsTooLargeIsNotCachedAndTheConnectionStaysInStep() {
        MemcachedCacheStore store = store(MemcachedStoreOptions.builder().servers(first)
                .maxValueSize(4 * 1024 * 1024).timeout(Duration.ofSeconds(2)));
        String key = prefix + "huge";
        byte[] huge = filled(2 * 1024 * 1024, (byte) 'y');
        StepVerifier.create(store.set(key, huge, Duration.ofMinutes(1))).as("set refused by the server").verifyComplete();
        StepVerifier.create(store.get(key)).as("value not cached").verifyComplete();
        assertWarned(key, huge.length);
        store.set(prefix + "after", bytes("small"), Duration.ofMinutes(1)).block(STEP);
        assertThat(store.get(prefix + "after").block(STEP)).as("the next command on the same connection")
                .isEqualTo(bytes("small"));

        String leased = prefix + "leased";
        CacheLookup won = store.getOrLease(leased, Duration.ofMinutes(5)).block(STEP);
        assertThat(won.kind()).as("lease on a cold key").isEqualTo(CacheLookup.Kind.LEASE_WON);
        assertThat(store.fill(leased, won.token(), huge, Duration.ofMinutes(1)).block(STEP))
                .as("fill of a value the server refuses").isFalse();
        assertThat(store.getOrLease(leased, Duration.ofMinutes(5)).block(STEP).kind())
                .as("the lease was given up, so the next caller wins instead of waiting").isEqualTo(CacheLookup.Kind.LEASE_WON);
    }

    @Test
    void replaceWithAValueOverTheConfiguredLimitIsRefusedAndLogged() {
        MemcachedCacheStore store = store();
        String key = prefix + "replace-big";
        store.set(key, bytes("small"), Duration.ofMinutes(1)).block(STEP);
        byte[] big = filled(MemcachedStoreOptions.DEFAULT_MAX_VALUE_SIZE + 1, (byte) 'x');
        assertThat(store.replace(key, bytes("small"), big, Duration.ofMinutes(1)).block(STEP))
                .as("replace with a too-large value").isFalse();
        assertThat(store.get(key).block(STEP)).as("the old value stays").isEqualTo(bytes("small"));
        assertWarned(key, big.length);
    }

    @Test
    void replaceWithAValueTheServerRefusesIsRefusedAndTheConnectionStaysInStep() {
        MemcachedCacheStore store = store(MemcachedStoreOptions.builder().servers(first)
                .maxValueSize(4 * 1024 * 1024).timeout(Duration.ofSeconds(2)));
        String key = prefix + "replace-huge";
        store.set(key, bytes("small"), Duration.ofMinutes(1)).block(STEP);
        byte[] huge = filled(2 * 1024 * 1024, (byte) 'y');
        assertThat(store.replace(key, bytes("small"), huge, Duration.ofMinutes(1)).block(STEP))
                .as("replace with a value the server refuses as too large").isFalse();
        assertWarned(key, huge.length);
        // memcached unlinks the item when it refuses a store as too large ("avoid stale data
        // persisting"), so the entry is gone, never stale
        assertThat(store.get(key).block(STEP)).as("the next command on the same connection: the server removed the key")
                .isNull();
        store.set(key, bytes("small"), Duration.ofMinutes(1)).block(STEP);
        assertThat(store.replace(key, bytes("small"), bytes("fits"), Duration.ofMinutes(1)).block(STEP))
                .as("a replace that fits, after the refused one").isTrue();
        assertThat(store.get(key).block(STEP)).as("value of that replace").isEqualTo(bytes("fits"));
    }

    @Test
    void replaceWritesWithTheValueFlagsAndItsOwnTtl() {
        MemcachedCacheStore store = store(MemcachedStoreOptions.builder().servers(first).timeout(Duration.ofSeconds(2)));
        String key = prefix + "replace-ttl";
        store.set(key, bytes("old"), Duration.ofMinutes(1)).block(STEP);
        assertThat(store.replace(key, bytes("old"), bytes("new"), Duration.ofSeconds(600)).block(STEP))
                .as("replace").isTrue();
        try (RawMemcached raw = new RawMemcached(first)) {
            String line = raw.command("mg " + key + " f t v");
            assertThat(line).as("mg f t v after the replace").startsWith("VA 3 ").contains(" f1").containsPattern(" t(59[0-9]|600)");
            assertThat(raw.readBlock(3)).as("the replaced value").isEqualTo(bytes("new"));
        }
    }

    @Test
    void invalidKeysAreRejectedWithIllegalArgumentException() {
        MemcachedCacheStore store = store();
        String tooLong = "k".repeat(251);
        for (String key : List.of("has space", "tab\there", "new\nline", tooLong, "", "caf\u00e9")) {
            StepVerifier.create(store.get(key)).as("get of key '" + key + "'")
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalArgumentException.class)
                            .hasMessageContaining("key"))
                    .verify(STEP);
        }
        StepVerifier.create(store.set("has space", bytes("v"), Duration.ofMinutes(1))).as("set of a bad key")
                .expectError(IllegalArgumentException.class).verify(STEP);
        StepVerifier.create(store.getOrLease(tooLong, Duration.ofMinutes(1))).as("getOrLease of a 251-char key")
                .expectError(IllegalArgumentException.class).verify(STEP);
        StepVerifier.create(store.fill("a b", "1", bytes("v"), Duration.ofMinutes(1))).as("fill of a bad key")
                .expectError(IllegalArgumentException.class).verify(STEP);
        StepVerifier.create(store.replace("a b", bytes("v"), bytes("w"), Duration.ofMinutes(1))).as("replace of a bad key")
                .expectError(IllegalArgumentException.class).verify(STEP);
        StepVerifier.create(store.delete("a\u0000b")).as("delete of a bad key")
                .expectError(IllegalArgumentException.class).verify(STEP);
    }

    @Test
    void aSharedVertxIsUsedAndLeftOpen() {
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        try {
            MemcachedCacheStore store = MemcachedCacheStore.create(MemcachedStoreOptions.builder()
                    .servers(first).vertx(vertx).build());
            store.set(prefix + "shared", bytes("v"), Duration.ofMinutes(1)).block(STEP);
            assertThat(store.get(prefix + "shared").block(STEP)).as("value through a shared Vert.x").isEqualTo(bytes("v"));
            store.closeAsync().block(STEP);
            StepVerifier.create(store.get(prefix + "shared")).as("get after close")
                    .expectError(IllegalStateException.class).verify(STEP);
            java.util.concurrent.CompletableFuture<Long> timer = new java.util.concurrent.CompletableFuture<>();
            vertx.setTimer(1, timer::complete);
            assertThat(timer.orTimeout(5, java.util.concurrent.TimeUnit.SECONDS).join())
                    .as("the shared Vert.x still runs timers after the store closed").isNotNull();
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }

    @Test
    void engineKeysWork() {
        MemcachedCacheStore store = store();
        String key = "query:" + "ab".repeat(32) + UUID.randomUUID().toString().substring(0, 4);
        store.set(key, bytes("rows"), Duration.ofMinutes(1)).block(STEP);
        assertThat(store.get(key).block(STEP)).as("value under an engine-style key").isEqualTo(bytes("rows"));
    }

    private void assertWarned(String key, int size) {
        assertThat(log.list).as("warnings logged")
                .anySatisfy(e -> {
                    assertThat(e.getLevel().toString()).isEqualTo("WARN");
                    assertThat(e.getFormattedMessage()).contains(key).contains(Integer.toString(size));
                });
        assertThat(log.list).as("no value in the log")
                .noneSatisfy(e -> assertThat(e.getFormattedMessage()).contains("xxxxxxxx"));
        assertThat(log.list).as("no value in the log")
                .noneSatisfy(e -> assertThat(e.getFormattedMessage()).contains("yyyyyyyy"));
    }

    private static byte[] filled(int size, byte b) {
        byte[] v = new byte[size];
        Arrays.fill(v, b);
        return v;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
