package dev.cacheaside.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.CompareAndSetStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** The cases of {@link CacheStoreContract} for get, set, delete, close and laziness, and for replace. */
abstract class StoreOperationCases extends StoreContractBase {

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
}
