package dev.cacheaside.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.CompareAndSetStore;
import dev.cacheaside.spi.SelfBoundedStore;
import dev.cacheaside.spi.TaggedStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The behaviour every {@link CacheStore} must have, as one abstract JUnit 5 class that each
 * store's test subclasses in a few lines (like R2DBC's {@code TestKit}).
 *
 * <h2>What a subclass provides</h2>
 * <ul>
 *   <li>{@link #createStore()} (required): a new, open store. It may share a server with other
 *       stores; the contract uses a fresh random key prefix per test, so no flushing is needed.
 *   <li>Time, for the expiry cases, in one of two ways:
 *     <ul>
 *       <li><b>real time</b> (the default, for servers): the contract writes with
 *           {@link #shortTtl()} and polls the store in a bounded loop until the entry lapses,
 *           checking it did not lapse earlier than {@link #expiryPrecision()} before its TTL.
 *       <li><b>fake time</b> (for in-process stores with an injectable ticker): override
 *           {@link #advanceTime(Duration)} to move the store's ticker forward and return
 *           {@code true}; the contract then never waits.
 *     </ul>
 *   <li>The capabilities the store has ({@link #capabilities()}): every one by default, as each
 *       store of this library has them. The contract checks that the store has exactly those,
 *       and runs the cases of {@link TaggedStore} and {@link CompareAndSetStore} only for a
 *       store that declares them (the engine's fallbacks for a store without them are core's
 *       tests).
 *   <li>Optional limits: {@link #expiryPrecision()} (for example one second for a server
 *       that counts TTLs in whole seconds), {@link #maxValueBytes()}, and
 *       {@link #sharedBetweenInstances()} (false for an in-process store).
 * </ul>
 *
 * <p>Stores are created per test and closed after it, so a subclass needs no lifecycle code.
 * A subclass that needs a server checks for it in a {@code @BeforeAll} method and skips the class
 * with {@code Assumptions.abort(..)} (or fails it) when the server is missing.
 *
 * <h2>Example</h2>
 * <pre>{@code
 * class MyStoreContractTest extends CacheStoreContract {
 *
 *     protected CacheStore createStore() {
 *         return MyStore.connect("localhost:1234");
 *     }
 *
 *     protected Duration tagTtl(String tag) {
 *         return MyAdminClient.ttlOf(tag);   // null when the tag is not held
 *     }
 * }
 * }</pre>
 * A store with fewer capabilities overrides {@link #capabilities()}; one that counts TTLs in
 * whole seconds overrides {@link #shortTtl()} and {@link #expiryPrecision()}.
 */
public abstract class CacheStoreContract extends StoreLeaseCases {

    // ---------------------------------------------------------------- tags

    @Test
    void theStoreHasExactlyTheCapabilitiesItDeclares() {
        TaggedStore store = taggedStore();
        for (Class<? extends CacheStore> capability : List.of(TaggedStore.class, CompareAndSetStore.class,
                SelfBoundedStore.class)) {
            assertThat(capability.isInstance(store)).as("%s is a %s", store.getClass().getName(), capability.getSimpleName())
                    .isEqualTo(capabilities().contains(capability));
        }
        if (store instanceof SelfBoundedStore) {
            assertThat(((SelfBoundedStore) store).operationTimeout()).as("operationTimeout of a self-bounded store")
                    .isNotNull().isGreaterThanOrEqualTo(Duration.ZERO);
        }
    }

    @Test
    void invalidateTagRemovesATaggedValueAndCountsIt() {
        TaggedStore store = taggedStore();
        String tag = key("table:booking");
        await(store.set(key("q1"), bytes("rows"), Duration.ofMinutes(5)), "set");
        await(store.tag(List.of(tag), key("q1"), Duration.ofMinutes(5)), "tag");
        assertThat(await(store.invalidateTag(tag), "invalidateTag")).as("values removed").isEqualTo(1L);
        assertThat(await(store.get(key("q1")), "get after")).as("value after invalidateTag").isNull();
        assertThat(await(store.invalidateTag(tag), "second invalidateTag")).as("values removed the second time").isEqualTo(0L);
        assertThat(await(store.invalidateTag(key("table:never")), "invalidateTag of an unknown tag"))
                .as("values removed under a tag never used").isEqualTo(0L);
    }

    @Test
    void aLeasedKeyUnderATagLosesItsLease() {
        TaggedStore store = taggedStore();
        String tag = key("table:booking");
        CacheLookup won = await(store.getOrLease(key("q1"), Duration.ofSeconds(30)), "getOrLease");
        assertThat(won.kind()).as("lease on a missing key").isEqualTo(CacheLookup.Kind.LEASE_WON);
        await(store.tag(List.of(tag), key("q1"), Duration.ofMinutes(5)), "tag at lease time");
        assertThat(await(store.invalidateTag(tag), "invalidateTag")).as("a lease is not a value").isEqualTo(0L);
        assertThat(await(store.fill(key("q1"), won.token(), bytes("read before the write"), Duration.ofMinutes(5)), "fill"))
                .as("fill with the token of a lease taken before invalidateTag").isFalse();
        assertThat(await(store.get(key("q1")), "get")).as("nothing stored by the refused fill").isNull();
        assertThat(await(store.getOrLease(key("q1"), Duration.ofSeconds(30)), "getOrLease again").kind())
                .as("the next caller wins a new lease").isEqualTo(CacheLookup.Kind.LEASE_WON);
    }

    @Test
    void untaggedKeysAndOtherTagsAreUntouched() {
        TaggedStore store = taggedStore();
        await(store.set(key("tagged"), bytes("a"), Duration.ofMinutes(5)), "set tagged");
        await(store.set(key("untagged"), bytes("b"), Duration.ofMinutes(5)), "set untagged");
        await(store.set(key("other"), bytes("c"), Duration.ofMinutes(5)), "set other");
        await(store.tag(List.of(key("table:booking")), key("tagged"), Duration.ofMinutes(5)), "tag booking");
        await(store.tag(List.of(key("table:flight")), key("other"), Duration.ofMinutes(5)), "tag flight");
        assertThat(await(store.invalidateTag(key("table:booking")), "invalidate booking")).isEqualTo(1L);
        assertThat(await(store.get(key("tagged")), "get tagged")).as("tagged under booking").isNull();
        assertThat(await(store.get(key("untagged")), "get untagged")).as("untagged key").isEqualTo(bytes("b"));
        assertThat(await(store.get(key("other")), "get other")).as("key under another tag").isEqualTo(bytes("c"));
    }

    @Test
    void aKeyUnderTwoTagsIsRemovedByEither() {
        TaggedStore store = taggedStore();
        List<String> both = List.of(key("table:booking"), key("table:flight"));
        await(store.set(key("join"), bytes("v1"), Duration.ofMinutes(5)), "set");
        await(store.tag(both, key("join"), Duration.ofMinutes(5)), "tag both");
        assertThat(await(store.invalidateTag(key("table:flight")), "invalidate flight")).isEqualTo(1L);
        assertThat(await(store.get(key("join")), "get after flight")).as("after invalidating the second tag").isNull();
        await(store.set(key("join"), bytes("v2"), Duration.ofMinutes(5)), "set again");
        await(store.tag(both, key("join"), Duration.ofMinutes(5)), "tag both again");
        assertThat(await(store.invalidateTag(key("table:booking")), "invalidate booking")).isEqualTo(1L);
        assertThat(await(store.get(key("join")), "get after booking")).as("after invalidating the first tag").isNull();
    }

    @Test
    void tagsAreSharedBetweenInstancesOfAServerStore() {
        TaggedStore one = taggedStore();
        TaggedStore two = taggedStore();
        await(one.set(key("shared"), bytes("v"), Duration.ofMinutes(5)), "set on one");
        await(one.tag(List.of(key("table:booking")), key("shared"), Duration.ofMinutes(5)), "tag on one");
        if (!sharedBetweenInstances()) {
            // an in-process store's tags are its own: another instance has nothing to remove,
            // and the first still removes its key by its own tag
            assertThat(await(two.invalidateTag(key("table:booking")), "invalidate on two"))
                    .as("keys an unshared second instance removes").isZero();
            assertThat(await(one.get(key("shared")), "get on one")).as("untouched by the other instance")
                    .isEqualTo(bytes("v"));
            assertThat(await(one.invalidateTag(key("table:booking")), "invalidate on one"))
                    .as("keys the first instance removes by its own tag").isEqualTo(1L);
            assertThat(await(one.get(key("shared")), "get on one after its own invalidation")).isNull();
            return;
        }
        assertThat(await(two.invalidateTag(key("table:booking")), "invalidate on two"))
                .as("keys removed through another instance").isEqualTo(1L);
        assertThat(await(one.get(key("shared")), "get on one")).as("removed for every instance").isNull();
    }

    @Test
    void aTagLastsAtLeastItsTtlAndOnlyGrows() {
        TaggedStore store = taggedStore();
        String tag = key("table:booking");
        await(store.tag(List.of(tag), key("q1"), Duration.ofSeconds(600)), "tag for 600 s");
        Duration first = tagTtl(tag);
        assertThat(first).as("TTL of a new tag given 600 s").isNotNull()
                .isGreaterThan(Duration.ofSeconds(590));
        await(store.tag(List.of(tag), key("q2"), Duration.ofSeconds(60)), "tag for 60 s");
        assertThat(tagTtl(tag)).as("TTL after a shorter tag call: never shortened").isGreaterThan(Duration.ofSeconds(580));
        await(store.tag(List.of(tag), key("q3"), Duration.ofSeconds(3000)), "tag for 3000 s");
        assertThat(tagTtl(tag)).as("TTL after a longer tag call: extended").isGreaterThan(Duration.ofSeconds(2990));
    }

    /**
     * Keys leased, tagged and filled over and over (as repeated misses would), each as soon as
     * an invalidation removed it, while two invalidators run {@code invalidateTag} in loops, until
     * {@value #RACE_INVALIDATIONS} invalidations ran. After each invalidation, no key may hold a
     * value whose tag call completed before that invalidation started; at the end one more
     * invalidation leaves no value at all, so no registration was lost.
     */
    @Test
    void concurrentTagAndInvalidateTagLoseNothing() {
        TaggedStore writerStore = taggedStore();
        TaggedStore invalidatorStore = sharedBetweenInstances() ? taggedStore() : writerStore;
        String tag = key("table:race");
        int keys = 40;
        // the race ends by count (RACE_INVALIDATIONS); the deadline only stops writers that
        // would otherwise run on, and leaves room within the race's 60 s timeout
        long deadline = System.nanoTime() + Duration.ofSeconds(50).toNanos();
        AtomicLong sequence = new AtomicLong();
        Map<String, Long> taggedAt = new ConcurrentHashMap<>();
        AtomicBoolean writersDone = new AtomicBoolean();
        AtomicInteger fills = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        AtomicLong removed = new AtomicLong();
        AtomicInteger invalidations = new AtomicInteger();
        List<String> violations = new CopyOnWriteArrayList<>();

        Mono<Void> writers = Flux.range(0, keys)
                .flatMap(i -> {
                    String k = key("race" + i);
                    AtomicInteger round = new AtomicInteger();
                    return Mono.defer(() -> writerStore.getOrLease(k, Duration.ofSeconds(30)).flatMap(lookup -> {
                        if (lookup.kind() != CacheLookup.Kind.LEASE_WON) {
                            return Mono.just(false);
                        }
                        String version = k + "@" + round.incrementAndGet();
                        return writerStore.tag(List.of(tag), k, Duration.ofMinutes(5))
                                .then(Mono.fromRunnable(() -> taggedAt.put(version, sequence.incrementAndGet())))
                                .then(writerStore.fill(k, lookup.token(), bytes(version), Duration.ofMinutes(5)))
                                .doOnNext(stored -> (stored ? fills : refused).incrementAndGet());
                    })).repeat(() -> invalidations.get() < RACE_INVALIDATIONS && System.nanoTime() < deadline).then();
                }, keys)
                .then()
                .doFinally(signal -> writersDone.set(true));

        Mono<Void> invalidator = Mono.defer(() -> {
            long start = sequence.get();
            return invalidatorStore.invalidateTag(tag)
                    .doOnNext(n -> {
                        removed.addAndGet(n);
                        invalidations.incrementAndGet();
                    })
                    .thenMany(Flux.range(0, keys).flatMap(i -> invalidatorStore.get(key("race" + i)), 32))
                    .doOnNext(value -> {
                        String version = new String(value, StandardCharsets.UTF_8);
                        Long at = taggedAt.get(version);
                        if (at == null || at <= start) {
                            violations.add(version + " (tagged at " + at + ") survived an invalidation started at " + start);
                        }
                    })
                    .then();
        }).repeat(() -> !writersDone.get()).then();

        // the writers stop by their 50 s deadline and the invalidators right after them: the
        // race's own 60 s timeout bounds the wait, not the 10 s of a single step
        await(Mono.when(writers.subscribeOn(Schedulers.parallel()),
                invalidator.subscribeOn(Schedulers.parallel()),
                invalidator.subscribeOn(Schedulers.parallel())).timeout(Duration.ofSeconds(60)), "race",
                Duration.ofSeconds(61));

        assertThat(violations).as("values that an invalidation started after their tag left behind").isEmpty();
        // the race ends at RACE_INVALIDATIONS, or at the writers' deadline for a store too slow
        // to get there on a loaded host; either way it must have raced many times
        assertThat(invalidations.get()).as("invalidations that ran during the writers (the race ends at %d or at"
                + " its 50 s deadline)", RACE_INVALIDATIONS).isGreaterThanOrEqualTo(
                System.nanoTime() >= deadline ? RACE_INVALIDATIONS / 10 : RACE_INVALIDATIONS);
        assertThat(fills.get()).as("fills that landed").isGreaterThan(0);
        await(invalidatorStore.invalidateTag(tag), "final invalidateTag");
        for (int i = 0; i < keys; i++) {
            assertThat(await(writerStore.get(key("race" + i)), "get race" + i))
                    .as("value of race%d after the final invalidation (a lost registration leaves one)", i).isNull();
        }
        assertThat(removed.get() + fills.get()).as("removals and fills were counted").isPositive();
    }
}
