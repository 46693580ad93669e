package dev.cacheaside.memcached;

import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.testkit.StampedeContract;
import dev.cacheaside.testing.TestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;

/**
 * The stampede contract on two memcached servers together ({@code MEMCACHED} on 11211 and
 * {@code MEMCACHED2} on 11212), so keys and their {@code :refresh} leases spread over the ketama
 * ring. Each engine instance has its own {@link MemcachedCacheStore} (own Vert.x and
 * connections); TTLs are read back with {@code mg <key> t} on a raw socket to each server.
 */
class MemcachedStampedeIT extends StampedeContract {

    private static String first;
    private static String second;

    @BeforeAll
    static void servers() {
        first = TestServers.require("MEMCACHED", 11211);
        second = TestServers.require("MEMCACHED2", 11212);
    }

    @Override
    protected CacheStore createClient() {
        return MemcachedCacheStore.create(MemcachedStoreOptions.builder()
                .servers(first + "," + second)
                .timeout(Duration.ofSeconds(2))
                .build());
    }

    /**
     * The remaining TTL, in whole seconds, of {@code key} on whichever server holds it; fails
     * when neither does, when both do, or when the item never expires.
     */
    @Override
    protected Duration serverTtl(String key) {
        List<String> answers = new ArrayList<>();
        Duration found = null;
        int holders = 0;
        for (String server : List.of(first, second)) {
            try (RawMemcached raw = new RawMemcached(server)) {
                String line = raw.command("mg " + key + " t");
                answers.add(server + ": " + line);
                if (line.startsWith("HD ")) {
                    holders++;
                    String ttl = line.substring(line.indexOf(" t") + 2).split(" ")[0];
                    if (ttl.equals("-1")) {
                        throw new AssertionError("mg " + key + " t: the item never expires (" + answers + ")");
                    }
                    found = Duration.ofSeconds(Long.parseLong(ttl));
                }
            }
        }
        if (holders != 1) {
            throw new AssertionError("mg " + key + " t: expected exactly one server to hold the key, got " + answers);
        }
        return found;
    }
}
