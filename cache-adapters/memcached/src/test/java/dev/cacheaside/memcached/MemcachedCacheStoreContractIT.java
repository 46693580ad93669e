package dev.cacheaside.memcached;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.TaggedStore;
import dev.cacheaside.testkit.CacheStoreContract;
import dev.cacheaside.testing.TestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@link CacheStoreContract} against two real memcached servers together ("MEMCACHED" on
 * 11211 and "MEMCACHED2" on 11212, see {@code scripts/services.sh}), so every case also runs
 * across the ketama ring.
 */
class MemcachedCacheStoreContractIT extends CacheStoreContract {

    private static String first;
    private static String second;

    @BeforeAll
    static void servers() {
        first = TestServers.require("MEMCACHED", 11211);
        second = TestServers.require("MEMCACHED2", 11212);
    }

    /** Compacts tag lists from 1 KiB on (64 KiB by default), so the tag cases run with compactions. */
    static final long TEST_COMPACTION_BYTES = 1024;

    @Override
    protected CacheStore createStore() {
        MemcachedCacheStore store = MemcachedCacheStore.create(MemcachedStoreOptions.builder()
                .servers(first + "," + second)
                .timeout(Duration.ofSeconds(2))
                .build());
        store.minCompactionBytes(TEST_COMPACTION_BYTES);
        return store;
    }

    /** {@code mg <key> T0} on both servers: the one holding the lease placeholder makes it never expire. */
    @Override
    protected boolean makeLeaseEternal(String key) {
        boolean touched = false;
        for (String server : List.of(first, second)) {
            try (RawMemcached raw = new RawMemcached(server)) {
                touched |= raw.command("mg " + key + " T0").startsWith("HD");
            }
        }
        return touched;
    }

    /**
     * The value with client flags 7 (not this store's) for a minute, on both servers (the ring
     * reads one of them); false when a server refuses it (over its item size limit, {@code -I}).
     */
    @Override
    protected boolean writeRaw(String key, byte[] value) {
        for (String server : List.of(first, second)) {
            try (RawMemcached raw = new RawMemcached(server)) {
                String answer = raw.command("ms " + key + " " + value.length + " F7 T60\r\n"
                        + new String(value, java.nio.charset.StandardCharsets.ISO_8859_1));
                if (!answer.startsWith("HD")) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * The tag item's remaining TTL ({@code mg <tag> t}) on whichever server holds it; fails when
     * both do or when it never expires.
     */
    @Override
    protected Duration tagTtl(String tag) {
        List<String> answers = new ArrayList<>();
        Duration found = null;
        int holders = 0;
        for (String server : List.of(first, second)) {
            try (RawMemcached raw = new RawMemcached(server)) {
                String line = raw.command("mg " + tag + " t");
                answers.add(server + ": " + line);
                if (line.startsWith("HD ")) {
                    holders++;
                    String ttl = line.substring(line.indexOf(" t") + 2).split(" ")[0];
                    if (ttl.equals("-1")) {
                        throw new AssertionError("mg " + tag + " t: the tag never expires (" + answers + ")");
                    }
                    found = Duration.ofSeconds(Long.parseLong(ttl));
                }
            }
        }
        if (holders > 1) {
            throw new AssertionError("mg " + tag + " t: two servers hold the tag: " + answers);
        }
        return found;
    }

    @Test
    void aTagListOfLiveKeysFillsUpThenTagFailsAndTheRegistrationsStay() {
        TaggedStore store = taggedStore();
        String tag = key("table:full");
        String padding = "x".repeat(180);
        Throwable failure = null;
        int registered = 0;
        // distinct keys that all hold a value, so compaction cannot shrink the list; 1 MB by
        // default (-I), up to 5 MB here
        for (int i = 0; i < 25_000 && failure == null; i++) {
            String k = key(padding + i);
            await(store.set(k, bytes("v"), Duration.ofMinutes(5)), "set " + i);
            try {
                store.tag(List.of(tag), k, Duration.ofMinutes(5)).block(STEP);
                registered++;
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        assertThat(failure).as("tag once the list of live keys reached the item size limit").isNotNull()
                .hasMessageContaining("full");
        assertThat(registered).as("keys registered before the list was full").isGreaterThan(1000);
        assertThat(await(store.invalidateTag(tag), "invalidateTag of the full list"))
                .as("every registered key is removed").isEqualTo((long) registered);
        await(store.tag(List.of(tag), key("late"), Duration.ofMinutes(5)), "tag after the list was emptied");
    }

    @Test
    void aListOfRepeatedAndDeadKeysIsCompactedAndKeepsItsLiveKeys() {
        TaggedStore store = taggedStore();
        String tag = key("table:compacted");
        String live = key("live-" + "y".repeat(180));
        await(store.set(live, bytes("v"), Duration.ofMinutes(5)), "set live");
        for (int i = 0; i < 2000; i++) {
            await(store.tag(List.of(tag), live, Duration.ofMinutes(5)), "tag live " + i);
            await(store.tag(List.of(tag), key("dead-" + "z".repeat(180) + i), Duration.ofMinutes(5)), "tag dead " + i);
        }
        // 4,000 appends of about 210 bytes (over 800 KB) without compaction; with it, the list is
        // cut back to its live keys and what came after whenever it passes the threshold
        assertThat(tagSize(tag)).as("list size after 4,000 appends").isLessThan(64 * TEST_COMPACTION_BYTES);
        assertThat(await(store.invalidateTag(tag), "invalidateTag")).as("the live key is still registered").isEqualTo(1L);
        assertThat(await(store.get(live), "get live")).isNull();
    }

    /** The size in bytes of the tag's item on whichever server holds it. */
    private long tagSize(String tag) {
        for (String server : List.of(first, second)) {
            try (RawMemcached raw = new RawMemcached(server)) {
                String line = raw.command("mg " + tag + " s");
                if (line.startsWith("HD ")) {
                    return Long.parseLong(line.substring(line.indexOf(" s") + 2).split(" ")[0]);
                }
            }
        }
        throw new AssertionError("no server holds tag " + tag);
    }

    /** Memcached counts TTLs in whole seconds on a clock that ticks once a second. */
    @Override
    protected Duration shortTtl() {
        return Duration.ofSeconds(2);
    }

    @Override
    protected Duration expiryPrecision() {
        return Duration.ofMillis(1100);
    }

    /** The store's default limit, for servers started with memcached's default {@code -I 1m}. */
    @Override
    protected int maxValueBytes() {
        return MemcachedStoreOptions.DEFAULT_MAX_VALUE_SIZE;
    }
}
