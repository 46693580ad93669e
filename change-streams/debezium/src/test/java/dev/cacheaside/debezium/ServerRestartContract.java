package dev.cacheaside.debezium;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.CacheAside;
import dev.cacheaside.CacheAsideOptions;
import dev.cacheaside.lettuce.LettuceCacheStore;
import dev.cacheaside.lettuce.LettuceStoreOptions;
import dev.cacheaside.testing.TestServers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A restart of the database server loses no change, on a server of the test's own
 * ({@link PrivateServer}), never the shared one: outside writers write before, during (their
 * statements fail while the server is down, and they reconnect) and after a clean restart, while
 * readers read through the cache; afterwards no read was stale after its write's bound, and every
 * row converged to the database's value.
 */
abstract class ServerRestartContract {

    static final Duration LAG_BOUND = ChangeStreamContract.LAG_BOUND;
    /**
     * From the server accepting connections again to the source streaming: the engine's own
     * reconnect (PostgreSQL: Debezium restarts its task 10 s after a retriable error, its
     * {@code errors.retry.delay.max.ms}; MariaDB: the binlog client's keep-alive reconnects within
     * two {@link DebeziumChangeSource#BINLOG_KEEP_ALIVE} intervals), or the consumer's restart of a
     * failed source after its backoff, then a start ({@link ChangeStreamContract#START_BOUND}).
     */
    static final Duration RECONNECT_BOUND = Duration.ofSeconds(10)
            .plus(DebeziumChangeSource.BINLOG_KEEP_ALIVE.multipliedBy(2)).plus(ChangeStreamConsumer.DEFAULT_RETRY_BACKOFF)
            .plus(ChangeStreamContract.START_BOUND);

    private final List<AutoCloseable> closeables = new ArrayList<>();

    /** A private server of the database under test, started. */
    abstract PrivateServer server() throws Exception;

    @AfterEach
    void stop() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private static long valueIn(PrivateServer server, int id) throws Exception {
        try (Connection c = server.connect();
                PreparedStatement s = c.prepareStatement("SELECT v FROM cdc_item WHERE id = ?")) {
            s.setInt(1, id);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** The row's value through the cache; -1 when the query failed (a pooled connection the restart broke fails once). */
    private static long cached(CacheAside cache, int id) {
        try {
            return (Long) cache.query("SELECT v FROM cdc_item WHERE id = ?", id).block().rows().get(0, 0);
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** Proves with row 9 (no writer's) that the source streams; returns when it did. */
    private static long probe(PrivateServer server, CacheAside cache, String what, Duration within) throws Exception {
        try (Connection w = server.connect()) {
            ChangeStreamContract.probe(what, cache, "cdc_item", w, within);
        }
        return System.nanoTime();
    }

    @Test
    void aServerRestartLosesNoChange() throws Exception {
        String redis = TestServers.require("REDIS", 6379);
        PrivateServer server = server();
        closeables.add(server);
        try (Connection c = server.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE cdc_item (id INT PRIMARY KEY, v BIGINT NOT NULL)");
            s.execute("INSERT INTO cdc_item VALUES (0, 0), (1, 0), (2, 0), (3, 0), (4, 0), (5, 0), (6, 0), (7, 0), (9, 0)");
        }

        String[] hp = redis.split(":");
        String run = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
        LettuceCacheStore store = LettuceCacheStore.create(LettuceStoreOptions.builder()
                .standalone(hp[0], Integer.parseInt(hp[1])).commandTimeout(Duration.ofSeconds(1)).build());
        CacheAside cache = CacheAside.builder().database(new JdbcQueryExecutor(server.url(), server.user(), server.dialect()))
                .cache(store).options(CacheAsideOptions.builder().keyPrefix("cdc-restart-" + run + ":")
                        .invalidationTimeout(ChangeStreamContract.INVALIDATION_TIMEOUT).build())
                .build();
        closeables.add(cache);
        LettuceCacheStore leaseStore = LettuceCacheStore.create(LettuceStoreOptions.builder()
                .standalone(hp[0], Integer.parseInt(hp[1])).commandTimeout(Duration.ofSeconds(1)).build());
        closeables.add(leaseStore);
        ChangeStreamConsumer consumer = ChangeStreamConsumer.builder()
                .source(DebeziumChangeSource.create(server.sourceOptions("restart-" + run).build()))
                .sink(cache.changeSink()).leaseStore(leaseStore).leaseKey("cdc-restart-" + run + ":leader")
                .leaseTtl(ChangeStreamContract.LEASE_TTL).build();
        closeables.add(consumer);
        consumer.start();

        ChangeStreamContract.await("the first start's conservative invalidation", ChangeStreamContract.START_BOUND,
                () -> consumer.conservativeInvalidations() == 1);
        probe(server, cache, "the consumer streams", ChangeStreamContract.START_BOUND);

        OutsideWorkload work = new OutsideWorkload(server::connect, "cdc_item", new long[OutsideWorkload.ROWS],
                List.of(row -> (Long) cache.query("SELECT v FROM cdc_item WHERE id = ?", row).block().rows().get(0, 0)),
                true).start();
        long began = System.nanoTime();
        ChangeStreamContract.await("100 writes due before the restart", ChangeStreamContract.START_BOUND.plus(LAG_BOUND),
                () -> work.writesDue(began, LAG_BOUND) >= 100);
        long stopping = System.nanoTime();
        server.stop();
        long stopped = System.nanoTime();
        server.start();
        long started = System.nanoTime();
        long streaming = probe(server, cache, "the source streams after the restart", RECONNECT_BOUND.plus(LAG_BOUND));
        ChangeStreamContract.await("100 writes due after the source streams again",
                ChangeStreamContract.START_BOUND.plus(LAG_BOUND), () -> work.writesDue(streaming, LAG_BOUND) >= 100);
        Throwable failed = work.stop();
        assertThat(failed).as("writers and readers ran (their failures while the server was down aside)").isNull();

        for (int r = 0; r < OutsideWorkload.ROWS; r++) {
            long expected = valueIn(server, r);
            int row = r;
            ChangeStreamContract.await("row " + r + " converges to the database's value " + expected, LAG_BOUND,
                    () -> cached(cache, row) == expected);
        }
        // a write committed at least a lag bound before the stop began was due then; anything later
        // (committed just before the stop, during or after it) is due a lag bound after the source
        // streams again, as the probe proved (what came before the probe in the stream was delivered before it)
        OutsideWorkload.Staleness result = work.check(committed -> committed + LAG_BOUND.toNanos() - stopping <= 0
                ? committed + LAG_BOUND.toNanos() : Math.max(committed, streaming) + LAG_BOUND.toNanos());
        System.out.printf(Locale.ROOT, "[cdc] %s server restart: %d writes (%d after the restart), %d reads (%d checked"
                        + " against a due write), %d stale; %d statements failed while it was down; stop %d ms, start"
                        + " %d ms, streaming %d ms after the start (measured); source failures %d, conservative"
                        + " invalidations %d%n", server.database(), work.writes(), work.writesAfter(stopped), work.reads(),
                result.checked(), result.stale(), work.failedStatements(), (stopped - stopping) / 1_000_000,
                (started - stopped) / 1_000_000, (streaming - started) / 1_000_000, consumer.sourceFailures(),
                consumer.conservativeInvalidations());
        assertThat(work.writesAfter(stopped)).as("writes after the restart").isGreaterThanOrEqualTo(100);
        assertThat(result.checked()).as("reads came after due writes").isGreaterThan(100);
        assertThat(result.stale()).as("stale answers after a write's bound").isZero();
        assertThat(consumer.conservativeInvalidations()).as("every change was streamed: the stored position survived"
                + " the restart, no conservative invalidation was needed").isEqualTo(1);
    }
}
