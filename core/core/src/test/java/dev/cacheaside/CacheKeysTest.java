package dev.cacheaside;

import dev.cacheaside.internal.CacheKeys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.spi.Rows;
import dev.cacheaside.testing.CountingQueryExecutor;
import dev.cacheaside.testing.InMemoryCacheStore;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CacheKeysTest {

    final CacheAside cache = CacheAside.builder()
            .database(CountingQueryExecutor.answering(Rows.empty()))
            .cache(new InMemoryCacheStore()).build();

    @Test
    void withoutParametersTheKeyIsTheSha256OfTheSqlText() {
        // printf %s "SELECT * FROM airline WHERE airline_id = 1" | sha256sum
        assertThat(cache.keyFor("SELECT * FROM airline WHERE airline_id = 1"))
                .isEqualTo("query:169aafe17477aa1e48ba1a57f8a5f9e8ec7b31db0677f217beb4c3a6d7cbbe22");
        // printf %s "SELECT 1" | sha256sum  (multi-byte UTF-8 is hashed as UTF-8)
        assertThat(cache.keyFor("SELECT 1"))
                .isEqualTo("query:e004ebd5b5532a4b85984a62f8ad48a81aa3460c1ca07701f386135d72cdecf5");
    }

    @Test
    void parameterBoundariesAndTypesAreUnambiguous() {
        String sql = "SELECT * FROM passenger WHERE firstname = ? AND lastname = ?";
        Set<String> keys = new HashSet<>();
        List<Object[]> lists = List.of(
                new Object[] {"ab", "c"}, new Object[] {"a", "bc"},
                new Object[] {1, null}, new Object[] {"1", null}, new Object[] {1L, null},
                new Object[] {(short) 1, null}, new Object[] {null, null}, new Object[] {"", null},
                new Object[] {new BigDecimal("1.0"), null}, new Object[] {new BigDecimal("1.00"), null},
                new Object[] {LocalDate.of(2024, 1, 1), null},
                new Object[] {LocalDateTime.of(2024, 1, 1, 0, 0), null},
                new Object[] {new byte[] {1}, null}, new Object[] {new byte[] {1, 0}, null},
                new Object[] {true, null}, new Object[] {1.0d, null}, new Object[] {1.0f, null});
        for (Object[] params : lists) {
            assertThat(keys.add(cache.keyFor(sql, params))).as("key of %s is unique", Arrays.deepToString(params)).isTrue();
        }
        // the plain key of the same text (no call makes it now: a count mismatch fails at Query.of)
        assertThat(keys).doesNotContain(CacheKeys.key(CacheAsideOptions.DEFAULT_KEY_PREFIX, sql, List.of()));
    }

    @Test
    void sameQuerySameKey() {
        assertThat(cache.keyFor("SELECT ?", new byte[] {1, 2})).isEqualTo(cache.keyFor("SELECT ?", new byte[] {1, 2}));
        assertThat(cache.keyFor("SELECT ?", 5)).isEqualTo(cache.keyFor(Query.of("SELECT ?", List.of(5))));
    }

    @Test
    void prefixIsConfigurable() {
        CacheAside other = CacheAside.builder()
                .database(CountingQueryExecutor.answering(Rows.empty())).cache(new InMemoryCacheStore())
                .options(CacheAsideOptions.builder().keyPrefix("app1:q:").build()).build();
        assertThat(other.keyFor("SELECT 1")).isEqualTo("app1:q:e004ebd5b5532a4b85984a62f8ad48a81aa3460c1ca07701f386135d72cdecf5");
    }
}
