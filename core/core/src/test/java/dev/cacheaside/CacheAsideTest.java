package dev.cacheaside;

import dev.cacheaside.internal.RowCodec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.spi.Rows;
import dev.cacheaside.testing.CountingQueryExecutor;
import dev.cacheaside.testing.InMemoryCacheStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

class CacheAsideTest {

    static final String SQL = "SELECT * FROM airline WHERE airline_id = 1";
    static final Rows AIRLINE = Rows.of(List.of("airline_id", "iata", "airlinename"),
            List.<Object[]>of(new Object[] {1, "LH", "Lufthansa"}));

    final InMemoryCacheStore store = new InMemoryCacheStore();
    final CountingQueryExecutor database = CountingQueryExecutor.answering(AIRLINE);
    final AtomicLong nanos = new AtomicLong();
    final CacheAside cache = CacheAside.builder().database(database).cache(store)
            .options(CacheAsideOptions.builder().nanoTime(nanos::get).build()).build();

    @AfterEach
    void close() {
        cache.close();
    }

    @Test
    void seedFlowMissHitRefreshInvalidateMiss() {
        StepVerifier.create(cache.query(SQL))
                .assertNext(r -> {
                    assertThat(r.source()).as("1. first execution").isEqualTo(Source.CACHE_MISS);
                    assertThat(r.rows()).isEqualTo(AIRLINE);
                })
                .verifyComplete();
        StepVerifier.create(cache.query(SQL))
                .assertNext(r -> {
                    assertThat(r.source()).as("2. second execution").isEqualTo(Source.CACHE_HIT);
                    assertThat(r.rows()).isEqualTo(AIRLINE);
                })
                .verifyComplete();
        assertThat(database.executions).as("the hit did not ask the database").hasValue(1);
        StepVerifier.create(cache.refresh(SQL))
                .assertNext(r -> assertThat(r.source()).as("3. force refresh").isEqualTo(Source.CACHE_MISS))
                .verifyComplete();
        assertThat(database.executions).as("force refresh asked the database").hasValue(2);
        StepVerifier.create(cache.invalidate(SQL)).expectNext(true).as("4. invalidate").verifyComplete();
        StepVerifier.create(cache.invalidate(SQL)).expectNext(false).as("nothing left to invalidate").verifyComplete();
        StepVerifier.create(cache.query(SQL))
                .assertNext(r -> assertThat(r.source()).as("5. after invalidation").isEqualTo(Source.CACHE_MISS))
                .verifyComplete();
        assertThat(database.executions).hasValue(3);
        assertThat(cache.engine().flights().size()).isZero();
    }

    @Test
    void keyIsPrefixAndSha256OfTheSql() {
        StepVerifier.create(cache.query(SQL)).expectNextCount(1).verifyComplete();
        String key = "query:169aafe17477aa1e48ba1a57f8a5f9e8ec7b31db0677f217beb4c3a6d7cbbe22";
        assertThat(cache.keyFor(SQL)).isEqualTo(key);
        assertThat(store.peek(key)).as("entry stored under the seed's key").isNotNull();
    }

    @Test
    void nothingHappensBeforeSubscription() {
        cache.query(SQL);
        cache.refresh(SQL);
        cache.invalidate(SQL);
        assertThat(database.executions).hasValue(0);
        assertThat(store.reads).hasValue(0);
        assertThat(store.deletes).hasValue(0);
    }

    @Test
    void defaultAndPerQueryTtlAreWrittenWithTheEntry() {
        StepVerifier.create(cache.query(SQL)).expectNextCount(1).verifyComplete();
        assertThat(store.ttlOf(cache.keyFor(SQL))).isEqualTo(Duration.ofHours(1));
        String other = "SELECT * FROM passenger WHERE passenger_id = 1000";
        StepVerifier.create(cache.query(other, Duration.ofMinutes(5))).expectNextCount(1).verifyComplete();
        assertThat(store.ttlOf(cache.keyFor(other))).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void entryExpiresAfterItsTtlWithoutSleeping() {
        StepVerifier.create(cache.query(SQL, Duration.ofSeconds(30))).expectNextCount(1).verifyComplete();
        store.advance(Duration.ofSeconds(29));
        StepVerifier.create(cache.query(SQL))
                .assertNext(r -> assertThat(r.source()).as("before expiry").isEqualTo(Source.CACHE_HIT))
                .verifyComplete();
        store.advance(Duration.ofSeconds(1));
        StepVerifier.create(cache.query(SQL))
                .assertNext(r -> assertThat(r.source()).as("at expiry").isEqualTo(Source.CACHE_MISS))
                .verifyComplete();
    }

    @Test
    void latencyIsMeasuredFromSubscription() {
        database.hold();
        var result = cache.query(SQL).toFuture();
        nanos.addAndGet(15_230_000);
        database.release();
        assertThat(result.join().latency()).isEqualTo(Duration.ofNanos(15_230_000));
        assertThat(result.join().latencyMillis()).isEqualTo(15.23);
    }

    @Test
    void cacheReadErrorIsAMissAnsweredByTheDatabase() {
        store.failReads(new IllegalStateException("connection refused"));
        StepVerifier.create(cache.query(SQL))
                .assertNext(r -> {
                    assertThat(r.source()).isEqualTo(Source.CACHE_MISS);
                    assertThat(r.rows()).isEqualTo(AIRLINE);
                })
                .verifyComplete();
        assertThat(database.executions).hasValue(1);
    }

    @Test
    void cacheWriteErrorStillReturnsTheResult() {
        store.failWrites(new IllegalStateException("OOM command not allowed"));
        StepVerifier.create(cache.query(SQL))
                .assertNext(r -> assertThat(r.rows()).isEqualTo(AIRLINE))
                .verifyComplete();
        assertThat(store.size()).isZero();
        assertThat(cache.engine().flights().size()).isZero();
    }

    @Test
    void databaseErrorReachesTheSubscriberAndNothingIsCached() {
        database.fail(new IllegalStateException("Table 'airline' doesn't exist"));
        StepVerifier.create(cache.query(SQL))
                .expectErrorMessage("Table 'airline' doesn't exist")
                .verify();
        assertThat(store.size()).as("nothing cached").isZero();
        assertThat(cache.engine().flights().size()).isZero();
        database.fail(null);
        StepVerifier.create(cache.query(SQL))
                .assertNext(r -> assertThat(r.source()).as("the failed load is not reused").isEqualTo(Source.CACHE_MISS))
                .verifyComplete();
    }

    @Test
    void forceRefreshFailureWithLeasesLeavesNoEntryAndNoLease() {
        StepVerifier.create(cache.query(SQL)).expectNextCount(1).verifyComplete();
        database.fail(new IllegalStateException("down"));
        StepVerifier.create(cache.refresh(SQL)).expectErrorMessage("down").verify();
        assertThat(store.peek(cache.keyFor(SQL))).as("the entry was removed before the refresh").isNull();
        database.fail(null);
        StepVerifier.create(cache.query(SQL))
                .assertNext(r -> assertThat(r.source()).as("no lease left behind").isEqualTo(Source.CACHE_MISS))
                .verifyComplete();
        assertThat(store.peek(cache.keyFor(SQL))).isNotNull();
    }

    @Test
    void forceRefreshFailureWithoutLeasesKeepsTheOldEntry() {
        try (CacheAside c = CacheAside.builder().database(database).cache(store)
                .options(CacheAsideOptions.builder().leases(false).build()).build()) {
            StepVerifier.create(c.query(SQL)).expectNextCount(1).verifyComplete();
            byte[] before = store.peek(c.keyFor(SQL));
            database.fail(new IllegalStateException("down"));
            StepVerifier.create(c.refresh(SQL)).expectError(IllegalStateException.class).verify();
            assertThat(store.peek(c.keyFor(SQL))).isEqualTo(before);
        }
    }

    @Test
    void corruptEntryIsAMissAndIsReplaced() {
        String key = cache.keyFor(SQL);
        for (byte[] garbage : List.of("not json".getBytes(StandardCharsets.UTF_8),
                "{\"v\":1,\"c\":[\"a\"],\"t\":[\"i\"],\"r\":[[1]".getBytes(StandardCharsets.UTF_8),
                "{\"v\":99,\"c\":[],\"t\":[],\"r\":[]}".getBytes(StandardCharsets.UTF_8),
                new byte[] {0, 1, 2, (byte) 0xFF})) {
            store.put(key, garbage, Duration.ofHours(1));
            StepVerifier.create(cache.query(SQL))
                    .assertNext(r -> {
                        assertThat(r.source()).isEqualTo(Source.CACHE_MISS);
                        assertThat(r.rows()).isEqualTo(AIRLINE);
                    })
                    .verifyComplete();
            assertThat(RowCodec.decode(store.peek(key))).as("entry replaced").isEqualTo(AIRLINE);
        }
    }

    @Test
    void resultWithAnUnsupportedValueIsReturnedButNotCached() {
        Rows odd = Rows.of(List.of("x"), List.<Object[]>of(new Object[] {new StringBuilder("odd")}));
        try (CacheAside c = CacheAside.builder().database(CountingQueryExecutor.answering(odd)).cache(store).build()) {
            StepVerifier.create(c.query(SQL)).assertNext(r -> assertThat(r.rows()).isEqualTo(odd)).verifyComplete();
            assertThat(store.size()).isZero();
        }
    }

    @Test
    void parametersSelectDifferentEntries() {
        CountingQueryExecutor echo = new CountingQueryExecutor((sql, params) ->
                Rows.of(List.of("p"), List.<Object[]>of(new Object[] {params.get(0)})));
        try (CacheAside c = CacheAside.builder().database(echo).cache(store).build()) {
            String sql = "SELECT ? AS p";
            StepVerifier.create(c.query(sql, 1)).assertNext(r -> assertThat(r.rows().get(0, 0)).isEqualTo(1)).verifyComplete();
            StepVerifier.create(c.query(sql, "1")).assertNext(r -> assertThat(r.rows().get(0, 0)).isEqualTo("1")).verifyComplete();
            StepVerifier.create(c.query(sql, 1))
                    .assertNext(r -> assertThat(r.source()).isEqualTo(Source.CACHE_HIT)).verifyComplete();
            assertThat(echo.executions).hasValue(2);
        }
    }

    @Test
    void closeClosesBothSidesAndLaterQueriesFail() {
        cache.close();
        assertThat(database.isClosed()).isTrue();
        assertThat(store.isClosed()).isTrue();
        StepVerifier.create(cache.query(SQL)).expectError(IllegalStateException.class).verify();
        cache.close();
    }

    @Test
    void mapToRecord() {
        record Airline(int airlineId, String iata, String airlinename) {
        }
        StepVerifier.create(cache.query(SQL))
                .assertNext(r -> assertThat(r.mapTo(Airline.class)).containsExactly(new Airline(1, "LH", "Lufthansa")))
                .verifyComplete();
    }
}
