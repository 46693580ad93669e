package dev.cacheaside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.spi.Rows;
import dev.cacheaside.testing.CountingQueryExecutor;
import dev.cacheaside.testing.InMemoryCacheStore;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.Test;

class BadInputTest {

    final CountingQueryExecutor database = CountingQueryExecutor.answering(Rows.empty());
    final InMemoryCacheStore store = new InMemoryCacheStore();
    final CacheAside cache = CacheAside.builder().database(database).cache(store).build();

    @Test
    void nullOrBlankSqlFailsAtTheCall() {
        assertThatThrownBy(() -> cache.query((String) null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sql must not be null");
        assertThatThrownBy(() -> cache.query("  \n\t")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sql must not be blank");
        assertThatThrownBy(() -> cache.refresh("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> cache.invalidate((String) null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> cache.query((Query) null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void ttlThatIsNotPositiveFailsAtTheCall() {
        assertThatThrownBy(() -> cache.query("SELECT 1", Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ttl must be positive, was PT0S");
        assertThatThrownBy(() -> cache.query("SELECT 1", Duration.ofSeconds(-5)))
                .hasMessage("ttl must be positive, was PT-5S");
        assertThatThrownBy(() -> Query.of("SELECT 1").withTtl(null)).hasMessage("ttl must not be null");
        assertThatThrownBy(() -> Query.of("SELECT 1").withTtl(Duration.ofNanos(10))).hasMessageContaining("at least 1 ms");
    }

    @Test
    void unsupportedParameterNamesItsPositionAndClass() {
        assertThatThrownBy(() -> cache.query("SELECT * FROM booking WHERE seat = ? AND created > ?", "12A", new Date()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("parameter 2").hasMessageContaining("java.util.Date")
                .hasMessageContaining("LocalDateTime");
        assertThatThrownBy(() -> Query.of("SELECT ?", List.of(new Object()))).hasMessageContaining("parameter 1");
    }

    @Test
    void badInputTouchesNothing() {
        // each call must throw at the call, before any Mono exists: a Mono that failed only
        // when subscribed would leave this assertion failing
        assertThatThrownBy(() -> cache.query("SELECT ?", new StringBuilder()))
                .as("query with an unsupported parameter")
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("parameter 1 is a java.lang.StringBuilder, which is not supported");
        assertThatThrownBy(() -> cache.invalidate("SELECT ?", new StringBuilder()))
                .as("invalidate with an unsupported parameter")
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("parameter 1 is a java.lang.StringBuilder, which is not supported");
        assertThatThrownBy(() -> cache.update("UPDATE booking SET seat = ?", new StringBuilder()))
                .as("update with an unsupported parameter")
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("parameter 1 is a java.lang.StringBuilder, which is not supported");
        assertThat(database.executions).as("database executions").hasValue(0);
        assertThat(store.reads).as("cache reads").hasValue(0);
        assertThat(store.writes).as("cache writes").hasValue(0);
        assertThat(store.deletes).as("cache deletes").hasValue(0);
        assertThat(store.tagCalls).as("cache tag calls").hasValue(0);
    }

    @Test
    void optionsNameTheSettingAndTheValue() {
        assertThatThrownBy(() -> CacheAsideOptions.builder().defaultTtl(Duration.ZERO).build())
                .hasMessage("defaultTtl must be at least 1 ms, was PT0S");
        assertThatThrownBy(() -> CacheAsideOptions.builder().keyPrefix("my key:").build())
                .hasMessageContaining("keyPrefix").hasMessageContaining("'my key:'");
        assertThatThrownBy(() -> CacheAsideOptions.builder().keyPrefix("x".repeat(179)).build())
                .hasMessageContaining("at most 178");
        assertThatThrownBy(() -> CacheAside.builder().cache(store).build()).hasMessageContaining("database must be set");
        assertThatThrownBy(() -> CacheAside.builder().database(database).build()).hasMessageContaining("cache must be set");
    }
}
