package dev.cacheaside.examples.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.testing.TestServers;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The service in its change-stream mode ({@code CACHE_CDC=true}, as README shows) on the real
 * PostgreSQL 5432 and Redis 6379: a row changed or inserted by plain JDBC, not by the service,
 * is what the next GET answers (X-Cache MISS with the new value, then HIT), and
 * {@code /actuator/health/cacheAside} shows the consumer. The run has a database of its own
 * (created and dropped here, with its slot and publication) and its own key prefix.
 */
class ChangeStreamServiceIT {

    /** The first start: the lease, the slot and publication, the conservative invalidation. */
    static final Duration START_BOUND = Duration.ofSeconds(90);
    /** Commit to the next GET answering it: the source's invalidation wait (30 s) plus 3 s of scheduling. */
    static final Duration LAG_BOUND = Duration.ofSeconds(33);

    private final String run = "wfcdc" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);

    @Test
    void aWriteInTheDatabaseIsTheNextAnswer() throws Exception {
        String pg = TestServers.require("POSTGRES", 5432);
        String redis = TestServers.require("REDIS", 6379);
        String host = pg.substring(0, pg.lastIndexOf(':'));
        String port = pg.substring(pg.lastIndexOf(':') + 1);
        String server = "jdbc:postgresql://" + host + ":" + port + "/";
        try (Connection admin = DriverManager.getConnection(server + "postgres", "postgres", "")) {
            try (Statement s = admin.createStatement()) {
                s.execute("CREATE DATABASE " + run);
            }
            try {
                try (Connection db = DriverManager.getConnection(server + run, "postgres", "")) {
                    try (Statement s = db.createStatement()) {
                        s.execute("CREATE TABLE airline (airline_id INT PRIMARY KEY, iata CHAR(2) NOT NULL,"
                                + " airlinename VARCHAR(30), base_airport INT NOT NULL)");
                        s.execute("INSERT INTO airline VALUES (1, 'BA', 'Before Air', 10)");
                    }
                    ConfigurableApplicationContext app = new SpringApplicationBuilder(WebfluxServiceApplication.class)
                            .run("--PORT=0", "--DB_ENGINE=postgresql", "--DB_HOST=" + host, "--DB_PORT=" + port,
                                    "--DB_USER=postgres", "--DB_NAME=" + run,
                                    "--CACHE_ENGINE=redis", "--CACHE_HOST=" + redis.substring(0, redis.lastIndexOf(':')),
                                    "--CACHE_PORT=" + redis.substring(redis.lastIndexOf(':') + 1),
                                    "--CACHE_KEY_PREFIX=" + run + ":",
                                    "--CACHE_CDC=true", "--CACHE_CDC_NAME=" + run, "--CACHE_CDC_SLOT=" + run,
                                    "--CACHE_CDC_PUBLICATION=" + run, "--CACHE_CDC_LEASE_TTL=3");
                    try {
                        int httpPort = ((WebServerApplicationContext) app).getWebServer().getPort();
                        WebTestClient http = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + httpPort)
                                .responseTimeout(WebfluxServiceIT.REQUEST_BOUND).build();
                        streams(http, db);
                    } finally {
                        app.close();
                        deleteKeys(redis, run + ":");
                    }
                }
            } finally {
                try (Statement s = admin.createStatement()) {
                    // a consumer that just closed may hold its slot a moment longer
                    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                    while (System.nanoTime() - deadline < 0) {
                        try (ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '"
                                + run + "' AND active")) {
                            rs.next();
                            if (rs.getInt(1) == 0) {
                                break;
                            }
                        }
                        Thread.sleep(20);
                    }
                    s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '"
                            + run + "' AND NOT active");
                    s.execute("DROP DATABASE IF EXISTS " + run + " WITH (FORCE)");
                    try (ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '"
                            + run + "'")) {
                        rs.next();
                        assertThat(rs.getInt(1)).as("the run's slot is gone").isZero();
                    }
                }
            }
        }
    }

    private void streams(WebTestClient http, Connection db) throws Exception {
        awaitHealth(http);

        assertThat(get(http, "/airlines/1")).as("first read").containsExactly("MISS", "Before Air");
        assertThat(get(http, "/airlines/1")).as("cached").containsExactly("HIT", "Before Air");
        assertThat(get(http, "/airlines/2")).as("no airline 2 yet").containsExactly("MISS", null);
        assertThat(get(http, "/airlines/2")).as("its absence is cached").containsExactly("HIT", null);

        // one write at a time: each is its own transaction, and each invalidates the table again
        seen(http, db, "UPDATE airline SET airlinename = 'After Air' WHERE airline_id = 1", "/airlines/1", "After Air");
        seen(http, db, "INSERT INTO airline VALUES (2, 'NW', 'New Wings', 11)", "/airlines/2", "New Wings");
    }

    /** Commits {@code write} by JDBC; the next GET of {@code path} that differs is a MISS with {@code expected}. */
    private static void seen(WebTestClient http, Connection db, String write, String path, String expected)
            throws Exception {
        try (Statement s = db.createStatement()) {
            assertThat(s.executeUpdate(write)).as("a write the service does not make: " + write).isEqualTo(1);
        }
        long deadline = System.nanoTime() + LAG_BOUND.toNanos();
        List<String> seen = get(http, path);
        while (!expected.equals(seen.get(1)) && System.nanoTime() - deadline < 0) {
            assertThat(seen.get(0)).as(path + " before the change arrives: the old entry").isEqualTo("HIT");
            Thread.sleep(20);
            seen = get(http, path);
        }
        assertThat(seen).as(path + ": the write is the next answer, from the database, within " + LAG_BOUND)
                .containsExactly("MISS", expected);
        // then cached again; delivery is at least once, so the same change may invalidate once more
        // before that: every answer meanwhile already has the new value
        long cachedBy = System.nanoTime() + LAG_BOUND.toNanos();
        List<String> next = get(http, path);
        while (!"HIT".equals(next.get(0)) && System.nanoTime() - cachedBy < 0) {
            assertThat(next.get(1)).as(path + " after the change, while it is cached again").isEqualTo(expected);
            Thread.sleep(20);
            next = get(http, path);
        }
        assertThat(next).as(path + " then cached again within " + LAG_BOUND).containsExactly("HIT", expected);
    }

    /** [X-Cache, airlinename or null for a 404]. */
    private static List<String> get(WebTestClient http, String path) {
        EntityExchangeResult<Map<String, Object>> r = http.get().uri(path).exchange()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { }).returnResult();
        assertThat(r.getStatus().value()).as(path).isIn(200, 404);
        assertThat(r.getResponseHeaders().getFirst("Server-Timing")).as(path).startsWith("cache;dur=");
        List<String> out = new ArrayList<>();
        out.add(r.getResponseHeaders().getFirst("X-Cache"));
        out.add(r.getStatus().value() == 404 ? null : (String) r.getResponseBody().get("airlinename"));
        return out;
    }

    /** Until the health shows the consumer leading, after its first (conservative) invalidation. */
    @SuppressWarnings("unchecked")
    private static void awaitHealth(WebTestClient http) throws InterruptedException {
        long deadline = System.nanoTime() + START_BOUND.toNanos();
        Map<String, Object> changeStream = Map.of();
        while (System.nanoTime() - deadline < 0) {
            Map<String, Object> health = http.get().uri("/actuator/health/cacheAside").exchange()
                    .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { }).returnResult()
                    .getResponseBody();
            changeStream = (Map<String, Object>) ((Map<String, Object>) health.get("details")).get("changeStream");
            if ("RUNNING".equals(changeStream.get("status"))
                    && ((Number) changeStream.get("conservativeInvalidations")).longValue() == 1) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the consumer did not lead and stream within " + START_BOUND + ": " + changeStream);
    }

    /** Removes every key this run left under {@code prefix} in the Redis at {@code hostPort}. */
    static void deleteKeys(String hostPort, String prefix) {
        io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(io.lettuce.core.RedisURI.create(
                hostPort.substring(0, hostPort.lastIndexOf(':')),
                Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1))));
        try (io.lettuce.core.api.StatefulRedisConnection<String, String> c = client.connect()) {
            io.lettuce.core.ScanArgs match = io.lettuce.core.ScanArgs.Builder.matches(prefix + "*").limit(500);
            io.lettuce.core.KeyScanCursor<String> cursor = c.sync().scan(match);
            while (true) {
                if (!cursor.getKeys().isEmpty()) {
                    c.sync().del(cursor.getKeys().toArray(new String[0]));
                }
                if (cursor.isFinished()) {
                    break;
                }
                cursor = c.sync().scan(cursor, match);
            }
        } finally {
            client.shutdown();
        }
    }
}
