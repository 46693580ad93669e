package dev.cacheaside.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CacheStore;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** The cases of {@link CacheStoreContract} for leases: getOrLease, fill, and how a lease ends. */
abstract class StoreLeaseCases extends StoreOperationCases {

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
     * A lease taken with a longer TTL (or left by another configuration) blocks its key no longer
     * than the lease TTL of a later lookup: that lookup cuts it (or removes it), so the key is
     * free again within that lookup's lease TTL.
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
     * A lease without expiry (an operator's {@code PERSIST}) blocks its key no longer than a
     * lookup's lease TTL: the lookup takes it over or makes it expire within that time.
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
     * A value larger than the store's limit (written by another client, such as 100 MB of junk)
     * is read as absent and removed, so it is not read again on every query and the key heals.
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
}
