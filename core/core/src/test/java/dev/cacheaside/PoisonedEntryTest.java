package dev.cacheaside;

import dev.cacheaside.internal.RowCodec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.spi.Rows;
import dev.cacheaside.testing.CountingQueryExecutor;
import dev.cacheaside.testing.InMemoryCacheStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, through the engine: every poisoned or oversized entry is a miss that is replaced and
 * counted, never a hit and never an exception in the caller's code.
 */
class PoisonedEntryTest {

    static final String SQL = "SELECT id, name FROM airline";
    static final Rows AIRLINES = Rows.of(List.of("id", "name"), List.<Object[]>of(new Object[] {1, "one"}));
    static final Duration STEP = Duration.ofSeconds(10);

    final InMemoryCacheStore store = new InMemoryCacheStore();
    final CountingQueryExecutor database = CountingQueryExecutor.answering(AIRLINES);

    void assertReplaced(CacheAside cache, byte[] poison, String what) {
        String key = cache.keyFor(SQL);
        long corruptBefore = cache.stats().corruptEntries();
        store.put(key, poison, Duration.ofHours(1));
        QueryResult result = cache.query(SQL).block(STEP);
        assertThat(result.source()).as("%s: a miss", what).isEqualTo(Source.CACHE_MISS);
        assertThat(result.rows()).as("%s: the database's rows", what).isEqualTo(AIRLINES);
        assertThat(cache.stats().corruptEntries()).as("%s: counted", what).isEqualTo(corruptBefore + 1);
        assertThat(RowCodec.decode(store.peek(key))).as("%s: replaced", what).isEqualTo(AIRLINES);
        QueryResult hit = cache.query(SQL).block(STEP);
        assertThat(hit.source()).as("%s: then a hit", what).isEqualTo(Source.CACHE_HIT);
        List<Map<String, Object>> maps = hit.rows().asMaps();
        assertThat(maps.get(0)).as("%s: the hit's rows as maps", what).containsEntry("id", 1).containsEntry("name", "one");
    }

    @Test
    void aRepeatedFieldIsAMissThatIsReplaced() {
        try (CacheAside cache = CacheAside.builder().database(database).cache(store).build()) {
            assertReplaced(cache, ("{\"v\":1,\"c\":[\"id\",\"name\"],\"t\":[\"i\",\"s\"],\"r\":[[1,\"one\"]],\"c\":[\"id\"]}")
                    .getBytes(StandardCharsets.UTF_8), "repeated columns");
        }
    }

    @Test
    void anEntryOverMaxEntryBytesIsAMissThatIsReplaced() {
        try (CacheAside cache = CacheAside.builder().database(database).cache(store)
                .options(CacheAsideOptions.builder().maxEntryBytes(64 * 1024).build()).build()) {
            StringBuilder rows = new StringBuilder("{\"v\":1,\"c\":[],\"t\":[],\"r\":[[]");
            while (rows.length() < 64 * 1024 + 10) {
                rows.append(",[]");
            }
            assertReplaced(cache, rows.append("]}").toString().getBytes(StandardCharsets.UTF_8), "empty rows past the limit");
        }
    }

    @Test
    void aNumberPastTheBoundIsAMissThatIsReplaced() {
        try (CacheAside cache = CacheAside.builder().database(database).cache(store).build()) {
            assertReplaced(cache, ("{\"v\":1,\"c\":[\"id\",\"name\"],\"t\":[\"B\",\"s\"],\"r\":[[\"" + "7".repeat(300_000)
                    + "\",\"one\"]]}").getBytes(StandardCharsets.UTF_8), "a 300 KB BigInteger");
        }
    }

    @Test
    void aResultOverMaxEntryBytesIsReturnedUncachedAndCounted() {
        Rows big = Rows.of(List.of("text"), List.<Object[]>of(new Object[] {"x".repeat(10_000)}));
        try (CacheAside cache = CacheAside.builder().database(CountingQueryExecutor.answering(big)).cache(store)
                .options(CacheAsideOptions.builder().maxEntryBytes(4096).build()).build()) {
            QueryResult result = cache.query(SQL).block(STEP);
            assertThat(result.rows()).isEqualTo(big);
            assertThat(cache.stats().uncacheable()).as("uncacheable").isEqualTo(1);
            assertThat(store.peek(cache.keyFor(SQL))).as("nothing cached (not even a lease)").isNull();
            assertThat(cache.engine().flights().size()).isZero();
        }
    }
}
