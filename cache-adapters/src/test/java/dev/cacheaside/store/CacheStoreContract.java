package dev.cacheaside.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.CompareAndSetStore;
import dev.cacheaside.spi.SelfBoundedStore;
import dev.cacheaside.spi.TaggedStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

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
 * A subclass that needs a server calls {@code TestServers.require(..)} in {@link #createStore()}
 * (or in a {@code @BeforeAll}), which skips or fails the whole class when the server is missing.
 */
public abstract class CacheStoreContract {

    /** How many invalidations the tag race runs while keys are tagged and filled. */
    protected static final int RACE_INVALIDATIONS = 300;

    /** How long a blocking step in a test may take before the test fails instead of hanging. */
    protected static final Duration STEP = Duration.ofSeconds(10);

    private final List<CacheStore> stores = new ArrayList<>();
    private String prefix;

    /** A new, open store. Called at least once per test; each store is closed after the test. */
    protected abstract CacheStore createStore();

    /**
     * Moves the store's clock forward by {@code duration} and returns {@code true}, for stores
     * whose time is simulated (an injected ticker). The default returns {@code false}: the store
     * runs in real time and the contract waits for expiry by polling.
     */
    protected boolean advanceTime(Duration duration) {
        return false;
    }

    /**
     * The TTL the expiry cases use. The default is one second: short enough to wait out in real
     * time, long enough not to lapse between two commands. Fake-time stores may keep it.
     */
    protected Duration shortTtl() {
        return Duration.ofSeconds(1);
    }

    /**
     * How much earlier than its TTL an entry may lapse. The default, 50 ms, suits stores with
     * millisecond TTLs; a store that counts whole seconds returns one second.
     */
    protected Duration expiryPrecision() {
        return Duration.ofMillis(50);
    }

    /**
     * Whether two stores from {@link #createStore()} share their data and leases (true for a
     * server, the default; false for an in-process store).
     */
    protected boolean sharedBetweenInstances() {
        return true;
    }

    /**
     * The capability interfaces ({@link TaggedStore}, {@link CompareAndSetStore},
     * {@link SelfBoundedStore}) the store must implement, and no others. The default is all
     * three: every store of this library has them.
     */
    protected Set<Class<? extends CacheStore>> capabilities() {
        return Set.of(TaggedStore.class, CompareAndSetStore.class, SelfBoundedStore.class);
    }

    /** The largest value the store must keep; the default is 1 MiB. */
    protected int maxValueBytes() {
        return 1024 * 1024;
    }

    /**
     * The time {@code tag} has left on the store, as the store's own server reports it
     * ({@code PTTL}, {@code mg t}, or the in-process ticker), or {@code null} when no such tag is
     * held. Every store of this library can say, so each subclass implements it.
     */
    protected abstract Duration tagTtl(String tag);

    /**
     * Removes the expiry of the lease held under {@code key} from outside the store, as an
     * operator's {@code PERSIST} would, and returns {@code true}; {@code false} (the default)
     * when nothing outside the store can, which skips the case.
     */
    protected boolean makeLeaseEternal(String key) {
        return false;
    }

    /**
     * Writes {@code value} under {@code key} as another client would (without TTL, not through
     * the store) and returns {@code true}; {@code false} (the default) when that is not possible
     * or the server refuses the value, which skips the case.
     */
    protected boolean writeRaw(String key, byte[] value) {
        return false;
    }

    @BeforeEach
    void newPrefix() {
        prefix = "contract:" + UUID.randomUUID().toString().substring(0, 8) + ":";
    }

    @AfterEach
    void closeStores() {
        for (CacheStore store : stores) {
            store.closeAsync().block(STEP);
        }
        stores.clear();
    }

    /** A store made by {@link #createStore()} that is closed after the test. */
    protected final CacheStore store() {
        CacheStore store = createStore();
        stores.add(store);
        return store;
    }

    /**
     * A store made by {@link #createStore()} as a {@link TaggedStore}; skips the case when the
     * store does not declare tags ({@link #capabilities()}).
     */
    protected final TaggedStore taggedStore() {
        assumeTrue(capabilities().contains(TaggedStore.class), "the store declares no tags");
        return (TaggedStore) store();
    }

    /**
     * A store made by {@link #createStore()} as a {@link CompareAndSetStore}; skips the case when
     * the store does not declare a compare-and-set ({@link #capabilities()}).
     */
    protected final CompareAndSetStore compareAndSetStore() {
        assumeTrue(capabilities().contains(CompareAndSetStore.class), "the store declares no compare-and-set");
        return (CompareAndSetStore) store();
    }

    /** A key unique to this test run. */
    protected final String key(String name) {
        return prefix + name;
    }

    // ---------------------------------------------------------------- plain operations

    @Test
    void getOfMissingKeyIsEmpty() {
        CacheStore store = store();
        StepVerifier.create(store.get(key("missing"))).as("get of a key never written").verifyComplete();
    }

    @Test
    void setThenGetReturnsTheSameBytes() {
        CacheStore store = store();
        byte[] value = bytes("hello");
        await(store.set(key("k"), value, Duration.ofMinutes(5)), "set");
        assertThat(await(store.get(key("k")), "get")).as("value read back").isEqualTo(value);
    }

    @Test
    void setOverwritesAValue() {
        CacheStore store = store();
        await(store.set(key("k"), bytes("first"), Duration.ofMinutes(5)), "first set");
        await(store.set(key("k"), bytes("second"), Duration.ofMinutes(5)), "second set");
        assertThat(await(store.get(key("k")), "get")).as("value after overwrite").isEqualTo(bytes("second"));
    }

    @Test
    void deleteReportsWhetherAValueWasRemoved() {
        CacheStore store = store();
        await(store.set(key("k"), bytes("v"), Duration.ofMinutes(5)), "set");
        assertThat(await(store.delete(key("k")), "delete of a stored value")).as("first delete").isTrue();
        StepVerifier.create(store.get(key("k"))).as("get after delete").verifyComplete();
        assertThat(await(store.delete(key("k")), "second delete")).as("delete of a missing key").isFalse();
        assertThat(await(store.delete(key("never")), "delete never written")).as("delete of a key never written").isFalse();
    }

    @Test
    void ttlIsHonoured() {
        CacheStore store = store();
        Duration ttl = shortTtl();
        await(store.set(key("long"), bytes("stays"), Duration.ofMinutes(10)), "set long-lived");
        long start = System.nanoTime();
        await(store.set(key("short"), bytes("goes"), ttl), "set short-lived");
        assertThat(await(store.get(key("short")), "get right after set")).as("value before its TTL").isEqualTo(bytes("goes"));

        awaitLapse(ttl, start, () -> store.get(key("short")).blockOptional(STEP).isEmpty(), "short-lived value");

        assertThat(await(store.get(key("long")), "get long-lived")).as("value with a longer TTL survives").isEqualTo(bytes("stays"));
        assertThat(await(store.delete(key("short")), "delete expired")).as("delete of an expired value").isFalse();
    }

    @Test
    void valuesAreBinarySafe() {
        CacheStore store = store();
        byte[] every = new byte[256];
        for (int i = 0; i < 256; i++) {
            every[i] = (byte) i;
        }
        byte[] reversed = new byte[256];
        for (int i = 0; i < 256; i++) {
            reversed[i] = (byte) (255 - i);
        }
        await(store.set(key("ascending"), every, Duration.ofMinutes(5)), "set ascending");
        await(store.set(key("descending"), reversed, Duration.ofMinutes(5)), "set descending");
        assertThat(await(store.get(key("ascending")), "get ascending")).as("bytes 0..255").isEqualTo(every);
        assertThat(await(store.get(key("descending")), "get descending")).as("bytes 255..0").isEqualTo(reversed);
    }

    @Test
    void valuesFromOneByteToTheMaximumSize() {
        CacheStore store = store();
        int[] sizes = {1, 2, 255, 1024, 64 * 1024, maxValueBytes() / 2, maxValueBytes()};
        for (int size : sizes) {
            byte[] value = pattern(size);
            await(store.set(key("size" + size), value, Duration.ofMinutes(5)), "set " + size + " bytes");
            byte[] read = await(store.get(key("size" + size)), "get " + size + " bytes");
            assertThat(read).as("value of %d bytes read back", size).hasSize(size);
            assertThat(Arrays.equals(read, value)).as("content of the %d-byte value", size).isTrue();
        }
    }

    @Test
    void keysUpToTheLengthLimit() {
        CacheStore store = store();
        String longKey = padKey(key("long-"), 250);
        assertThat(longKey.getBytes(StandardCharsets.US_ASCII)).as("test key length").hasSize(250);
        await(store.set(longKey, bytes("at the limit"), Duration.ofMinutes(5)), "set 250-byte key");
        assertThat(await(store.get(longKey), "get 250-byte key")).as("value under a 250-byte key").isEqualTo(bytes("at the limit"));
        String shorter = longKey.substring(0, 249);
        StepVerifier.create(store.get(shorter)).as("a 249-byte prefix of that key is another key").verifyComplete();
        assertThat(await(store.delete(longKey), "delete 250-byte key")).as("delete of the 250-byte key").isTrue();
    }

    @Test
    void manyConcurrentOperations() {
        CacheStore store = store();
        int keys = 64;
        int operations = 1000;
        for (int k = 0; k < keys; k++) {
            await(store.set(key("c" + k), valueFor(k, -1), Duration.ofMinutes(5)), "preload key " + k);
        }
        AtomicInteger sets = new AtomicInteger();
        AtomicInteger hits = new AtomicInteger();
        AtomicInteger wrongKey = new AtomicInteger();
        Map<Integer, Integer> missing = new ConcurrentHashMap<>();
        Long done = Flux.range(0, operations)
                .flatMap(i -> {
                    int k = i % keys;
                    Mono<Integer> op = i % 2 == 0
                            ? store.set(key("c" + k), valueFor(k, i), Duration.ofMinutes(5))
                                    .then(Mono.fromCallable(sets::incrementAndGet))
                            : store.get(key("c" + k))
                                    .map(v -> {
                                        if (keyOf(v) != k) {
                                            wrongKey.incrementAndGet();
                                        }
                                        return hits.incrementAndGet();
                                    })
                                    .switchIfEmpty(Mono.fromCallable(() -> missing.merge(k, 1, Integer::sum)));
                    return op.subscribeOn(Schedulers.parallel());
                }, 256)
                .count()
                .block(Duration.ofSeconds(60));
        assertThat(done).as("operations completed").isEqualTo(operations);
        assertThat(sets.get()).as("sets completed").isEqualTo(operations / 2);
        assertThat(missing).as("gets that found nothing (every key was preloaded)").isEmpty();
        assertThat(hits.get()).as("gets that found a value").isEqualTo(operations / 2);
        assertThat(wrongKey.get()).as("gets that returned another key's value").isZero();
        for (int k = 0; k < keys; k++) {
            assertThat(keyOf(await(store.get(key("c" + k)), "final get " + k))).as("final value of key %d", k).isEqualTo(k);
        }
    }

    @Test
    void operationsAfterCloseFailWithIllegalStateException() {
        CacheStore store = store();
        await(store.set(key("k"), bytes("v"), Duration.ofMinutes(5)), "set before close");
        StepVerifier.create(store.closeAsync()).as("close").expectComplete().verify(STEP);
        StepVerifier.create(store.closeAsync()).as("second close is a no-op").expectComplete().verify(STEP);
        StepVerifier.create(store.get(key("k"))).as("get after close")
                .expectError(IllegalStateException.class).verify(STEP);
        StepVerifier.create(store.set(key("k"), bytes("v"), Duration.ofMinutes(5))).as("set after close")
                .expectError(IllegalStateException.class).verify(STEP);
        StepVerifier.create(store.delete(key("k"))).as("delete after close")
                .expectError(IllegalStateException.class).verify(STEP);
        StepVerifier.create(store.getOrLease(key("k"), Duration.ofSeconds(5))).as("getOrLease after close")
                .expectError(IllegalStateException.class).verify(STEP);
        StepVerifier.create(store.fill(key("k"), "token", bytes("v"), Duration.ofMinutes(5))).as("fill after close")
                .expectError(IllegalStateException.class).verify(STEP);
        if (capabilities().contains(CompareAndSetStore.class)) {
            StepVerifier.create(((CompareAndSetStore) store).replace(key("k"), bytes("v"), bytes("w"), Duration.ofMinutes(5)))
                    .as("replace after close").expectError(IllegalStateException.class).verify(STEP);
        }
    }

    @Test
    void operationsAreLazy() {
        CacheStore store = store();
        store.set(key("lazy"), bytes("v"), Duration.ofMinutes(5)); // never subscribed
        store.getOrLease(key("lazy2"), Duration.ofMinutes(5)); // never subscribed
        if (capabilities().contains(CompareAndSetStore.class)) {
            await(store.set(key("lazy3"), bytes("old"), Duration.ofMinutes(5)), "set lazy3");
            ((CompareAndSetStore) store).replace(key("lazy3"), bytes("old"), bytes("new"), Duration.ofMinutes(5)); // never subscribed
            assertThat(await(store.get(key("lazy3")), "get lazy3")).as("an unsubscribed replace changes nothing")
                    .isEqualTo(bytes("old"));
        }
        StepVerifier.create(store.get(key("lazy"))).as("an unsubscribed set stores nothing").verifyComplete();
        assertThat(await(store.getOrLease(key("lazy2"), Duration.ofMinutes(5)), "getOrLease").kind())
                .as("an unsubscribed getOrLease takes no lease").isEqualTo(CacheLookup.Kind.LEASE_WON);
    }

    // ---------------------------------------------------------------- leases

    @Test
    void getOrLeaseOfAValueIsAHit() {
        CacheStore store = store();
        await(store.set(key("k"), bytes("v"), Duration.ofMinutes(5)), "set");
        CacheLookup lookup = await(store.getOrLease(key("k"), Duration.ofSeconds(30)), "getOrLease");
        assertThat(lookup.kind()).as("lookup of a stored value").isEqualTo(CacheLookup.Kind.HIT);
        assertThat(lookup.value()).as("value of the hit").isEqualTo(bytes("v"));
        assertThat(lookup.token()).as("a hit carries no token").isNull();
    }

    @Test
    void exactlyOneConcurrentCallerWinsTheLease() {
        CacheStore store = store();
        int callers = 64;
        List<CacheLookup> lookups = Flux.range(0, callers)
                .flatMap(i -> store.getOrLease(key("cold"), Duration.ofSeconds(30)).subscribeOn(Schedulers.parallel()), callers)
                .collectList()
                .block(Duration.ofSeconds(30));
        assertThat(lookups).as("lookups completed").hasSize(callers);
        long won = lookups.stream().filter(l -> l.kind() == CacheLookup.Kind.LEASE_WON).count();
        long held = lookups.stream().filter(l -> l.kind() == CacheLookup.Kind.LEASE_HELD).count();
        assertThat(won).as("callers that won the lease").isEqualTo(1);
        assertThat(held).as("callers told the lease is held").isEqualTo(callers - 1);
        assertThat(lookups.stream().filter(l -> l.kind() == CacheLookup.Kind.LEASE_WON).findFirst().orElseThrow().token())
                .as("the winner's token").isNotBlank();
    }

    @Test
    void fillWithTheTokenStoresTheValue() {
        CacheStore store = store();
        CacheLookup won = await(store.getOrLease(key("k"), Duration.ofSeconds(30)), "getOrLease");
        assertThat(won.kind()).as("first lookup of a missing key").isEqualTo(CacheLookup.Kind.LEASE_WON);
        assertThat(await(store.fill(key("k"), won.token(), bytes("loaded"), Duration.ofMinutes(5)), "fill"))
                .as("fill with the winning token").isTrue();
        assertThat(await(store.get(key("k")), "get after fill")).as("value after fill").isEqualTo(bytes("loaded"));
        CacheLookup later = await(store.getOrLease(key("k"), Duration.ofSeconds(30)), "getOrLease after fill");
        assertThat(later.kind()).as("lookup after fill").isEqualTo(CacheLookup.Kind.HIT);
        assertThat(later.value()).as("value of that hit").isEqualTo(bytes("loaded"));
        assertThat(await(store.fill(key("k"), won.token(), bytes("again"), Duration.ofMinutes(5)), "second fill"))
                .as("a second fill with a spent token").isFalse();
        assertThat(await(store.get(key("k")), "get after second fill")).as("value unchanged by a refused fill").isEqualTo(bytes("loaded"));
    }

    @Test
    void leasesAndValuesAreSharedBetweenInstancesOfAServerStore() {
        CacheStore first = store();
        CacheStore second = store();
        CacheLookup won = await(first.getOrLease(key("shared"), Duration.ofSeconds(30)), "getOrLease on the first store");
        assertThat(won.kind()).as("first store's lookup").isEqualTo(CacheLookup.Kind.LEASE_WON);
        CacheLookup other = await(second.getOrLease(key("shared"), Duration.ofSeconds(30)), "getOrLease on the second store");
        if (!sharedBetweenInstances()) {
            assertThat(other.kind()).as("an unshared store's own lookup").isEqualTo(CacheLookup.Kind.LEASE_WON);
            return;
        }
        assertThat(other.kind()).as("second store's lookup while the first holds the lease").isEqualTo(CacheLookup.Kind.LEASE_HELD);
        assertThat(await(first.fill(key("shared"), won.token(), bytes("v"), Duration.ofMinutes(5)), "fill on the first store"))
                .as("fill by the lease holder").isTrue();
        assertThat(await(second.get(key("shared")), "get on the second store")).as("filled value seen by another instance").isEqualTo(bytes("v"));
    }

    @Test
    void deleteDuringALeaseRefusesTheStaleFill() {
        CacheStore store = store();
        CacheLookup won = await(store.getOrLease(key("k"), Duration.ofSeconds(30)), "getOrLease");
        assertThat(won.kind()).as("lookup of a missing key").isEqualTo(CacheLookup.Kind.LEASE_WON);
        await(store.delete(key("k")), "delete while the lease is held");
        assertThat(await(store.fill(key("k"), won.token(), bytes("stale"), Duration.ofMinutes(5)), "fill after delete"))
                .as("fill from a load that began before the delete").isFalse();
        StepVerifier.create(store.get(key("k"))).as("nothing stored by the refused fill").verifyComplete();
        CacheLookup next = await(store.getOrLease(key("k"), Duration.ofSeconds(30)), "getOrLease after delete");
        assertThat(next.kind()).as("the key can be leased again").isEqualTo(CacheLookup.Kind.LEASE_WON);
        assertThat(next.token()).as("the new lease's token").isNotEqualTo(won.token());
    }

    @Test
    void deleteOfALeaseOnlyReportsNoValue() {
        CacheStore store = store();
        assertThat(await(store.getOrLease(key("k"), Duration.ofSeconds(30)), "getOrLease").kind())
                .as("lookup of a missing key").isEqualTo(CacheLookup.Kind.LEASE_WON);
        assertThat(await(store.delete(key("k")), "delete of a lease")).as("a lease is not a value").isFalse();
    }

    @Test
    void aLeaseExpiresByItself() {
        CacheStore store = store();
        Duration leaseTtl = shortTtl();
        long start = System.nanoTime();
        CacheLookup first = await(store.getOrLease(key("k"), leaseTtl), "first getOrLease");
        assertThat(first.kind()).as("first lookup").isEqualTo(CacheLookup.Kind.LEASE_WON);
        assertThat(await(store.getOrLease(key("k"), leaseTtl), "lookup while the lease lasts").kind())
                .as("lookup before the lease expires").isEqualTo(CacheLookup.Kind.LEASE_HELD);

        CacheLookup[] next = new CacheLookup[1];
        awaitLapse(leaseTtl, start, () -> {
            CacheLookup lookup = await(store.getOrLease(key("k"), Duration.ofMinutes(5)), "getOrLease while waiting");
            assertThat(lookup.kind()).as("lookup while waiting for the lease to expire").isNotEqualTo(CacheLookup.Kind.HIT);
            next[0] = lookup;
            return lookup.kind() == CacheLookup.Kind.LEASE_WON;
        }, "lease");

        assertThat(next[0].token()).as("token of the lease won after expiry").isNotEqualTo(first.token());
        assertThat(await(store.fill(key("k"), first.token(), bytes("late"), Duration.ofMinutes(5)), "fill with the expired token"))
                .as("fill with an expired lease's token").isFalse();
        assertThat(await(store.fill(key("k"), next[0].token(), bytes("fresh"), Duration.ofMinutes(5)), "fill with the new token"))
                .as("fill with the new lease's token").isTrue();
        assertThat(await(store.get(key("k")), "get")).as("value from the new lease holder").isEqualTo(bytes("fresh"));
    }

    /**
     * Issue 12: a lease marker taken with a longer TTL (or left by another configuration) made
     * every query of its key wait the lease wait until it expired. A lookup with a shorter lease
     * TTL cuts it (or removes it), so the key is free again within that lookup's lease TTL.
     */
    @Test
    void aLeaseLongerThanTheLookupsLeaseTtlBlocksTheKeyNoLongerThanThat() {
        CacheStore store = store();
        Duration leaseTtl = shortTtl();
        CacheLookup first = await(store.getOrLease(key("k"), Duration.ofHours(1)), "getOrLease for an hour");
        assertThat(first.kind()).as("first lookup").isEqualTo(CacheLookup.Kind.LEASE_WON);
        long start = System.nanoTime();
        assertThat(await(store.getOrLease(key("k"), leaseTtl), "getOrLease with a short lease TTL").kind())
                .as("lookup while the long lease is held").isEqualTo(CacheLookup.Kind.LEASE_HELD);
        CacheLookup won = awaitLeaseWon(store, key("k"), leaseTtl, start, "the long lease");
        assertThat(won.token()).as("a new lease").isNotEqualTo(first.token());
        assertThat(await(store.fill(key("k"), first.token(), bytes("late"), Duration.ofMinutes(5)), "fill with the old token"))
                .as("fill with the cut lease's token").isFalse();
    }

    /**
     * Issue 12: a lease marker without expiry (an operator's {@code PERSIST}) made every query of
     * its key wait the lease wait, forever. A lookup takes it over or makes it expire within its
     * own lease TTL.
     */
    @Test
    void aLeaseWithoutExpiryBlocksTheKeyNoLongerThanTheLookupsLeaseTtl() {
        CacheStore store = store();
        Duration leaseTtl = shortTtl();
        CacheLookup first = await(store.getOrLease(key("k"), Duration.ofSeconds(30)), "getOrLease");
        assertThat(first.kind()).as("first lookup").isEqualTo(CacheLookup.Kind.LEASE_WON);
        org.junit.jupiter.api.Assumptions.assumeTrue(makeLeaseEternal(key("k")),
                "nothing outside this store can remove a lease's expiry");
        long start = System.nanoTime();
        awaitLeaseWon(store, key("k"), leaseTtl, start, "the lease without expiry");
    }

    /**
     * Issue 12: a value too large to be an entry (100 MB of junk) was read on every query,
     * timing out each time, and never replaced. The store reads it as absent and removes it.
     */
    @Test
    void aValueLargerThanTheStoresLimitIsReadAsAbsentAndRemoved() {
        CacheStore store = store();
        byte[] junk = new byte[maxValueBytes() + 1];
        Arrays.fill(junk, (byte) 'j');
        org.junit.jupiter.api.Assumptions.assumeTrue(writeRaw(key("big"), junk),
                "the store's server refuses values over its item size, so none can be planted");
        StepVerifier.create(store.get(key("big"))).as("get of the oversized value").verifyComplete();
        assertThat(writeRaw(key("big2"), junk)).isTrue();
        CacheLookup lookup = await(store.getOrLease(key("big2"), Duration.ofSeconds(30)), "getOrLease of the oversized value");
        if (lookup.kind() == CacheLookup.Kind.LEASE_HELD) {
            // a store may remove the junk and report the key held once (memcached: by CAS)
            lookup = await(store.getOrLease(key("big2"), Duration.ofSeconds(30)), "second getOrLease");
        }
        assertThat(lookup.kind()).as("lookup of an oversized value: the lease is won by the first or second lookup")
                .isEqualTo(CacheLookup.Kind.LEASE_WON);
        assertThat(await(store.fill(key("big2"), lookup.token(), bytes("healed"), Duration.ofMinutes(5)), "fill"))
                .as("the key heals").isTrue();
        assertThat(await(store.get(key("big2")), "get after the fill")).isEqualTo(bytes("healed"));
        StepVerifier.create(store.get(key("big"))).as("the oversized value was removed").verifyComplete();
    }

    /** Polls {@code getOrLease(key, leaseTtl)} until it wins, which must happen within leaseTtl plus 10 s. */
    private CacheLookup awaitLeaseWon(CacheStore store, String key, Duration leaseTtl, long startNanos, String what) {
        if (advanceTime(leaseTtl.plus(expiryPrecision()).plusMillis(2))) {
            CacheLookup lookup = await(store.getOrLease(key, leaseTtl), "getOrLease after the lease TTL");
            assertThat(lookup.kind()).as("%s: lookup after the lookup's lease TTL", what).isEqualTo(CacheLookup.Kind.LEASE_WON);
            return lookup;
        }
        long deadline = startNanos + leaseTtl.plusSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            CacheLookup lookup = await(store.getOrLease(key, leaseTtl), "getOrLease while waiting");
            assertThat(lookup.kind()).as("%s: lookup while waiting", what).isNotEqualTo(CacheLookup.Kind.HIT);
            if (lookup.kind() == CacheLookup.Kind.LEASE_WON) {
                return lookup;
            }
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        throw new AssertionError(what + " still blocked the key " + leaseTtl + " plus 10 s after a lookup with lease TTL "
                + leaseTtl);
    }

    @Test
    void getNeverReturnsALease() {
        CacheStore store = store();
        assertThat(await(store.getOrLease(key("k"), Duration.ofSeconds(30)), "getOrLease").kind())
                .as("lookup of a missing key").isEqualTo(CacheLookup.Kind.LEASE_WON);
        StepVerifier.create(store.get(key("k"))).as("get while only a lease is held").verifyComplete();
    }

    @Test
    void setReplacesALeaseAndRefusesTheOldToken() {
        CacheStore store = store();
        CacheLookup won = await(store.getOrLease(key("k"), Duration.ofSeconds(30)), "getOrLease");
        assertThat(won.kind()).as("lookup of a missing key").isEqualTo(CacheLookup.Kind.LEASE_WON);
        await(store.set(key("k"), bytes("written"), Duration.ofMinutes(5)), "set over the lease");
        assertThat(await(store.fill(key("k"), won.token(), bytes("loaded"), Duration.ofMinutes(5)), "fill with the replaced lease"))
                .as("fill after a set replaced the lease").isFalse();
        assertThat(await(store.get(key("k")), "get")).as("the set's value stays").isEqualTo(bytes("written"));
        CacheLookup later = await(store.getOrLease(key("k"), Duration.ofSeconds(30)), "getOrLease after set");
        assertThat(later.kind()).as("lookup after the set").isEqualTo(CacheLookup.Kind.HIT);
    }

    @Test
    void fillWithoutALeaseIsRefused() {
        CacheStore store = store();
        assertThat(await(store.fill(key("k"), "not-a-token", bytes("v"), Duration.ofMinutes(5)), "fill of a missing key"))
                .as("fill with no lease in place").isFalse();
        StepVerifier.create(store.get(key("k"))).as("nothing stored").verifyComplete();
        CacheLookup won = await(store.getOrLease(key("k"), Duration.ofSeconds(30)), "getOrLease");
        assertThat(await(store.fill(key("k"), won.token() + "x", bytes("v"), Duration.ofMinutes(5)), "fill with a wrong token"))
                .as("fill with another token than the lease's").isFalse();
        StepVerifier.create(store.get(key("k"))).as("nothing stored by the wrong token").verifyComplete();
    }

    @Test
    void filledValueHonoursItsTtl() {
        CacheStore store = store();
        Duration ttl = shortTtl();
        CacheLookup won = await(store.getOrLease(key("k"), Duration.ofMinutes(5)), "getOrLease");
        long start = System.nanoTime();
        assertThat(await(store.fill(key("k"), won.token(), bytes("v"), ttl), "fill")).as("fill").isTrue();
        awaitLapse(ttl, start, () -> store.get(key("k")).blockOptional(STEP).isEmpty(), "filled value");
    }

    // ---------------------------------------------------------------- replace

    @Test
    void replaceOfTheExpectedValueStoresTheNewOneWithItsTtl() {
        CompareAndSetStore store = compareAndSetStore();
        byte[] old = everyByte(false);
        byte[] fresh = everyByte(true);
        await(store.set(key("k"), old, Duration.ofMinutes(10)), "set");
        Duration ttl = shortTtl();
        long start = System.nanoTime();
        assertThat(await(store.replace(key("k"), old.clone(), fresh, ttl), "replace"))
                .as("replace when the key holds exactly the expected bytes").isTrue();
        assertThat(await(store.get(key("k")), "get after replace")).as("the new value").isEqualTo(fresh);
        CacheLookup lookup = await(store.getOrLease(key("k"), Duration.ofSeconds(30)), "getOrLease after replace");
        assertThat(lookup.kind()).as("lookup after replace").isEqualTo(CacheLookup.Kind.HIT);
        assertThat(lookup.value()).as("value of that hit").isEqualTo(fresh);
        awaitLapse(ttl, start, () -> store.get(key("k")).blockOptional(STEP).isEmpty(),
                "replaced value (the replace's TTL, not the set's 10 minutes)");
    }

    @Test
    void replaceOfAnotherValueIsRefusedAndChangesNothing() {
        CompareAndSetStore store = compareAndSetStore();
        await(store.set(key("k"), bytes("current"), Duration.ofMinutes(5)), "set");
        assertThat(await(store.replace(key("k"), bytes("other"), bytes("new"), Duration.ofMinutes(5)), "replace other"))
                .as("replace expecting other bytes").isFalse();
        assertThat(await(store.replace(key("k"), bytes("curren"), bytes("new"), Duration.ofMinutes(5)), "replace prefix"))
                .as("replace expecting a prefix of the value").isFalse();
        assertThat(await(store.replace(key("k"), bytes("current!"), bytes("new"), Duration.ofMinutes(5)), "replace longer"))
                .as("replace expecting the value plus one byte").isFalse();
        assertThat(await(store.replace(key("k"), bytes("currenT"), bytes("new"), Duration.ofMinutes(5)), "replace last byte"))
                .as("replace expecting a value that differs in its last byte").isFalse();
        assertThat(await(store.replace(key("k"), new byte[0], bytes("new"), Duration.ofMinutes(5)), "replace empty"))
                .as("replace expecting no bytes").isFalse();
        assertThat(await(store.get(key("k")), "get")).as("value unchanged by refused replaces").isEqualTo(bytes("current"));
    }

    @Test
    void replaceOfAMissingKeyStoresNothing() {
        CompareAndSetStore store = compareAndSetStore();
        assertThat(await(store.replace(key("k"), bytes("anything"), bytes("new"), Duration.ofMinutes(5)), "replace"))
                .as("replace of a key never written").isFalse();
        assertThat(await(store.replace(key("k"), new byte[0], bytes("new"), Duration.ofMinutes(5)), "replace empty"))
                .as("replace of a key never written, expecting no bytes").isFalse();
        StepVerifier.create(store.get(key("k"))).as("nothing stored by the refused replace").verifyComplete();
        assertThat(await(store.getOrLease(key("k"), Duration.ofSeconds(30)), "getOrLease").kind())
                .as("no value and no lease left behind: the key can be leased").isEqualTo(CacheLookup.Kind.LEASE_WON);
    }

    @Test
    void replaceNeverMatchesALeaseAndTheLeaseStillWorks() {
        CompareAndSetStore store = compareAndSetStore();
        CacheLookup won = await(store.getOrLease(key("k"), Duration.ofSeconds(30)), "getOrLease");
        assertThat(won.kind()).as("lookup of a missing key").isEqualTo(CacheLookup.Kind.LEASE_WON);
        assertThat(await(store.replace(key("k"), new byte[0], bytes("new"), Duration.ofMinutes(5)), "replace empty"))
                .as("replace expecting no bytes while only a lease is held").isFalse();
        assertThat(await(store.replace(key("k"), bytes(won.token()), bytes("new"), Duration.ofMinutes(5)), "replace token"))
                .as("replace expecting the lease's token while only a lease is held").isFalse();
        StepVerifier.create(store.get(key("k"))).as("still no value").verifyComplete();
        assertThat(await(store.getOrLease(key("k"), Duration.ofSeconds(30)), "getOrLease after replace").kind())
                .as("the lease is still held").isEqualTo(CacheLookup.Kind.LEASE_HELD);
        assertThat(await(store.fill(key("k"), won.token(), bytes("loaded"), Duration.ofMinutes(5)), "fill"))
                .as("fill with the lease's token after the refused replaces").isTrue();
        assertThat(await(store.get(key("k")), "get after fill")).as("the filled value").isEqualTo(bytes("loaded"));
    }

    @Test
    void replaceAfterDeleteIsRefused() {
        CompareAndSetStore store = compareAndSetStore();
        await(store.set(key("k"), bytes("v"), Duration.ofMinutes(5)), "set");
        assertThat(await(store.delete(key("k")), "delete")).as("delete of the value").isTrue();
        assertThat(await(store.replace(key("k"), bytes("v"), bytes("refreshed"), Duration.ofMinutes(5)), "replace"))
                .as("replace of a value deleted since it was read").isFalse();
        StepVerifier.create(store.get(key("k"))).as("the delete wins: nothing stored").verifyComplete();
    }

    @Test
    void exactlyOneOfConcurrentReplacesFromTheSameValueWins() {
        CompareAndSetStore first = compareAndSetStore();
        // through two clients when the store is shared, as two service instances would race
        CompareAndSetStore second = sharedBetweenInstances() ? compareAndSetStore() : first;
        int callers = 32;
        await(first.set(key("k"), bytes("v0"), Duration.ofMinutes(5)), "set");
        List<Integer> winners = Flux.range(0, callers)
                .flatMap(i -> (i % 2 == 0 ? first : second)
                        .replace(key("k"), bytes("v0"), bytes("v0-" + i), Duration.ofMinutes(5))
                        .filter(Boolean::booleanValue)
                        .map(won -> i)
                        .subscribeOn(Schedulers.parallel()), callers)
                .collectList()
                .block(Duration.ofSeconds(30));
        assertThat(winners).as("replaces that succeeded among %d from the same expected value", callers).hasSize(1);
        assertThat(await(first.get(key("k")), "get")).as("the value is the winner's")
                .isEqualTo(bytes("v0-" + winners.get(0)));
    }

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
        assertThat(invalidations.get()).as("invalidations that ran during the writers").isGreaterThanOrEqualTo(RACE_INVALIDATIONS);
        assertThat(fills.get()).as("fills that landed").isGreaterThan(0);
        await(invalidatorStore.invalidateTag(tag), "final invalidateTag");
        for (int i = 0; i < keys; i++) {
            assertThat(await(writerStore.get(key("race" + i)), "get race" + i))
                    .as("value of race%d after the final invalidation (a lost registration leaves one)", i).isNull();
        }
        assertThat(removed.get() + fills.get()).as("removals and fills were counted").isPositive();
    }

    // ---------------------------------------------------------------- helpers

    /**
     * Makes {@code ttl} lapse for an entry written at {@code startNanos} and checks that
     * {@code gone} turns true: with fake time by advancing the ticker (checking it is still
     * there just before), with real time by polling in a bounded loop (checking it did not go
     * more than {@link #expiryPrecision()} early).
     */
    protected final void awaitLapse(Duration ttl, long startNanos, Supplier<Boolean> gone, String what) {
        Duration precision = expiryPrecision();
        if (advanceTime(ttl.minus(precision).minusMillis(1))) {
            assertThat(gone.get()).as("%s present just before its TTL", what).isFalse();
            advanceTime(precision.plusMillis(2));
            assertThat(gone.get()).as("%s gone after its TTL", what).isTrue();
            return;
        }
        long deadline = System.nanoTime() + ttl.plus(precision).plusSeconds(10).toNanos();
        boolean lapsed = false;
        while (System.nanoTime() < deadline) {
            if (gone.get()) {
                lapsed = true;
                break;
            }
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);
        assertThat(lapsed).as("%s lapsed within its TTL (%s) plus 10 s", what, ttl).isTrue();
        assertThat(elapsed).as("%s did not lapse before its TTL (%s) minus %s", what, ttl, precision)
                .isGreaterThanOrEqualTo(ttl.minus(precision));
    }

    /** The value of {@code mono}, failing the test (naming {@code step}) after {@link #STEP}. */
    protected static <T> T await(Mono<T> mono, String step) {
        return await(mono, step, STEP);
    }

    /** Like {@link #await(Mono, String)} for a step that may take up to {@code limit}. */
    protected static <T> T await(Mono<T> mono, String step, Duration limit) {
        try {
            return mono.block(limit);
        } catch (RuntimeException e) {
            throw new AssertionError("step '" + step + "' failed: " + e, e);
        }
    }

    protected static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Every byte value once, ascending or descending. */
    private static byte[] everyByte(boolean descending) {
        byte[] value = new byte[256];
        for (int i = 0; i < 256; i++) {
            value[i] = (byte) (descending ? 255 - i : i);
        }
        return value;
    }

    private static byte[] pattern(int size) {
        byte[] value = new byte[size];
        for (int i = 0; i < size; i++) {
            value[i] = (byte) (i * 31 + (i >>> 8));
        }
        return value;
    }

    private static String padKey(String start, int length) {
        StringBuilder sb = new StringBuilder(start);
        while (sb.length() < length) {
            sb.append((char) ('a' + sb.length() % 26));
        }
        return sb.toString();
    }

    private static byte[] valueFor(int key, int writer) {
        return bytes(key + "/" + writer);
    }

    private static int keyOf(byte[] value) {
        String s = new String(value, StandardCharsets.UTF_8);
        return Integer.parseInt(s.substring(0, s.indexOf('/')));
    }
}
