package dev.cacheaside.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.CacheAside;
import dev.cacheaside.CacheAsideOptions;
import dev.cacheaside.Query;
import dev.cacheaside.QueryResult;
import dev.cacheaside.Source;
import dev.cacheaside.env.CacheAsideEnvironment;
import dev.cacheaside.env.Engines;
import dev.cacheaside.env.Settings;
import dev.cacheaside.examples.LoadSampleData;
import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CompareAndSetStore;
import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.spi.TaggedStore;
import dev.cacheaside.caffeine.LocalCacheStore;
import dev.cacheaside.testing.TestServers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Mono;

/**
 * The proof of invalidation by table, on real MariaDB and PostgreSQL with every cache set-up
 * (in-process, Redis, Valkey, two memcached servers, Redis Cluster): fourteen queries over the
 * airport sample are cached, eight of them reading {@code booking} (through joins, subqueries,
 * {@code EXISTS}, a scalar subquery and CTEs) and six not; one booking changes through
 * {@code cache.update(...)}; then every dependent query is a {@code CACHE_MISS} that returns
 * what the database now holds, and every independent one is still a {@code CACHE_HIT} with
 * unchanged rows.
 *
 * <p>The sample lives in its own database, {@value Setup#DATABASE}, loaded once at scale 1 by
 * the project's loader ({@link LoadSampleData}); each test uses its own key prefix, so runs and
 * tests never see each other's entries.
 */
class TableInvalidationIT {

    static Stream<Arguments> setups() {
        List<Arguments> all = new ArrayList<>();
        for (String db : Setup.DATABASES) {
            for (String cache : Setup.CACHES) {
                all.add(Arguments.of(db, cache));
            }
        }
        return all.stream();
    }

    /** A query of the proof: its SQL and parameters, and whether it reads {@code booking}. */
    record Case(String name, boolean readsBooking, Query query) {
    }

    static List<Case> cases(int passenger, int flight, BigDecimal maxPriceBefore) {
        return List.of(
                new Case("bookings of a passenger (one table)", true, Query.of(
                        "SELECT booking_id, flight_id, seat, price FROM booking WHERE passenger_id = ? ORDER BY booking_id",
                        passenger)),
                new Case("passenger's bookings (join)", true, Query.of(
                        "SELECT p.firstname, p.lastname, b.booking_id, b.flight_id, b.seat, b.price"
                                + " FROM booking b JOIN passenger p ON p.passenger_id = b.passenger_id"
                                + " WHERE p.passenger_id = ? ORDER BY b.booking_id", passenger)),
                new Case("flight load (left join, aggregate)", true, Query.of(
                        "SELECT f.flight_id, f.flightno, COUNT(b.booking_id) AS booked, SUM(b.price) AS revenue"
                                + " FROM flight f LEFT JOIN booking b ON b.flight_id = f.flight_id"
                                + " WHERE f.flight_id = ? GROUP BY f.flight_id, f.flightno", flight)),
                new Case("passengers with a booking over a price (IN subquery)", true, Query.of(
                        "SELECT passenger_id, lastname FROM passenger WHERE passenger_id IN"
                                + " (SELECT passenger_id FROM booking WHERE price > ?) ORDER BY passenger_id",
                        maxPriceBefore)),
                new Case("flights with a booking over a price (EXISTS)", true, Query.of(
                        "SELECT f.flight_id, f.flightno FROM flight f WHERE EXISTS"
                                + " (SELECT 1 FROM booking b WHERE b.flight_id = f.flight_id AND b.price > ?)"
                                + " ORDER BY f.flight_id", maxPriceBefore)),
                new Case("top revenue flights (CTE)", true, Query.of(
                        "WITH revenue AS (SELECT flight_id, SUM(price) AS total FROM booking GROUP BY flight_id)"
                                + " SELECT f.flightno, r.total FROM revenue r JOIN flight f ON f.flight_id = r.flight_id"
                                + " ORDER BY r.total DESC, f.flightno LIMIT 5")),
                new Case("route report (four-table join)", true, Query.of(
                        "SELECT dep.iata AS from_iata, arr.iata AS to_iata, COUNT(*) AS bookings, SUM(b.price) AS revenue"
                                + " FROM booking b JOIN flight f ON f.flight_id = b.flight_id"
                                + " JOIN airport dep ON dep.airport_id = f.from_airport"
                                + " JOIN airport arr ON arr.airport_id = f.to_airport"
                                + " GROUP BY dep.iata, arr.iata ORDER BY revenue DESC, from_iata, to_iata LIMIT 10")),
                new Case("bookings per passenger (scalar subquery)", true, Query.of(
                        "SELECT p.passenger_id, (SELECT SUM(b.price) FROM booking b WHERE b.passenger_id = p.passenger_id)"
                                + " AS spent FROM passenger p WHERE p.passenger_id BETWEEN ? AND ? ORDER BY p.passenger_id",
                        passenger - 2, passenger + 2)),
                new Case("airlines", false, Query.of(
                        "SELECT airline_id, iata, airlinename FROM airline ORDER BY airline_id")),
                new Case("first airports", false, Query.of(
                        "SELECT airport_id, iata, city, country FROM airport WHERE airport_id <= ? ORDER BY airport_id", 10)),
                new Case("fleet by airline and type (join)", false, Query.of(
                        "SELECT al.airlinename, t.identifier, COUNT(*) AS airplanes, SUM(p.capacity) AS seats"
                                + " FROM airplane p JOIN airline al ON al.airline_id = p.airline_id"
                                + " JOIN airplane_type t ON t.type_id = p.type_id"
                                + " GROUP BY al.airlinename, t.identifier ORDER BY al.airlinename, t.identifier")),
                new Case("busiest departure airports (CTE)", false, Query.of(
                        "WITH busy AS (SELECT from_airport, COUNT(*) AS n FROM flight GROUP BY from_airport)"
                                + " SELECT a.iata, busy.n FROM busy JOIN airport a ON a.airport_id = busy.from_airport"
                                + " ORDER BY busy.n DESC, a.iata LIMIT 5")),
                new Case("passengers per country (join)", false, Query.of(
                        "SELECT d.country, COUNT(*) AS passengers FROM passenger p"
                                + " JOIN passengerdetails d ON d.passenger_id = p.passenger_id"
                                + " GROUP BY d.country ORDER BY passengers DESC, d.country")),
                new Case("schedules of airlines based at the first airports (IN subquery)", false, Query.of(
                        "SELECT flightno, from_airport, to_airport FROM flightschedule WHERE airline_id IN"
                                + " (SELECT airline_id FROM airline WHERE base_airport <= ?) ORDER BY flightno", 20)));
    }

    @ParameterizedTest(name = "{0} + {1}")
    @MethodSource("setups")
    void changingBookingMissesEveryDependentQueryAndKeepsTheOthers(String db, String cacheSetup) {
        Setup.ensureDatabase(db);
        try (QueryExecutor plain = Setup.executor(db);
                Setup.Pair pair = Setup.instances(db, cacheSetup)) {
            CacheAside cache = pair.first();
            Rows target = plain.execute("SELECT booking_id, passenger_id, flight_id, price FROM booking"
                    + " WHERE passenger_id = 7 ORDER BY booking_id", List.of()).block(Duration.ofSeconds(30));
            assertThat(target.size()).as("bookings of passenger 7 in the sample").isPositive();
            int bookingId = ((Number) target.get(0, 0)).intValue();
            int flight = ((Number) target.get(0, 2)).intValue();
            BigDecimal maxPrice = new BigDecimal(plain.execute("SELECT MAX(price) FROM booking", List.of())
                    .block(Duration.ofSeconds(30)).get(0, 0).toString());
            List<Case> cases = cases(7, flight, maxPrice);

            Map<String, Rows> before = new LinkedHashMap<>();
            for (Case c : cases) {
                QueryResult first = cache.query(c.query()).block(Duration.ofSeconds(30));
                assertThat(first.source()).as("first run of '%s'", c.name()).isEqualTo(Source.CACHE_MISS);
                QueryResult second = cache.query(c.query()).block(Duration.ofSeconds(30));
                assertThat(second.source()).as("second run of '%s'", c.name()).isEqualTo(Source.CACHE_HIT);
                assertThat(second.rows()).as("cached rows of '%s' equal the database's", c.name())
                        .isEqualTo(Setup.fresh(plain, c.query()));
                before.put(c.name(), second.rows());
            }

            long changed = cache.update("UPDATE booking SET price = price + 1000, seat = ? WHERE booking_id = ?",
                    "99Z", bookingId).block(Duration.ofSeconds(30));
            assertThat(changed).as("rows changed by cache.update").isEqualTo(1L);

            int differing = 0;
            for (Case c : cases) {
                QueryResult after = cache.query(c.query()).block(Duration.ofSeconds(30));
                Rows now = Setup.fresh(plain, c.query());
                if (c.readsBooking()) {
                    assertThat(after.source()).as("'%s' reads booking: a miss after the write", c.name())
                            .isEqualTo(Source.CACHE_MISS);
                    assertThat(after.rows()).as("'%s' returns the database's new rows", c.name()).isEqualTo(now);
                    if (!after.rows().equals(before.get(c.name()))) {
                        differing++;
                    }
                } else {
                    assertThat(after.source()).as("'%s' does not read booking: still a hit", c.name())
                            .isEqualTo(Source.CACHE_HIT);
                    assertThat(after.rows()).as("'%s' rows unchanged", c.name()).isEqualTo(before.get(c.name()));
                }
            }
            // the first five queries contain the changed booking or its new price, so their rows changed
            assertThat(differing).as("dependent queries whose rows changed with the write").isGreaterThanOrEqualTo(5);
            // the other instance sharing the cache sees the invalidation too
            QueryResult other = pair.second().query(cases.get(0).query()).block(Duration.ofSeconds(30));
            assertThat(other.rows()).as("second instance after the write").isEqualTo(Setup.fresh(plain, cases.get(0).query()));
            System.out.printf("[%s + %s] %d queries cached; after cache.update of booking %d: %d dependent misses"
                    + " with new rows (%d of them changed), %d independent hits; stats %s%n", db, cacheSetup,
                    cases.size(), bookingId, cases.stream().filter(Case::readsBooking).count(), differing,
                    cases.stream().filter(c -> !c.readsBooking()).count(), cache.stats());
        }
    }

    /**
     * The servers, the sample database and the two {@link CacheAside} instances that share one
     * cache, for the table-invalidation ITs.
     */
    static final class Setup {

        /** The database holding the scale-1 airport sample for these tests. */
        static final String DATABASE = "cacheaside_tables";
        static final List<String> DATABASES = List.of("mariadb", "postgresql");
        static final List<String> CACHES = List.of("local", "redis", "valkey", "memcached", "redis-cluster");
        private static final Set<String> LOADED = ConcurrentHashMap.newKeySet();

        private Setup() {
        }

        /** Two instances over one cache (and one database), closed together. */
        record Pair(CacheAside first, CacheAside second) implements AutoCloseable {
            @Override
            public void close() {
                try {
                    first.close();
                } finally {
                    second.close();
                }
            }
        }

        static Map<String, String> database(String engine, String name) {
            Map<String, String> vars = new HashMap<>();
            vars.put("DB_ENGINE", engine);
            String server = engine.equals("postgresql") ? "POSTGRES" : "MARIADB";
            String hostPort = TestServers.require(server, engine.equals("postgresql") ? 5432 : 3306);
            vars.put("DB_HOST", hostPort.substring(0, hostPort.lastIndexOf(':')));
            vars.put("DB_PORT", hostPort.substring(hostPort.lastIndexOf(':') + 1));
            vars.put("DB_USER", System.getenv().getOrDefault("TEST_" + server + "_USER",
                    engine.equals("postgresql") ? "postgres" : "root"));
            String password = System.getenv("TEST_" + server + "_PASSWORD");
            if (password != null && !password.isBlank()) {
                vars.put("DB_PASSWORD", password);
            }
            vars.put("DB_NAME", name);
            return vars;
        }

        static Map<String, String> cache(String setup) {
            Map<String, String> vars = new HashMap<>();
            switch (setup) {
                case "local":
                    vars.put("CACHE_ENGINE", "local");
                    break;
                case "redis":
                case "valkey":
                    String hostPort = setup.equals("redis") ? TestServers.require("REDIS", 6379)
                            : TestServers.require("VALKEY", 6380);
                    vars.put("CACHE_ENGINE", setup);
                    vars.put("CACHE_HOST", hostPort.substring(0, hostPort.lastIndexOf(':')));
                    vars.put("CACHE_PORT", hostPort.substring(hostPort.lastIndexOf(':') + 1));
                    break;
                case "memcached":
                    vars.put("CACHE_ENGINE", "memcached");
                    vars.put("CACHE_NODES", TestServers.require("MEMCACHED", 11211) + ","
                            + TestServers.require("MEMCACHED2", 11212));
                    break;
                case "redis-cluster":
                    String first = TestServers.require("REDIS_CLUSTER", 7000);
                    String host = first.substring(0, first.lastIndexOf(':'));
                    int port = Integer.parseInt(first.substring(first.lastIndexOf(':') + 1));
                    vars.put("CACHE_ENGINE", "redis");
                    vars.put("CACHE_CLUSTER", "true");
                    vars.put("CACHE_NODES", first + "," + host + ":" + (port + 1) + "," + host + ":" + (port + 2));
                    break;
                default:
                    throw new IllegalArgumentException("unknown cache set-up " + setup);
            }
            return vars;
        }

        /** A plain executor (no cache) on the sample database, to read what the database holds. */
        static QueryExecutor executor(String engine) {
            return Engines.queryExecutor(engine, Settings.of(database(engine, DATABASE)));
        }

        /** What the database returns for {@code query} right now. */
        static Rows fresh(QueryExecutor plain, Query query) {
            return plain.execute(query.sql(), query.parameters()).block(Duration.ofSeconds(30));
        }

        /**
         * Two instances sharing one cache under a key prefix of their own: for a server cache two
         * separate clients (as two processes would have), for the in-process store one store
         * shared through views that do not close it.
         */
        static Pair instances(String db, String cacheSetup) {
            String prefix = "tables-it:" + UUID.randomUUID().toString().substring(0, 8) + ":";
            Map<String, String> vars = new HashMap<>(database(db, DATABASE));
            vars.putAll(cache(cacheSetup));
            vars.put("CACHE_KEY_PREFIX", prefix);
            vars.put("CACHE_TIMEOUT", "5s");
            if (!cacheSetup.equals("local")) {
                return new Pair(CacheAsideEnvironment.create(Settings.of(vars)), CacheAsideEnvironment.create(Settings.of(vars)));
            }
            LocalCacheStore shared = LocalCacheStore.create();
            CacheAsideOptions options = CacheAsideOptions.builder().keyPrefix(prefix).cacheTimeout(Duration.ofSeconds(5)).build();
            CacheAside first = CacheAside.builder().database(executor(db)).cache(new View(shared, false)).options(options).build();
            CacheAside second = CacheAside.builder().database(executor(db)).cache(new View(shared, true)).options(options).build();
            return new Pair(first, second);
        }

        /**
         * Creates {@value #DATABASE} when missing and loads the scale-1 sample with
         * {@link LoadSampleData} (which keeps tables already loaded), once per run and server.
         */
        static synchronized void ensureDatabase(String engine) {
            if (!LOADED.add(engine)) {
                return;
            }
            Map<String, String> admin = database(engine, engine.equals("postgresql") ? "postgres" : "mysql");
            try (QueryExecutor executor = Engines.queryExecutor(engine, Settings.of(admin))) {
                if (engine.equals("postgresql")) {
                    Rows found = executor.execute("SELECT COUNT(*) FROM pg_database WHERE datname = ?", List.of(DATABASE))
                            .block(Duration.ofSeconds(30));
                    if (((Number) found.get(0, 0)).longValue() == 0) {
                        executor.execute("CREATE DATABASE " + DATABASE, List.of()).block(Duration.ofSeconds(30));
                    }
                } else {
                    executor.execute("CREATE DATABASE IF NOT EXISTS " + DATABASE, List.of()).block(Duration.ofSeconds(30));
                }
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = LoadSampleData.run(new String[] {"1"}, Settings.of(database(engine, DATABASE)),
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            assertThat(code).as("LoadSampleData into %s on %s; stdout:%n%s%nstderr:%n%s", DATABASE, engine, out, err).isZero();
        }
    }

    /** One store seen by two instances; only the owner's view closes it. */
    private static final class View implements TaggedStore, CompareAndSetStore {
        private final LocalCacheStore store;
        private final boolean closes;

        View(LocalCacheStore store, boolean closes) {
            this.store = store;
            this.closes = closes;
        }

        @Override
        public Mono<byte[]> get(String key) {
            return store.get(key);
        }

        @Override
        public Mono<Void> set(String key, byte[] value, Duration ttl) {
            return store.set(key, value, ttl);
        }

        @Override
        public Mono<Boolean> delete(String key) {
            return store.delete(key);
        }

        @Override
        public Mono<CacheLookup> getOrLease(String key, Duration leaseTtl) {
            return store.getOrLease(key, leaseTtl);
        }

        @Override
        public Mono<Boolean> fill(String key, String leaseToken, byte[] value, Duration ttl) {
            return store.fill(key, leaseToken, value, ttl);
        }

        @Override
        public Mono<Boolean> replace(String key, byte[] expected, byte[] value, Duration ttl) {
            return store.replace(key, expected, value, ttl);
        }

        @Override
        public Mono<Void> tag(Collection<String> tags, String key, Duration ttl) {
            return store.tag(tags, key, ttl);
        }

        @Override
        public Mono<Long> invalidateTag(String tag) {
            return store.invalidateTag(tag);
        }

        @Override
        public Mono<Void> closeAsync() {
            return closes ? store.closeAsync() : Mono.empty();
        }
    }
}
