package dev.cacheaside.store.memcached;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.store.CacheStoreContract;
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

    @Override
    protected CacheStore createStore() {
        return MemcachedCacheStore.create(MemcachedStoreOptions.builder()
                .servers(first + "," + second)
                .timeout(Duration.ofSeconds(2))
                .build());
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
    void aFullTagListFailsTagAndKeepsTheRegistrations() {
        CacheStore store = store();
        String tag = key("table:full");
        await(store.set(key("early"), bytes("v"), Duration.ofMinutes(5)), "set early");
        await(store.tag(List.of(tag), key("early"), Duration.ofMinutes(5)), "tag early");
        // grow the list to the server's item size limit (1 MB by default, -I) with 219-byte keys
        String longKey = key("x".repeat(200));
        Throwable failure = null;
        for (int i = 0; i < 25_000 && failure == null; i++) {
            try {
                store.tag(List.of(tag), longKey, Duration.ofMinutes(5)).block(STEP);
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        assertThat(failure).as("tag once the list reached the item size limit").isNotNull()
                .hasMessageContaining("full");
        assertThat(await(store.invalidateTag(tag), "invalidateTag of the full list"))
                .as("the key registered first is still registered and removed").isEqualTo(1L);
        assertThat(await(store.get(key("early")), "get early")).isNull();
        await(store.tag(List.of(tag), key("late"), Duration.ofMinutes(5)), "tag after the list was emptied");
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
