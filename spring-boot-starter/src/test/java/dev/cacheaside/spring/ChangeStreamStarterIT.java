package dev.cacheaside.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.CacheAside;
import dev.cacheaside.QueryResult;
import dev.cacheaside.Source;
import dev.cacheaside.testing.TestServers;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The starter's change-stream wiring end to end, on the dependency versions Spring Boot 4.1.2's
 * management gives this module (Jersey 4.0.3, protobuf 4.36.2; Kafka pinned to 4.3.0 by the
 * starter, since Boot's 4.2.2 does not resolve): {@code cacheaside.cdc.enabled=true} starts the
 * consumer with the context, a row changed by plain JDBC (not the library) makes the cached
 * query answer the new value while an independent query stays a hit, health and meters show the
 * consumer, and closing the context stops it. Real PostgreSQL 5432 and MariaDB 3306, Redis 6379
 * as the cache, each run under its own schema/database, slot, publication and key prefix.
 */
class ChangeStreamStarterIT {

    /** The consumer's lease TTL here (the minimum the module accepts is 3 s). */
    static final Duration LEASE_TTL = Duration.ofSeconds(3);
    /** First start: take the lease, create the slot/publication or read the binlog position, invalidate all. */
    static final Duration START_BOUND = Duration.ofSeconds(90);
    /**
     * A committed write to the cached query answering it: the source's invalidation wait (30 s,
     * DebeziumSourceOptions' default, after which a batch fails and is streamed again) plus 3 s
     * of scheduling allowance on a saturated machine.
     */
    static final Duration LAG_BOUND = Duration.ofSeconds(33);
    /** How long the count of an invalidation may trail its deletes: the cache's command timeout, twice. */
    static final Duration ACK_BOUND = Duration.ofSeconds(4);

    private final String run = "sbcdc" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);

    @Test
    void postgresqlWriteOutsideTheLibraryIsSeenThroughTheStarter() throws Exception {
        String pg = TestServers.require("POSTGRES", 5432);
        String host = pg.substring(0, pg.lastIndexOf(':'));
        int port = Integer.parseInt(pg.substring(pg.lastIndexOf(':') + 1));
        String url = "jdbc:postgresql://" + host + ":" + port + "/postgres";
        try (Connection c = DriverManager.getConnection(url, "postgres", "")) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE SCHEMA " + run);
                s.execute("CREATE TABLE " + run + ".fare (id INT PRIMARY KEY, price INT NOT NULL)");
                s.execute("CREATE TABLE " + run + ".route (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL)");
                s.execute("INSERT INTO " + run + ".fare VALUES (1, 100)");
                s.execute("INSERT INTO " + run + ".route VALUES (1, 'LHR-JFK')");
            }
            try {
                streams(c, run + ".fare", run + ".route",
                        "UPDATE " + run + ".fare SET price = ? WHERE id = 1",
                        "cacheaside.db.engine=postgresql", "cacheaside.db.host=" + host, "cacheaside.db.port=" + port,
                        "cacheaside.db.user=postgres", "cacheaside.db.name=postgres",
                        "cacheaside.cdc.schema=" + run, "cacheaside.cdc.slot=" + run, "cacheaside.cdc.publication=" + run);
            } finally {
                try (Statement s = c.createStatement()) {
                    dropSlot(s);
                    s.execute("DROP PUBLICATION IF EXISTS " + run);
                    s.execute("DROP TABLE IF EXISTS public." + run + "_off");
                    s.execute("DROP SCHEMA IF EXISTS " + run + " CASCADE");
                }
            }
        }
    }

    @Test
    void mariadbWriteOutsideTheLibraryIsSeenThroughTheStarter() throws Exception {
        String maria = TestServers.require("MARIADB", 3306);
        String host = maria.substring(0, maria.lastIndexOf(':'));
        int port = Integer.parseInt(maria.substring(maria.lastIndexOf(':') + 1));
        String admin = "jdbc:mysql://" + host + ":" + port + "/?permitMysqlScheme&allowPublicKeyRetrieval=true&useSSL=false";
        try (Connection c = DriverManager.getConnection(admin, "root", "")) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE " + run);
                s.execute("CREATE TABLE " + run + ".fare (id INT PRIMARY KEY, price INT NOT NULL)");
                s.execute("CREATE TABLE " + run + ".route (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL)");
                s.execute("INSERT INTO " + run + ".fare VALUES (1, 100)");
                s.execute("INSERT INTO " + run + ".route VALUES (1, 'LHR-JFK')");
            }
            try {
                streams(c, run + ".fare", run + ".route",
                        "UPDATE " + run + ".fare SET price = ? WHERE id = 1",
                        "cacheaside.db.engine=mariadb", "cacheaside.db.host=" + host, "cacheaside.db.port=" + port,
                        "cacheaside.db.user=root", "cacheaside.db.name=" + run,
                        // unique among the server's replicas: other runs use other ids
                        "cacheaside.cdc.server-id=" + (60_000 + Math.floorMod(run.hashCode(), 100_000)));
            } finally {
                try (Statement s = c.createStatement()) {
                    s.execute("DROP DATABASE IF EXISTS " + run);
                }
            }
        }
    }

    private void streams(Connection writer, String fareTable, String routeTable, String update, String... database)
            throws Exception {
        String redis = TestServers.require("REDIS", 6379);
        String prefix = "starter-cdc-" + run + ":";
        String fare = "SELECT price FROM " + fareTable + " WHERE id = 1";
        String route = "SELECT name FROM " + routeTable + " WHERE id = 1";
        try {
            runContext(writer, update, redis, prefix, fare, route, database);
        } finally {
            deleteKeys(redis, prefix);
        }
    }

    private void runContext(Connection writer, String update, String redis, String prefix, String fare, String route,
                            String... database) {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(CacheAsideAutoConfiguration.class))
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withPropertyValues(database)
                .withPropertyValues("cacheaside.engine=redis",
                        "cacheaside.host=" + redis.substring(0, redis.lastIndexOf(':')),
                        "cacheaside.port=" + redis.substring(redis.lastIndexOf(':') + 1),
                        "cacheaside.key-prefix=" + prefix, "cacheaside.connect-timeout=10s",
                        // the database's first connection on a saturated machine: not a cache timeout
                        "cacheaside.timeout=2s",
                        "cacheaside.cdc.enabled=true", "cacheaside.cdc.name=" + run,
                        "cacheaside.cdc.tables=fare,route", "cacheaside.cdc.offsets-table=" + run + "_off",
                        "cacheaside.cdc.lease-ttl=" + LEASE_TTL.toSeconds() + "s")
                .run(context -> {
                    assertThat(context).as("context starts").hasNotFailed();
                    ChangeStreamLifecycle cdc = context.getBean(ChangeStreamLifecycle.class);
                    CacheAside cache = context.getBean(CacheAside.class);
                    assertThat(cdc.isRunning()).as("started with the context").isTrue();
                    // the first start has no stored position: it fixes one, then invalidates every
                    // watched table once; only after that does a cached answer prove streaming
                    await("the consumer leads and made its first conservative invalidation", START_BOUND,
                            () -> cdc.conservativeInvalidations() == 1 && cdc.status().equals("RUNNING"));
                    long before = cdc.invalidations();

                    assertThat(query(cache, fare)).as("fare, first read").isEqualTo(Map.entry(Source.CACHE_MISS, 100));
                    assertThat(query(cache, fare)).as("fare, cached").isEqualTo(Map.entry(Source.CACHE_HIT, 100));
                    assertThat(query(cache, route).getKey()).as("route, first read").isEqualTo(Source.CACHE_MISS);
                    assertThat(query(cache, route).getKey()).as("route, cached").isEqualTo(Source.CACHE_HIT);

                    try (java.sql.PreparedStatement p = writer.prepareStatement(update)) {
                        p.setInt(1, 250);
                        assertThat(p.executeUpdate()).as("the outside write").isEqualTo(1);
                    }
                    long deadline = System.nanoTime() + LAG_BOUND.toNanos();
                    Map.Entry<Source, Integer> seen = query(cache, fare);
                    while (seen.getValue() != 250 && System.nanoTime() - deadline < 0) {
                        Thread.sleep(20);
                        seen = query(cache, fare);
                    }
                    assertThat(seen.getValue()).as("the cached fare answers the outside write within " + LAG_BOUND)
                            .isEqualTo(250);
                    // the consumer counts an invalidation once the store has acknowledged its deletes, so
                    // a reader can see the new value a moment before the count moves: wait for the
                    // acknowledgement, bounded by the cache's command timeout (2 s) with room to spare
                    await("streamed: one more invalidation", ACK_BOUND, () -> cdc.invalidations() > before);
                    assertThat(cdc.conservativeInvalidations()).as("not a conservative one").isEqualTo(1);
                    assertThat(query(cache, route).getKey()).as("the independent query stays a hit")
                            .isEqualTo(Source.CACHE_HIT);

                    Health health = context.getBean(CacheAsideHealthIndicator.class).health()
                            .block(Duration.ofSeconds(10));
                    assertThat(health.getStatus()).isEqualTo(Status.UP);
                    @SuppressWarnings("unchecked")
                    Map<String, Object> details = (Map<String, Object>) health.getDetails().get("changeStream");
                    assertThat(details).as("health details").containsEntry("status", "RUNNING")
                            .containsEntry("leading", true).containsEntry("conservativeInvalidations", 1L)
                            .containsEntry("leaderships", 1L);
                    assertThat((Long) details.get("invalidations")).isGreaterThan(before);
                    MeterRegistry meters = context.getBean(MeterRegistry.class);
                    assertThat(meters.get("cacheaside.cdc.status").tag("status", "RUNNING").gauge().value())
                            .as("status gauge").isEqualTo(1.0);
                    assertThat(meters.get("cacheaside.cdc.status").tag("status", "STANDBY").gauge().value())
                            .isEqualTo(0.0);
                    assertThat(meters.get("cacheaside.cdc.invalidations").functionCounter().count())
                            .isEqualTo((double) cdc.invalidations());

                    context.close();
                    assertThat(cdc.isRunning()).as("stopped with the context").isFalse();
                    assertThat(cdc.status()).isEqualTo("STOPPED");
                });
    }

    private static Map.Entry<Source, Integer> query(CacheAside cache, String sql) {
        QueryResult r = cache.query(sql).block(Duration.ofSeconds(60));
        Object value = r.rows().asMaps().get(0).values().iterator().next();
        return Map.entry(r.source(), value instanceof Number n ? n.intValue() : -1);
    }

    private static void await(String what, Duration within, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + within + ": " + what);
            }
            Thread.sleep(20);
        }
    }

    /** Drops this run's slot once no consumer holds it (a consumer that just closed may, for a moment). */
    private void dropSlot(Statement s) throws SQLException, InterruptedException {
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
        s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + run + "'");
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
