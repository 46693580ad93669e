package dev.cacheaside;

import dev.cacheaside.internal.TableNames;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.spi.Statement;
import dev.cacheaside.testing.InMemoryCacheStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

class TableInvalidationTest {

    /** A database of table versions: a query answers with the versions of the tables it reads. */
    static final class TableVersions implements QueryExecutor {
        final Map<String, Long> versions = new ConcurrentHashMap<>();
        final AtomicInteger reads = new AtomicInteger();
        volatile Sinks.Empty<Void> gate;

        @Override
        public Mono<Rows> execute(String sql, List<?> parameters) {
            return Mono.defer(() -> {
                reads.incrementAndGet();
                List<String> tables = List.copyOf(TableNames.of(sql));
                Object[] row = tables.stream().map(t -> versions.getOrDefault(t, 0L)).toArray();
                Rows rows = Rows.of(tables, List.<Object[]>of(row));
                Sinks.Empty<Void> g = gate;
                return g == null ? Mono.just(rows) : g.asMono().thenReturn(rows);
            });
        }

        @Override
        public Mono<Long> update(Statement statement) {
            return Mono.fromCallable(() -> {
                for (String t : TableNames.of(statement.sql())) {
                    versions.merge(t, 1L, Long::sum);
                }
                return 1L;
            });
        }

        @Override
        public Mono<Long> updateInTransaction(List<Statement> statements) {
            return Mono.fromCallable(() -> {
                for (Statement s : statements) {
                    update(s).block();
                }
                return (long) statements.size();
            });
        }

        @Override
        public Mono<Void> closeAsync() {
            return Mono.empty();
        }
    }

    final TableVersions database = new TableVersions();
    final InMemoryCacheStore store = new InMemoryCacheStore();
    final CacheAside cache = CacheAside.builder().database(database).cache(store).build();

    static final List<String> DEPENDENT = List.of(
            "SELECT * FROM booking WHERE booking_id = 1",
            "SELECT b.* FROM booking b JOIN passenger p ON p.passenger_id = b.passenger_id",
            "SELECT f.flightno, COUNT(*) FROM flight f JOIN booking b ON b.flight_id = f.flight_id GROUP BY f.flightno",
            "WITH t AS (SELECT flight_id FROM booking) SELECT * FROM t",
            "SELECT * FROM passenger WHERE passenger_id IN (SELECT passenger_id FROM booking)",
            "SELECT * FROM public.booking");
    static final List<String> INDEPENDENT = List.of(
            "SELECT * FROM airline WHERE airline_id = 1",
            "SELECT * FROM airport",
            "SELECT a.* FROM airplane a JOIN airplane_type t ON t.type_id = a.type_id",
            "SELECT * FROM flight WHERE flight_id = 115",
            "SELECT * FROM passenger",
            "SELECT * FROM flightschedule");

    @Test
    void aWriteMakesEveryDependentQueryAMissAndLeavesTheOthersHits() {
        for (String sql : DEPENDENT) {
            cache.query(sql).block();
        }
        for (String sql : INDEPENDENT) {
            cache.query(sql).block();
        }
        long removed = cache.update("UPDATE booking SET price = price + 1 WHERE booking_id = ?", 1).block();
        assertThat(removed).as("rows changed").isEqualTo(1);
        for (String sql : DEPENDENT) {
            QueryResult r = cache.query(sql).block();
            assertThat(r.source()).as("dependent: %s", sql).isEqualTo(Source.CACHE_MISS);
            int column = r.rows().columns().indexOf("booking");
            assertThat(r.rows().get(0, column)).as("new data for %s", sql).isEqualTo(1L);
        }
        for (String sql : INDEPENDENT) {
            assertThat(cache.query(sql).block().source()).as("independent: %s", sql).isEqualTo(Source.CACHE_HIT);
        }
    }

    @Test
    void invalidateTableCountsTheEntriesItRemoved() {
        for (String sql : DEPENDENT) {
            cache.query(sql).block();
        }
        assertThat(cache.invalidateTable("Booking").block()).isEqualTo(DEPENDENT.size());
        assertThat(cache.invalidateTable("booking").block()).isZero();
        assertThat(store.tagged("query:table:booking")).isEmpty();
    }

    @Test
    void aLoadThatReadBeforeTheWriteCannotFillAfterIt() {
        database.gate = Sinks.empty();
        String sql = DEPENDENT.get(0);
        CompletableFuture<QueryResult> reader = cache.query(sql).toFuture();
        database.gate.tryEmitEmpty();
        database.gate = null;
        reader.join();
        // a second reader whose database read happens before the write lands
        Sinks.Empty<Void> gate = Sinks.empty();
        database.gate = gate;
        cache.invalidate(sql).block();
        CompletableFuture<QueryResult> slow = cache.query(sql).toFuture();
        // nothing here times out (an in-memory store, a gated database): 10 s only ends a hang
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (database.reads.get() < 2 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(database.reads.get()).as("the slow reader reached the database").isEqualTo(2);
        database.gate = null;
        cache.update("UPDATE booking SET price = 0").block();
        gate.tryEmitEmpty();
        assertThat(slow.join().rows().get(0, 0)).as("the slow reader saw the old version").isEqualTo(0L);
        QueryResult next = cache.query(sql).block();
        assertThat(next.source()).as("its fill was refused").isEqualTo(Source.CACHE_MISS);
        assertThat(next.rows().get(0, 0)).isEqualTo(1L);
    }

    @Test
    void transactionsInvalidateEveryTableTheyWrite() {
        cache.query("SELECT * FROM booking").block();
        cache.query("SELECT * FROM passenger").block();
        cache.query("SELECT * FROM airline").block();
        cache.transaction(List.of(Query.of("UPDATE booking SET price = 1"), Query.of("DELETE FROM passenger WHERE passenger_id = 3")))
                .block();
        assertThat(cache.query("SELECT * FROM booking").block().source()).isEqualTo(Source.CACHE_MISS);
        assertThat(cache.query("SELECT * FROM passenger").block().source()).isEqualTo(Source.CACHE_MISS);
        assertThat(cache.query("SELECT * FROM airline").block().source()).isEqualTo(Source.CACHE_HIT);
    }

    @Test
    void declaredTablesReachQueriesTheParserCannotRead() {
        String vendor = "SELECT * FROM booking_summary_view";
        cache.query(Query.of(vendor).withTables("booking")).block();
        cache.invalidateTable("booking").block();
        assertThat(cache.query(Query.of(vendor).withTables("booking")).block().source()).isEqualTo(Source.CACHE_MISS);
    }

    @Test
    void theWritePathRefusesReadsAndNamesTheProblem() {
        assertThatThrownBy(() -> cache.update("SELECT * FROM booking")).hasMessageContaining("starts with SELECT");
        assertThatThrownBy(() -> cache.invalidateTable()).hasMessageContaining("at least one table");
        assertThatThrownBy(() -> cache.invalidateTable(" ")).hasMessageContaining("blank");
    }

    @Test
    void aWriteWhoseInvalidationFailsSaysSoWithTheRowsItChanged() {
        cache.query("SELECT * FROM booking").block();
        store.failWrites(new IllegalStateException("cache down"));
        assertThatThrownBy(() -> cache.update("UPDATE booking SET price = 2").block())
                .isInstanceOf(CacheInvalidationException.class)
                .hasMessageContaining("committed (1 rows)")
                .hasMessageContaining("[booking]")
                .hasMessageEndingWith(": java.lang.IllegalStateException: cache down")
                .hasRootCauseMessage("cache down")
                .satisfies(e -> {
                    CacheInvalidationException failure = (CacheInvalidationException) e;
                    assertThat(failure.rowsUpdated()).isEqualTo(1);
                    assertThat(failure.tables()).containsExactly("booking");
                });
        assertThat(database.versions.get("booking")).as("the write itself committed").isEqualTo(1L);
    }
}
