package dev.cacheaside.lettuce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.CompareAndSetStore;
import dev.cacheaside.testkit.CacheStoreContract;
import dev.cacheaside.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The store contract on Redis ({@code REDIS}, 6379), plus what Redis users see from outside:
 * values readable with a plain {@code GET}, the lease marker's shape, TTLs in milliseconds.
 */
class LettuceCacheStoreRedisIT extends CacheStoreContract {

    private static String address;

    @BeforeAll
    static void server() {
        address = TestServers.require("REDIS", 6379);
    }

    @Override
    protected CacheStore createStore() {
        return LettuceCacheStore.create(RedisTestSupport.standalone(address).build());
    }

    @Override
    protected boolean makeLeaseEternal(String key) {
        try (RedisTestSupport.Admin admin = new RedisTestSupport.Admin(address)) {
            return admin.sync().persist(key);
        }
    }

    @Override
    protected boolean writeRaw(String key, byte[] value) {
        try (RedisTestSupport.Admin admin = new RedisTestSupport.Admin(address)) {
            return "OK".equals(admin.sync().set(key, new String(value, java.nio.charset.StandardCharsets.ISO_8859_1)));
        }
    }

    @Override
    protected Duration tagTtl(String tag) {
        try (RedisTestSupport.Admin admin = new RedisTestSupport.Admin(address)) {
            long pttl = admin.sync().pttl(tag);
            return pttl == -2 ? null : RedisTestSupport.ttlOf(tag, pttl);
        }
    }

    /**
     * Issue 12: a 100 MB junk value under a key was read (and timed out) on every query and never
     * replaced. The read script deletes it on the server without sending it: the first query
     * is a miss that fills the key, the second a hit.
     */
    @Test
    void aHundredMegabyteJunkValueHealsAtTheFirstQuery() {
        dev.cacheaside.spi.Rows one = dev.cacheaside.spi.Rows.of(java.util.List.of("one"), java.util.List.<Object[]>of(new Object[] {1}));
        dev.cacheaside.testing.CountingQueryExecutor database = dev.cacheaside.testing.CountingQueryExecutor.answering(one);
        try (dev.cacheaside.CacheAside cache = dev.cacheaside.CacheAside.builder().database(database).cache(store())
                .options(dev.cacheaside.CacheAsideOptions.builder().keyPrefix(key("e2e:")).build()).build()) {
            String sql = "SELECT 1 AS one";
            String k = cache.keyFor(sql);
            try (RedisTestSupport.Admin admin = new RedisTestSupport.Admin(address)) {
                // 100 MB made on the server (SETRANGE pads with zero bytes), never sent by the test
                admin.sync().setrange(k, 100L * 1024 * 1024 - 1, "j");
                assertThat(admin.sync().strlen(k)).as("junk planted").isEqualTo(100L * 1024 * 1024);
            }
            assertThat(cache.query(sql).block(STEP).source()).as("first query").isEqualTo(dev.cacheaside.Source.CACHE_MISS);
            assertThat(cache.query(sql).block(STEP).source()).as("second query: the key healed").isEqualTo(dev.cacheaside.Source.CACHE_HIT);
            assertThat(database.executions).as("database executions").hasValue(1);
            try (RedisTestSupport.Admin admin = new RedisTestSupport.Admin(address)) {
                assertThat(admin.sync().strlen(k)).as("the entry now under the key").isLessThan(1024L);
            }
        }
    }

    /**
     * A lease read that finds a value is answered by a plain bounded read: the server runs no
     * script for a hit (a script costs Redis about twice a plain read's CPU). Counted by the
     * server's own command statistics, so a script per hit fails it.
     */
    @Test
    void aHitRunsNoScriptOnTheServer() {
        CacheStore store = store();
        String k = key("plain-hit");
        await(store.set(k, bytes("an entry"), Duration.ofMinutes(1)), "set");
        int hits = 50;
        try (RedisTestSupport.Admin admin = new RedisTestSupport.Admin(address)) {
            long scriptsBefore = calls(admin, "evalsha") + calls(admin, "eval");
            long rangesBefore = calls(admin, "getrange");
            for (int i = 0; i < hits; i++) {
                CacheLookup found = await(store.getOrLease(k, Duration.ofSeconds(10)), "lease read");
                assertThat(found.kind()).isEqualTo(CacheLookup.Kind.HIT);
                assertThat(new String(found.value(), StandardCharsets.UTF_8)).isEqualTo("an entry");
            }
            assertThat(calls(admin, "getrange") - rangesBefore).as("plain reads").isGreaterThanOrEqualTo(hits);
            assertThat(calls(admin, "evalsha") + calls(admin, "eval") - scriptsBefore)
                    .as("scripts run while %d hits were read (other clients of the server included)", hits)
                    .isLessThan(hits);
        }
    }

    /** How many times the server ran {@code command}, from {@code INFO commandstats}. */
    private static long calls(RedisTestSupport.Admin admin, String command) {
        for (String line : admin.sync().info("commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_" + command + ":calls=")) {
                String rest = line.substring(("cmdstat_" + command + ":calls=").length());
                return Long.parseLong(rest.substring(0, rest.indexOf(',')));
            }
        }
        return 0;
    }

    @Test
    void valuesArePlainStringsWithAMillisecondTtl() {
        CacheStore store = store();
        await(store.set(key("plain"), bytes("visible to redis-cli"), Duration.ofMillis(60_500)), "set");
        try (RedisTestSupport.Admin admin = new RedisTestSupport.Admin(address)) {
            assertThat(admin.sync().get(key("plain"))).as("plain GET of the key").isEqualTo("visible to redis-cli");
            assertThat(admin.sync().pttl(key("plain"))).as("server's own PTTL after SET PX 60500")
                    .isBetween(55_000L, 60_500L);
        }
    }

    @Test
    void replaceNeverTakesOverALeaseMarkerAndSetsItsOwnTtl() {
        CompareAndSetStore store = compareAndSetStore();
        CacheLookup won = await(store.getOrLease(key("leased"), Duration.ofSeconds(30)), "getOrLease");
        assertThat(await(store.replace(key("leased"), LettuceLeases.marker(won.token()), bytes("stolen"),
                Duration.ofMinutes(5)), "replace expecting the marker")).as("replace expecting the lease marker itself").isFalse();
        assertThat(await(store.fill(key("leased"), won.token(), bytes("filled"), Duration.ofMillis(60_500)), "fill"))
                .as("the lease survived and fills").isTrue();
        assertThat(await(store.replace(key("leased"), bytes("filled"), bytes("refreshed"), Duration.ofMillis(300_500)),
                "replace")).as("replace of the filled value").isTrue();
        try (RedisTestSupport.Admin admin = new RedisTestSupport.Admin(address)) {
            assertThat(admin.sync().get(key("leased"))).as("plain GET after the replace").isEqualTo("refreshed");
            assertThat(admin.sync().pttl(key("leased"))).as("PTTL after replace PX 300500").isBetween(295_000L, 300_500L);
        }
    }

    @Test
    void aLeaseIsAMarkerInTheKeyItselfWithTheLeaseTtl() {
        CacheStore store = store();
        CacheLookup won = await(store.getOrLease(key("leased"), Duration.ofMillis(30_000)), "getOrLease");
        try (RedisTestSupport.Admin admin = new RedisTestSupport.Admin(address)) {
            byte[] raw = admin.sync().get(key("leased")).getBytes(StandardCharsets.ISO_8859_1);
            assertThat(raw).as("raw value under a leased key")
                    .startsWith(LettuceLeases.LEASE_PREFIX)
                    .isEqualTo(LettuceLeases.marker(won.token()));
            assertThat(admin.sync().pttl(key("leased"))).as("PTTL of the lease").isBetween(25_000L, 30_000L);
        }
        assertThat(await(store.fill(key("leased"), won.token(), bytes("filled"), Duration.ofMinutes(5)), "fill")).isTrue();
        try (RedisTestSupport.Admin admin = new RedisTestSupport.Admin(address)) {
            assertThat(admin.sync().get(key("leased"))).as("plain GET after the fill").isEqualTo("filled");
            assertThat(admin.sync().pttl(key("leased"))).as("PTTL after the fill takes the value's TTL")
                    .isGreaterThan(250_000L);
        }
    }
}
