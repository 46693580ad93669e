package dev.cacheaside.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.CompareAndSetStore;
import dev.cacheaside.spi.SelfBoundedStore;
import dev.cacheaside.spi.TaggedStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import reactor.core.publisher.Mono;

/**
 * What every case of {@link CacheStoreContract} uses: the hooks a subclass implements or
 * overrides, the stores of a test and their closing, keys unique to a test, and waiting helpers.
 */
abstract class StoreContractBase {

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
    static byte[] everyByte(boolean descending) {
        byte[] value = new byte[256];
        for (int i = 0; i < 256; i++) {
            value[i] = (byte) (descending ? 255 - i : i);
        }
        return value;
    }

    static byte[] pattern(int size) {
        byte[] value = new byte[size];
        for (int i = 0; i < size; i++) {
            value[i] = (byte) (i * 31 + (i >>> 8));
        }
        return value;
    }

    static String padKey(String start, int length) {
        StringBuilder sb = new StringBuilder(start);
        while (sb.length() < length) {
            sb.append((char) ('a' + sb.length() % 26));
        }
        return sb.toString();
    }

    static byte[] valueFor(int key, int writer) {
        return bytes(key + "/" + writer);
    }

    static int keyOf(byte[] value) {
        String s = new String(value, StandardCharsets.UTF_8);
        return Integer.parseInt(s.substring(0, s.indexOf('/')));
    }
}
