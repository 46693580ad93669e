package dev.cacheaside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.spi.SqlDialect;
import dev.cacheaside.testing.CountingQueryExecutor;
import dev.cacheaside.testing.InMemoryCacheStore;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** The read check as {@link CacheAside#query} applies it: at the call, in the executor's dialect, nothing sent. */
class ReadGuardEngineTest {

    /** A counting executor that says which dialect it speaks. */
    static QueryExecutor speaking(SqlDialect dialect, CountingQueryExecutor inner) {
        return new QueryExecutor() {
            @Override
            public Mono<Rows> execute(String sql, List<?> parameters) {
                return inner.execute(sql, parameters);
            }

            @Override
            public SqlDialect dialect() {
                return dialect;
            }

            @Override
            public Mono<Void> closeAsync() {
                return Mono.empty();
            }
        };
    }

    @Test
    void refusedBeforeAnythingIsSent() {
        CountingQueryExecutor db = CountingQueryExecutor.answering(Rows.empty());
        InMemoryCacheStore store = new InMemoryCacheStore();
        try (CacheAside cache = CacheAside.builder().database(db).cache(store).build()) {
            for (String sql : List.of("SELECT 1; DROP TABLE t", "SELECT * FROM t FOR SHARE", "SELECT nextval('s')")) {
                assertThatThrownBy(() -> cache.query(sql)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("refused");
                assertThatThrownBy(() -> cache.refresh(sql)).isInstanceOf(IllegalArgumentException.class);
            }
            assertThat(db.executions.get()).isZero();
            assertThat(store.size()).isZero();
        }
    }

    @Test
    void stateChangingFunctionsRunWhenAllowed() {
        CountingQueryExecutor db = CountingQueryExecutor.answering(Rows.empty());
        CacheAsideOptions options = CacheAsideOptions.builder().allowStateChangingFunctions(true).build();
        assertThat(options.allowStateChangingFunctions()).isTrue();
        assertThat(CacheAsideOptions.defaults().allowStateChangingFunctions()).isFalse();
        try (CacheAside cache = CacheAside.builder().database(db).cache(new InMemoryCacheStore()).options(options).build()) {
            cache.query("SELECT nextval('s')").block(Duration.ofSeconds(5));
            assertThat(db.executions.get()).isEqualTo(1);
            assertThatThrownBy(() -> cache.query("SELECT 1; SELECT nextval('s')"))
                    .as("still one statement only").isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void theExecutorsDialectDecidesTheLexing() {
        CountingQueryExecutor db = CountingQueryExecutor.answering(Rows.empty());
        String dollar = "SELECT $$ it's; -- $$ AS s";
        try (CacheAside pg = CacheAside.builder().database(speaking(SqlDialect.POSTGRESQL, db))
                .cache(new InMemoryCacheStore()).build();
                CacheAside unknown = CacheAside.builder().database(db).cache(new InMemoryCacheStore()).build()) {
            pg.query(dollar).block(Duration.ofSeconds(5));
            assertThat(db.executions.get()).isEqualTo(1);
            assertThatThrownBy(() -> unknown.query(dollar)).isInstanceOf(IllegalArgumentException.class);
            // PostgreSQL's ?? is a literal ?: one marker here, checked at the call in the dialect
            assertThatThrownBy(() -> pg.query("SELECT a ?? b, ? FROM t", 1, 2))
                    .hasMessage("the SQL has 1 bind marker (?) but 2 parameters were given");
            assertThat(db.executions.get()).isEqualTo(1);
        }
    }
}
