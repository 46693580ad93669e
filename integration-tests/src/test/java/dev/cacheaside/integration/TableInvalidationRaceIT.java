package dev.cacheaside.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.CacheAside;
import dev.cacheaside.Query;
import dev.cacheaside.QueryResult;
import dev.cacheaside.Source;
import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.spi.Rows;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Readers and writers at random over two {@link CacheAside} instances sharing one cache, on real
 * MariaDB and PostgreSQL with every cache set-up: readers run a dozen queries that read
 * {@code booking} (by passenger, by flight, a CTE, a scalar subquery, a four-table join) while
 * writers change booking prices and seats through {@code cache.update(...)} and, one time in
 * four, two bookings at once through {@code cache.transaction(...)}, for at least {@value #RUN_MILLIS} ms
 * and until the run has more writes and reads than {@value #MIN_WRITES} and {@value #MIN_READS}.
 * Once the writers stop and every operation in flight has ended, each query is read on both
 * instances: every {@code CACHE_HIT} must equal what the database holds (no stale read), and no
 * operation may have failed.
 */
class TableInvalidationRaceIT {

    static final long RUN_MILLIS = 3_000;
    /** The run goes on past RUN_MILLIS until it has more writes and reads than these. */
    static final int MIN_WRITES = 10;
    static final int MIN_READS = 50;
    static final int READERS = 6;
    static final int WRITERS = 2;

    static Stream<Arguments> setups() {
        return TableInvalidationIT.setups();
    }

    @ParameterizedTest(name = "{0} + {1}")
    @MethodSource("setups")
    void noStaleReadOnceWritersStop(String db, String cacheSetup) throws Exception {
        TableInvalidationIT.Setup.ensureDatabase(db);
        try (QueryExecutor plain = TableInvalidationIT.Setup.executor(db);
                TableInvalidationIT.Setup.Pair pair = TableInvalidationIT.Setup.instances(db, cacheSetup)) {
            Rows bookings = plain.execute("SELECT booking_id, flight_id FROM booking WHERE passenger_id BETWEEN 1 AND 5"
                    + " ORDER BY booking_id", List.of()).block(Duration.ofSeconds(30));
            assertThat(bookings.size()).as("bookings of passengers 1 to 5").isGreaterThan(5);
            List<Integer> bookingIds = new ArrayList<>();
            List<Integer> flights = new ArrayList<>();
            for (int i = 0; i < bookings.size(); i++) {
                bookingIds.add(((Number) bookings.get(i, 0)).intValue());
                if (flights.size() < 5 && !flights.contains(((Number) bookings.get(i, 1)).intValue())) {
                    flights.add(((Number) bookings.get(i, 1)).intValue());
                }
            }
            List<Query> queries = queries(flights);
            CacheAside[] instances = {pair.first(), pair.second()};

            AtomicLong reads = new AtomicLong();
            AtomicLong updates = new AtomicLong();
            AtomicLong transactions = new AtomicLong();
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RUN_MILLIS);
            // at least RUN_MILLIS, and on a busy machine on until the run has the writes and
            // reads asserted below (counts, not time), within a bound below the 60 s waits
            long limit = System.nanoTime() + TimeUnit.SECONDS.toNanos(50);
            java.util.function.BooleanSupplier running = () -> {
                long now = System.nanoTime();
                return now < limit && (now < deadline
                        || updates.get() + transactions.get() <= MIN_WRITES || reads.get() <= MIN_READS);
            };
            ExecutorService threads = Executors.newFixedThreadPool(READERS + WRITERS);
            try {
                List<Future<?>> writers = new ArrayList<>();
                for (int w = 0; w < WRITERS; w++) {
                    SplittableRandom random = new SplittableRandom(1000 + w);
                    writers.add(threads.submit(() -> {
                        while (running.getAsBoolean()) {
                            CacheAside cache = instances[random.nextInt(2)];
                            try {
                                if (random.nextInt(4) == 0) {
                                    cache.transaction(List.of(priceUpdate(random, bookingIds), priceUpdate(random, bookingIds)))
                                            .block(Duration.ofSeconds(30));
                                    transactions.incrementAndGet();
                                } else {
                                    cache.update(priceUpdate(random, bookingIds)).block(Duration.ofSeconds(30));
                                    updates.incrementAndGet();
                                }
                            } catch (RuntimeException e) {
                                failures.add(e);
                            }
                        }
                    }));
                }
                List<Future<?>> readers = new ArrayList<>();
                for (int r = 0; r < READERS; r++) {
                    SplittableRandom random = new SplittableRandom(r);
                    readers.add(threads.submit(() -> {
                        while (running.getAsBoolean()) {
                            try {
                                instances[random.nextInt(2)].query(queries.get(random.nextInt(queries.size())))
                                        .block(Duration.ofSeconds(30));
                                reads.incrementAndGet();
                            } catch (RuntimeException e) {
                                failures.add(e);
                            }
                        }
                    }));
                }
                for (Future<?> f : writers) {
                    f.get(60, TimeUnit.SECONDS);
                }
                for (Future<?> f : readers) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                threads.shutdownNow();
            }
            assertThat(failures).as("operations that failed during the run").isEmpty();
            assertThat(updates.get() + transactions.get()).as("writes during the run").isGreaterThan(MIN_WRITES);
            assertThat(reads.get()).as("reads during the run").isGreaterThan(MIN_READS);

            // writers stopped, nothing in flight: whatever the cache serves must be the database's
            int hits = 0;
            int misses = 0;
            List<String> stale = new ArrayList<>();
            for (int pass = 0; pass < 2; pass++) {
                for (CacheAside cache : instances) {
                    for (Query q : queries) {
                        QueryResult result = cache.query(q).block(Duration.ofSeconds(30));
                        Rows now = TableInvalidationIT.Setup.fresh(plain, q);
                        if (result.source() == Source.CACHE_HIT) {
                            hits++;
                            if (!result.rows().equals(now)) {
                                stale.add(q.sql() + " " + q.parameters() + ": cached " + result.rows() + " but the database has " + now);
                            }
                        } else {
                            misses++;
                            assertThat(result.rows()).as("a miss returns the database's rows").isEqualTo(now);
                        }
                    }
                }
            }
            assertThat(stale).as("cache hits that differ from the database after the writers stopped").isEmpty();
            assertThat(hits).as("hits compared with the database").isPositive();
            System.out.printf("[%s + %s] %d ms: %d reads, %d updates, %d transactions of two; afterwards %d hits"
                    + " compared with the database, 0 stale, %d misses; stats of the first instance %s%n",
                    db, cacheSetup, RUN_MILLIS, reads.get(), updates.get(), transactions.get(), hits, misses,
                    pair.first().stats());
        }
    }

    private static Query priceUpdate(SplittableRandom random, List<Integer> bookingIds) {
        String seat = (1 + random.nextInt(40)) + String.valueOf((char) ('A' + random.nextInt(6)));
        return Query.of("UPDATE booking SET price = ?, seat = ? WHERE booking_id = ?",
                BigDecimal.valueOf(4_900 + random.nextInt(95_100), 2), seat,
                bookingIds.get(random.nextInt(bookingIds.size())));
    }

    private static List<Query> queries(List<Integer> flights) {
        List<Query> queries = new ArrayList<>();
        for (int p = 1; p <= 5; p++) {
            queries.add(Query.of("SELECT p.lastname, b.booking_id, b.flight_id, b.seat, b.price FROM booking b"
                    + " JOIN passenger p ON p.passenger_id = b.passenger_id WHERE p.passenger_id = ? ORDER BY b.booking_id", p));
        }
        for (int flight : flights) {
            queries.add(Query.of("SELECT f.flightno, COUNT(b.booking_id) AS booked, SUM(b.price) AS revenue"
                    + " FROM flight f LEFT JOIN booking b ON b.flight_id = f.flight_id WHERE f.flight_id = ?"
                    + " GROUP BY f.flightno", flight));
        }
        queries.add(Query.of("WITH spent AS (SELECT passenger_id, SUM(price) AS total FROM booking"
                + " WHERE passenger_id BETWEEN 1 AND 5 GROUP BY passenger_id)"
                + " SELECT p.lastname, s.total FROM spent s JOIN passenger p ON p.passenger_id = s.passenger_id"
                + " ORDER BY s.passenger_id"));
        queries.add(Query.of("SELECT p.passenger_id, (SELECT MAX(b.seat) FROM booking b WHERE b.passenger_id = p.passenger_id)"
                + " AS last_seat FROM passenger p WHERE p.passenger_id <= 5 ORDER BY p.passenger_id"));
        return queries;
    }
}
